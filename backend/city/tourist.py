"""Tourist mode as one small HTML page (no script, no web fonts): the first screen a visitor gets over
the sightseeing Wi-Fi in a few kilobytes, before (or instead of) the full app. It asks only the
language; it lists free Wi-Fi, sights nearest the city centre and upcoming events, and links to the app.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from zoneinfo import ZoneInfo

from babel.units import format_unit

from core.city import City
from core.events import Event
from core.i18n import LANGUAGES, N_, Translator, normalize_language
from core.places import compass_point, nearest

COMPASS = {
    "N": N_("north"),
    "NE": N_("north-east"),
    "E": N_("east"),
    "SE": N_("south-east"),
    "S": N_("south"),
    "SW": N_("south-west"),
    "W": N_("west"),
    "NW": N_("north-west"),
}
CSS = (
    "body{font-family:system-ui,sans-serif;margin:0;padding:12px;max-width:40em;line-height:1.5;color:#1b1b1b}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.2em}nav a{display:inline-block;margin:4px 8px 4px 0;"
    "padding:6px 10px;border:1px solid #555;border-radius:8px;color:#0b3d91}nav a[aria-current]{background:#0b3d91;"
    "color:#fff}li{margin:6px 0}.meta{color:#444}"
)


def language_of(lang: str | None, accept: str | None) -> str:
    """The ``lang`` asked for, else the first supported one of Accept-Language, else English."""
    for tag in [lang] + [p.split(";")[0].strip() for p in (accept or "").split(",")]:
        if not tag:
            continue
        try:
            found = normalize_language(tag.replace("-", "_"))
        except ValueError:
            continue
        if found in LANGUAGES:
            return found
    return "en"


def _distance(t: Translator, metres: int) -> str:
    if metres < 1000:
        return format_unit(metres, "length-meter", length="short", locale=t.locale)
    return format_unit(round(metres / 1000, 1), "length-kilometer", length="short", locale=t.locale)


def render(*, city: City, places, events: list[Event], lang: str, app_url: str | None) -> str:
    """The page in ``lang`` (texts the city gave only in Japanese are shown as written, labelled)."""
    t = Translator(lang)
    html_lang = "ja" if lang.startswith("ja") else lang.replace("_", "-")
    today = dt.datetime.now(ZoneInfo(city.timezone)).date()
    centre = city.meta.get("centre")
    base = "ja" if lang.startswith("ja") else lang
    out = [
        f'<!doctype html><html lang="{html_lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(t('Tourist mode'))} · {escape(city.name(lang))}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(t('Tourist mode'))} · {escape(city.name(lang))}</h1>",
        f"<p>{escape(t('No registration needed. Choose your language:'))}</p><nav>",
    ]
    for code in LANGUAGES:
        current = ' aria-current="true"' if code == lang else ""
        out.append(
            f'<a href="?city={escape(city.slug)}&amp;lang={escape(code)}"{current} '
            f'lang="{"ja" if code.startswith("ja") else code.replace("_", "-")}">'
            f"{escape(t.language_name(code))}</a>"
        )
    out.append("</nav>")

    def place_list(kind: str, empty: str) -> None:
        hits = nearest(places, lat=centre[0], lon=centre[1], kind=kind, limit=10) if centre else []
        if not hits:
            out.append(f"<p>{escape(t(empty))}</p>")
            return
        out.append("<ul>")
        for p, d, b in hits:
            name, name_lang = p.display_name(base)
            tag = f' lang="{name_lang}"' if name_lang != base else ""
            where = f"{_distance(t, d)} · {t(COMPASS[compass_point(b)])}"
            extra = p.info.get("ssid", "")
            out.append(
                f"<li><strong{tag}>{escape(name)}</strong> <span class=meta>{escape(where)}"
                f"{' · SSID ' + escape(extra) if extra else ''}</span></li>"
            )
        out.append("</ul>")

    out.append(f"<h2>{escape(t('Free Wi-Fi'))}</h2>")
    place_list("wifi", N_("The city has not published Wi-Fi spots yet."))
    out.append(f"<h2>{escape(t('Sights'))}</h2>")
    place_list("tourism", N_("No sights published yet."))
    out.append(f"<h2>{escape(t('Upcoming events'))}</h2>")
    upcoming = [e for e in events if e.end >= today][:5]
    if not upcoming:
        out.append(f"<p>{escape(t('No upcoming events.'))}</p>")
    else:
        out.append("<ul>")
        for e in upcoming:
            title, title_lang = e.title_in(base)
            tag = f' lang="{title_lang}"' if title_lang != base else ""
            when = (
                t.day(e.start)
                if e.start == e.end
                else t("{start} to {end}", start=t.day(e.start), end=t.day(e.end))
            )
            out.append(
                f"<li><strong{tag}>{escape(title)}</strong> <span class=meta>{escape(when)}"
                f"{' · ' + escape(e.place_name) if e.place_name else ''}</span></li>"
            )
        out.append("</ul>")
    if app_url:
        label = t("Open the full app")
        out.append(f'<p><a href="{escape(app_url)}/city?tab=tourist">{escape(label)}</a></p>')
    out.append("</body></html>")
    return "".join(out)
