"""Accessibility glue shared by the screens: the document language and focus helpers."""

from __future__ import annotations

import dataclasses

import flet as ft

from core.i18n import LANGUAGES

# App language -> BCP 47 parts (language, script, country) for Flutter's locale (and the page's lang)
_LOCALES = {
    "ja": ("ja", None, None),
    "ja@easy": ("ja", None, None),
    "en": ("en", None, None),
    "pt_BR": ("pt", None, "BR"),
    "vi": ("vi", None, None),
    "tl": ("tl", None, None),
    "zh_Hans": ("zh", "Hans", None),
    "ko": ("ko", None, None),
    "es": ("es", None, None),
}


def flutter_locale(lang: str) -> ft.Locale:
    code, script, country = _LOCALES.get(lang, ("en", None, None))
    return ft.Locale(language_code=code, script_code=script, country_code=country)


def bcp47(lang: str) -> str:
    """The language tag a page's ``lang`` carries for an app language (ja@easy is Japanese)."""
    return "-".join(p for p in _LOCALES.get(lang, ("en", None, None)) if p)


def locale_configuration(lang: str) -> ft.LocaleConfiguration:
    seen: dict[str, ft.Locale] = {}
    for x in LANGUAGES:
        seen.setdefault(bcp47(x), flutter_locale(x))
    return ft.LocaleConfiguration(supported_locales=list(seen.values()), current_locale=flutter_locale(lang))


# View fields a re-render copies into the view on screen (everything but its identity and route)
_VIEW_FIELDS = [
    f.name
    for f in dataclasses.fields(ft.View)
    if not f.name.startswith("_") and f.name not in ("route", "services", "key")
]


def refill(view: ft.View, fresh: ft.View) -> None:
    """Give the view on screen the content of a freshly built one (no route transition)."""
    for name in _VIEW_FIELDS:
        setattr(view, name, getattr(fresh, name))


def fitting_size(size: float, room: float, texts: list[str]) -> float:
    """``size``, or smaller so that the longest of ``texts`` fits ``room`` px on one line (long
    titles and language names at 200 % on a 320-px phone: smaller rather than cut off)."""
    from app.viewmodels.garbage import text_width

    widest = max((text_width(x, 1.0) for x in texts), default=0.0)
    return round(min(size, room / widest), 1) if widest else size


def screen_title(title: str, size: float | None = None) -> ft.Control:
    """The screen's name in the app bar: its one level-1 heading (``size``: see fitting_size)."""
    return ft.Semantics(
        header=True,
        heading_level=1,
        content=ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_LARGE, size=size),
    )
