"""Notification texts, rendered in the device's language (gettext catalogs + Babel)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel.dates import format_time

from core.city import load_city
from core.garbage.ics import put_out_by
from core.garbage.service import category_name
from core.i18n import N_, Translator, pick

SEVERITIES = {
    "Extreme": N_("Extreme danger"),
    "Severe": N_("Severe warning"),
    "Moderate": N_("Warning"),
    "Minor": N_("Advisory"),
}
EVENTS = {
    "earthquake": N_("Earthquake"),
    "tsunami": N_("Tsunami"),
    "heavy_rain": N_("Heavy rain"),
    "flood": N_("Flood"),
    "landslide": N_("Landslide"),
    "typhoon": N_("Typhoon"),
    "heat": N_("Heatstroke"),
    "evacuation": N_("Evacuation"),
    "other": N_("Emergency"),
}


@lru_cache(maxsize=4096)
def garbage(
    lang: str, city_slug: str, day: dt.date, categories: tuple[str, ...], day_offset: int
) -> tuple[str, str]:
    """Title and body of a garbage reminder: 「明日はごみの日です」 / "Garbage day tomorrow"."""
    t = Translator(lang)
    city = load_city(city_slug)
    names = [category_name(city, city.garbage.category(c), t.lang) for c in categories]
    title = t("Garbage day tomorrow") if day_offset == -1 else t("Garbage day today")
    time = format_time(put_out_by(city), format="short", locale=t.locale)
    body = t(
        "{day}: {categories}. Please put it out by {time}.",
        day=t.day(day),
        categories=t.join(names),
        time=time,
    )
    return title, body


@lru_cache(maxsize=512)
def garbage_paused(lang: str, city_slug: str, valid_to: dt.date) -> tuple[str, str]:
    """Title and body of the one notice that reminders stop because the city's data ends."""
    t = Translator(lang)
    city = load_city(city_slug)
    title = t("Garbage reminders paused")
    body = t(
        "The garbage calendar of {city} ends on {day}. Reminders are paused until the city publishes "
        "its new calendar.",
        city=city.name(t.lang),
        day=t.long_day(valid_to),
    )
    return title, body


def announcement(lang: str, title: dict, body: dict) -> tuple[str, str]:
    return pick(title, lang), pick(body, lang)


def alert(lang: str, severity: str, event: str, headline: dict, description: dict) -> tuple[str, str]:
    t = Translator(lang)
    title = t("{severity}: {event}", severity=t(SEVERITIES[severity]), event=t(EVENTS[event]))
    text = pick(headline, lang)
    desc = pick(description, lang) if description else ""
    return title, f"{text}\n{desc}".strip()
