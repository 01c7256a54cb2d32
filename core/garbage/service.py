"""The garbage questions that the CLI, the backend and the app ask, answered in one place.

Every function takes a loaded ``City`` and a language and returns plain data in the shapes
of the CLI contract (see README), so that the three front ends cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from core.city import City
from core.garbage import calendar as cal
from core.garbage.model import Area, Category, Item
from core.text import lookup_key

if TYPE_CHECKING:
    from core.garbage.search import SearchIndex


class AreaNotFound(LookupError):
    pass


@dataclass(frozen=True)
class ValidityWarning:
    day: dt.date
    start: dt.date | None
    end: dt.date | None

    def __str__(self) -> str:
        return (
            f"{self.day} is outside the period this city's garbage data covers "
            f"({self.start or '…'} to {self.end or '…'}); dates may be wrong"
        )


def validity_warnings(city: City, *days: dt.date) -> list[ValidityWarning]:
    v = city.garbage.validity
    return [ValidityWarning(d, v.start, v.end) for d in days if not v.contains(d)]


def is_confirmed(city: City, day: dt.date) -> bool:
    """Whether the city's data covers ``day``: a date outside its period is computed but "not confirmed"."""
    return city.garbage.validity.contains(day)


def unreadable_categories(city: City, area: Area) -> dict[str, str]:
    """Categories whose schedule for ``area`` could not be read at import (``--lenient``): category id ->
    ``"file:row:col: message"``. Their days are unknown, which is not the same as "no collection"."""
    known = {c.id for c in city.garbage.categories}
    return {cid: where for cid, where in area.unreadable.items() if cid in known}


def city_today(city: City, now: dt.datetime | None = None) -> dt.date:
    """The date in the city's time zone (``city.json`` ``timezone``), not the host's."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(city.timezone)
    return (now.astimezone(zone) if now is not None else dt.datetime.now(zone)).date()


def find_area(city: City, query: str) -> Area:
    """An area by id or by name (trimmed, NFKC-normalised, case- and space-insensitive)."""
    key = lookup_key(query)
    if not key:
        raise AreaNotFound("no area given")
    for area in city.garbage.areas:
        if area.id == query.strip() or lookup_key(area.name) == key:
            return area
    close = [a.name for a in city.garbage.areas if key in lookup_key(a.name)][:5]
    hint = f"; did you mean: {', '.join(close)}" if close else "; list them with 'machi garbage areas'"
    raise AreaNotFound(f"no area {query.strip()!r} in {city.slug}{hint}")


def category_name(city: City, category: Category, lang: str) -> str:
    if lang == "ja":
        return category.label
    return city.garbage_translations(lang)["categories"].get(category.label) or category.label


def item_name(city: City, item: Item, lang: str) -> str:
    """The item's name in ``lang``; untranslated: the Japanese name plus its reading."""
    if lang == "ja":
        return item.name
    translated = city.garbage_translations(lang)["items"].get(item.name)
    if translated:
        return translated
    return f"{item.name} ({item.reading})" if item.reading and item.reading != item.name else item.name


def item_notice(city: City, item: Item, lang: str) -> str:
    if lang == "ja" or not item.notice:
        return item.notice
    return city.garbage_translations(lang)["notices"].get(item.notice) or item.notice


def areas(city: City) -> list[dict]:
    return [{"id": a.id, "name": a.name, "center": a.center} for a in city.garbage.areas]


def categories(city: City, lang: str) -> list[dict]:
    return [
        {
            "id": c.id,
            "name": category_name(city, c, lang),
            "color": c.color,
            "icon": c.icon,
            "label_ja": c.label,
        }
        for c in city.garbage.categories
    ]


def calendar(city: City, area: Area, start: dt.date, end: dt.date, lang: str) -> list[dict]:
    days = cal.collections(city.garbage, area, start, end)
    return [
        {
            "date": day.isoformat(),
            "categories": [
                {
                    "id": c.category.id,
                    "name": category_name(city, c.category, lang),
                    **({"moved_from": c.moved_from.isoformat()} if c.moved_from else {}),
                }
                for c in cs
            ],
        }
        for day, cs in days.items()
    ]


def next_dates(city: City, area: Area, on: dt.date) -> dict[str, str | None]:
    return {cid: d.isoformat() if d else None for cid, d in cal.next_dates(city.garbage, area, on).items()}


@lru_cache(maxsize=32)
def _index(city: City, lang: str) -> SearchIndex:
    from core.garbage.search import SearchIndex  # rapidfuzz, Babel, Snowball: only for a search

    names = {} if lang == "ja" else city.garbage_translations(lang)["items"]
    return SearchIndex(city.garbage.items, names, lang)


def search(city: City, query: str, lang: str, limit: int = 10) -> list[dict]:
    out = []
    for hit in _index(city, lang).search(query, limit):
        item = hit.item
        category = city.garbage.category(item.category)
        out.append(
            {
                "name": item_name(city, item, lang),
                "category": category_name(city, category, lang),
                "notice": item_notice(city, item, lang),
                "category_id": category.id,
                "name_ja": item.name,
                "reading": item.reading,
            }
        )
    return out
