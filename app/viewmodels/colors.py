"""WCAG 2.x contrast for category colours: every chip keeps its city colour recognisable
and its text readable (AA: 4.5:1 for normal text)."""

from __future__ import annotations

AA_NORMAL = 4.5


def _channel(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def parse_hex(color: str) -> tuple[int, int, int]:
    value = color.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    if len(value) != 6:
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def to_hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(max(0, min(255, round(c))) for c in rgb))


def luminance(color: str) -> float:
    r, g, b = parse_hex(color)
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def accessible_pair(background: str, minimum: float = AA_NORMAL) -> tuple[str, str]:
    """(background, foreground) with at least ``minimum`` contrast.

    Picks black or white text, whichever contrasts more; if neither reaches the minimum,
    darkens the background step by step (hue kept) under white text.
    """
    bg = to_hex(parse_hex(background))
    best = max(("#000000", "#ffffff"), key=lambda fg: contrast(bg, fg))
    if contrast(bg, best) >= minimum:
        return bg, best
    r, g, b = parse_hex(bg)
    for step in range(1, 40):
        f = 1 - step * 0.025
        dark = to_hex((r * f, g * f, b * f))
        if contrast(dark, "#ffffff") >= minimum:
            return dark, "#ffffff"
    return "#000000", "#ffffff"
