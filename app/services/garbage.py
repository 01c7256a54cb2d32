"""City garbage data for the app, answered by ``core`` from the bundled city folder.

Works with no network: the data ships in ``assets/cities`` (or an imported copy in the
user's data directory, which ``core.city`` prefers).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

from core.city import City, load_city
from core.garbage import service
from core.garbage.ics import Reminder, area_calendar
from core.garbage.model import Area, Category, Item, Validity
from core.text import kakasi_convert, kana_key, lookup_key, romaji_key

_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class AreaMatch:
    id: str
    name: str
    reading: str  # hiragana, for screen readers and non-kanji readers
    romaji: str  # Hepburn, for readers of other languages: "Asahigaoka"


class AreaIndex:
    """The areas' readings and type-ahead keys of one loaded city: built once (pykakasi, ~26 ms for
    198 areas) and shared, read-only, by every session showing that city's data."""

    def __init__(self, city: City):
        self.readings: dict[str, tuple[str, str]] = {}  # area id -> (hiragana, Hepburn romaji)
        for a in city.garbage.areas:
            parts = kakasi_convert(a.name)
            hira = "".join(p["hira"] for p in parts)
            roma = " ".join(_DIGITS.sub(r" \1 ", "".join(p["hepburn"] for p in parts)).split())
            self.readings[a.id] = (hira, roma[:1].upper() + roma[1:])
        self.keys: tuple[tuple[Area, str, str, str], ...] = tuple(
            (a, kana_key(a.name), kana_key(self.readings[a.id][0]), romaji_key(self.readings[a.id][1]))
            for a in city.garbage.areas
        )


# Per loaded city (core.city loads a data version once: a new garbage.json is a new City), so a
# new data version gets a new index and the old one goes with the last session that used it.
_AREA_INDEXES: weakref.WeakKeyDictionary[City, AreaIndex] = weakref.WeakKeyDictionary()
_AREA_INDEX_LOCK = threading.Lock()


def area_index(city: City) -> AreaIndex:
    """The shared ``AreaIndex`` of ``city`` (built on first use)."""
    with _AREA_INDEX_LOCK:
        index = _AREA_INDEXES.get(city)
        if index is None:
            index = _AREA_INDEXES[city] = AreaIndex(city)
        return index


class GarbageRepository:
    def __init__(self, city_slug: str, data_dir: Path | None = None):
        self.city: City = load_city(city_slug, data_dir)

    @property
    def validity(self) -> Validity:
        return self.city.garbage.validity

    @property
    def category_list(self) -> list[Category]:
        return list(self.city.garbage.categories)

    def category(self, category_id: str) -> Category:
        return self.city.garbage.category(category_id)

    def category_name(self, category_id: str, lang: str) -> str:
        return service.category_name(self.city, self.category(category_id), lang)

    def area(self, area_id: str | None) -> Area | None:
        if not area_id:
            return None
        for a in self.city.garbage.areas:
            if a.id == area_id:
                return a
        return None

    def is_confirmed(self, day: dt.date) -> bool:
        """Whether the city's data covers ``day`` (outside its period a date is "not confirmed")."""
        return service.is_confirmed(self.city, day)

    def unreadable(self, area: Area) -> dict[str, str]:
        """category id -> ``file:row:col: message`` of a schedule the import could not read."""
        return service.unreadable_categories(self.city, area)

    @property
    def _readings(self) -> dict[str, tuple[str, str]]:
        """area id -> (hiragana, Hepburn romaji) of its name, from pykakasi (core.text)."""
        return area_index(self.city).readings

    @property
    def _area_keys(self) -> tuple[tuple[Area, str, str, str], ...]:
        return area_index(self.city).keys

    def reading(self, area: Area) -> str:
        """「あさひがおか」 for 旭ヶ丘."""
        return self._readings[area.id][0]

    def romaji(self, area: Area) -> str:
        """ "Asahigaoka" for 旭ヶ丘 (Hepburn, as pykakasi reads it)."""
        return self._readings[area.id][1]

    def suggest_areas(self, query: str, limit: int = 8) -> list[AreaMatch]:
        """Type-ahead over the areas: kanji, kana (any script or width) or romaji; prefix first."""
        q = kana_key(query)
        rq = romaji_key(query) if query.isascii() else ""
        if not q:
            return []
        prefix, inner = [], []
        for area, name, hira, roma in self._area_keys:
            keys = [name, hira] + ([roma] if rq else [])
            targets = [q, q, rq]
            if any(k.startswith(t) for k, t in zip(keys, targets, strict=False) if t):
                prefix.append(area)
            elif any(t in k for k, t in zip(keys, targets, strict=False) if t):
                inner.append(area)
        return [AreaMatch(a.id, a.name, self.reading(a), self.romaji(a)) for a in (prefix + inner)[:limit]]

    def find_area_exact(self, text: str) -> Area | None:
        key = lookup_key(text)
        return next(
            (a for a in self.city.garbage.areas if lookup_key(a.name) == key or a.id == text.strip()), None
        )

    def collections(self, area: Area, start: dt.date, end: dt.date, lang: str) -> dict[dt.date, list[dict]]:
        """{date: [{id, name, moved_from?}]} for the days with a collection."""
        return {
            dt.date.fromisoformat(d["date"]): d["categories"]
            for d in service.calendar(self.city, area, start, end, lang)
        }

    def next_dates(self, area: Area, on: dt.date) -> dict[str, dt.date | None]:
        return {
            k: dt.date.fromisoformat(v) if v else None
            for k, v in service.next_dates(self.city, area, on).items()
        }

    def search(self, query: str, lang: str, limit: int = 30) -> list[dict]:
        return service.search(self.city, query, lang, limit) if query.strip() else []

    def prepare_search(self, lang: str) -> None:
        """Build the search index of ``lang`` now (readings need pykakasi's dictionaries, ~1 s),
        so the first keystroke in 何ごみ検索 does not wait for it."""
        service.search(self.city, "あ", lang, 1)

    def item(self, name_ja: str) -> Item | None:
        return next((i for i in self.city.garbage.items if i.name == name_ja), None)

    def item_name(self, item: Item, lang: str) -> str:
        return service.item_name(self.city, item, lang)

    def item_notice(self, item: Item, lang: str) -> str:
        return service.item_notice(self.city, item, lang)

    def ics(self, area: Area, lang: str, reminder: Reminder | None, today: dt.date) -> bytes:
        v = self.validity
        start = v.start or today
        end = v.end or start + dt.timedelta(days=365)
        return area_calendar(self.city, area, start, end, lang, reminder).to_ical()
