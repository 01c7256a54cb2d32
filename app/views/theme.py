"""Theme, text sizes (the large-text setting scales every style) and category glyphs."""

from __future__ import annotations

import flet as ft

FONT_FAMILY = "NotoCJK"
FONT_FILE = "fonts/NotoSansCJK-Machi.woff2"  # relative to assets/; see assets/fonts/README.md
SEED = "#1d5c8c"
# The keyboard focus: a dark ring, 7:1 on the light surfaces and 3:1 or more next to the seed colour
FOCUS_COLOR = "#0b2a45"
FOCUS_SIDE = ft.BorderSide(3, FOCUS_COLOR)
# behind a focused radio, checkbox or tab: the focus colour at 60 % (about 5:1 on white)
FOCUS_OVERLAY = ft.Colors.with_opacity(0.6, FOCUS_COLOR)

# Material 3 default sizes, scaled by the resident's text-size setting.
_SIZES = {
    "display_large": 57,
    "display_medium": 45,
    "display_small": 36,
    "headline_large": 32,
    "headline_medium": 28,
    "headline_small": 24,
    "title_large": 22,
    "title_medium": 16,
    "title_small": 14,
    "label_large": 14,
    "label_medium": 12,
    "label_small": 11,
    "body_large": 16,
    "body_medium": 14,
    "body_small": 12,
}

# The city's icon names (core data) -> Material glyphs; colour AND icon AND name are shown.
CATEGORY_ICONS = {
    "moyasu": ft.Icons.LOCAL_FIRE_DEPARTMENT,
    "moyasanai": ft.Icons.HARDWARE,
    "shigen": ft.Icons.RECYCLING,
    "bin": ft.Icons.WINE_BAR,
    "petbottle": ft.Icons.LOCAL_DRINK,
    "kan": ft.Icons.LOCAL_DRINK,
    "sodai": ft.Icons.CHAIR,
    "yugai": ft.Icons.WARNING_AMBER,
}


def category_icon(name: str) -> ft.IconData:
    base = name.rstrip("0123456789")
    return CATEGORY_ICONS.get(base, ft.Icons.DELETE_OUTLINE)


def _focus_ring() -> ft.ButtonStyle:
    # every button shows the keyboard focus as a 3-px dark outline (Material's own is a faint tint)
    return ft.ButtonStyle(side={ft.ControlState.FOCUSED: FOCUS_SIDE})


def build_theme(scale: float, nav_label_size: float | None = None) -> ft.Theme:
    """The app's theme at a text size; ``nav_label_size``: the bottom-navigation labels' size
    (see ``nav_label_size``), else 12 px scaled up to 14."""
    # Flet applies Theme.font_family only when no text_theme is given: name the family in every style.
    styles = {k: ft.TextStyle(size=round(v * scale, 1), font_family=FONT_FAMILY) for k, v in _SIZES.items()}
    label = nav_label_size or min(12 * scale, 14)
    focus_overlay = {ft.ControlState.FOCUSED: FOCUS_OVERLAY}
    return ft.Theme(
        color_scheme_seed=SEED,
        font_family=FONT_FAMILY,
        text_theme=ft.TextTheme(**styles),
        focus_color=FOCUS_OVERLAY,
        button_theme=ft.ButtonTheme(style=_focus_ring()),
        filled_button_theme=ft.FilledButtonTheme(style=_focus_ring()),
        outlined_button_theme=ft.OutlinedButtonTheme(style=_focus_ring()),
        text_button_theme=ft.TextButtonTheme(style=_focus_ring()),
        icon_button_theme=ft.IconButtonTheme(style=_focus_ring()),
        radio_theme=ft.RadioTheme(overlay_color=focus_overlay),
        checkbox_theme=ft.CheckboxTheme(overlay_color=focus_overlay),
        navigation_bar_theme=ft.NavigationBarTheme(
            label_text_style=ft.TextStyle(size=round(label, 1), font_family=FONT_FAMILY),
            overlay_color=focus_overlay,
            # two lines of label at large sizes: the bar grows instead of cutting them off
            height=max(80, round(56 + 2.6 * label)),
        ),
    )


def nav_label_size(scale: float, width: float, labels: list[str]) -> float:
    """The bottom-navigation labels grow with the text size as far as every word of every label
    fits its tab (a fifth of the screen), so no word breaks in the middle ("Handboo/k")."""
    from app.viewmodels.garbage import text_width

    room = width / 5 - 12  # the tab's padding
    words = [w for label in labels for w in label.split()] or [""]
    fit = min(room / max(text_width(w, 1.0), 0.01) for w in words)
    # never below 11 px: an estimate of Latin widths that errs on the wide side, not unreadable labels
    return max(11.0, min(12 * scale, fit))


def text_style(scale: float, size: float = 16) -> ft.TextStyle:
    """An explicit style (labels of radios, checkboxes, fields) that keeps the bundled font."""
    return ft.TextStyle(size=round(size * scale, 1), font_family=FONT_FAMILY)
