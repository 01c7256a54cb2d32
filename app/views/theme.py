"""Theme, text sizes (the large-text setting scales every style) and category glyphs."""

from __future__ import annotations

import flet as ft

FONT_FAMILY = "NotoCJK"
FONT_FILE = "fonts/NotoSansCJK-Machi.woff2"  # relative to assets/; see assets/fonts/README.md
SEED = "#1d5c8c"

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


def build_theme(scale: float) -> ft.Theme:
    # Flet applies Theme.font_family only when no text_theme is given: name the family in every style.
    styles = {k: ft.TextStyle(size=round(v * scale, 1), font_family=FONT_FAMILY) for k, v in _SIZES.items()}
    return ft.Theme(
        color_scheme_seed=SEED,
        font_family=FONT_FAMILY,
        text_theme=ft.TextTheme(**styles),
        navigation_bar_theme=ft.NavigationBarTheme(
            label_text_style=ft.TextStyle(size=min(12 * scale, 14), font_family=FONT_FAMILY)
        ),
    )


def text_style(scale: float, size: float = 16) -> ft.TextStyle:
    """An explicit style (labels of radios, checkboxes, fields) that keeps the bundled font."""
    return ft.TextStyle(size=round(size * scale, 1), font_family=FONT_FAMILY)
