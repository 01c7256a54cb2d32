"""The garbage data of one city, as plain data that serialises to ``garbage.json``.

Importers build a ``CityGarbage``; the calendar, search and ICS functions read it.
Nothing here knows about any particular city.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from core.garbage.rules import Closure, Closures, Schedule

FORMAT = "machi-garbage/1"

ClosurePolicy = Literal["skip", "move"]
HolidayPolicy = Literal["collect", "skip", "move"]


@dataclass(frozen=True)
class Category:
    id: str
    label: str  # the city's own (Japanese) name
    color: str  # "#rrggbb"
    icon: str = ""  # icon name, see assets/icons/garbage
    on_closure: ClosurePolicy = "skip"  # a collection day inside a centre closure
    on_holiday: HolidayPolicy = "collect"  # a collection day on a national holiday


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    center: str
    schedules: dict[str, Schedule]  # category id -> schedule
    # category id -> "file:row:col: message" of a cell an import (--lenient) could not read:
    # front ends tell residents that this schedule is unknown instead of showing nothing.
    unreadable: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    name: str
    category: str  # category id
    notice: str = ""
    reading: str = ""  # hiragana
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Validity:
    start: dt.date | None
    end: dt.date | None

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def to_json(self) -> dict:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }

    def __str__(self) -> str:
        return f"{self.start or '…'} – {self.end or '…'}"


@dataclass
class CityGarbage:
    slug: str
    categories: list[Category]
    areas: list[Area] = field(default_factory=list)
    centers: dict[str, Closures] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    remarks: dict[str, str] = field(default_factory=dict)
    validity: Validity = field(default_factory=lambda: Validity(None, None))
    # Weekdays on which a moved collection may land (Mon-Sat unless the data says so).
    service_weekdays: frozenset[int] = frozenset(range(6))
    source: dict = field(default_factory=dict)

    def category(self, category_id: str) -> Category:
        for c in self.categories:
            if c.id == category_id:
                return c
        raise KeyError(category_id)

    def closures(self, area: Area) -> Closures:
        return self.centers.get(area.center, Closures())

    # -- serialisation -------------------------------------------------------------

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "slug": self.slug,
            "validity": self.validity.to_json(),
            "service_weekdays": sorted(self.service_weekdays),
            "source": self.source,
            "categories": [
                {
                    "id": c.id,
                    "label": c.label,
                    "color": c.color,
                    "icon": c.icon,
                    "on_closure": c.on_closure,
                    "on_holiday": c.on_holiday,
                }
                for c in self.categories
            ],
            "centers": {
                name: [{"from": p.start.isoformat(), "to": p.end.isoformat()} for p in closures.periods]
                for name, closures in self.centers.items()
            },
            "remarks": self.remarks,
            "areas": [
                {
                    "id": a.id,
                    "name": a.name,
                    "center": a.center,
                    "schedules": {cid: s.to_json() for cid, s in a.schedules.items()},
                    **({"unreadable": dict(a.unreadable)} if a.unreadable else {}),
                }
                for a in self.areas
            ],
            "items": [
                {
                    k: v
                    for k, v in {
                        "name": i.name,
                        "category": i.category,
                        "notice": i.notice,
                        "reading": i.reading,
                        "synonyms": list(i.synonyms),
                    }.items()
                    if v
                }
                for i in self.items
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> CityGarbage:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} document (format={data.get('format')!r})")

        def day(value: str | None) -> dt.date | None:
            return dt.date.fromisoformat(value) if value else None

        validity = data.get("validity") or {}
        return cls(
            slug=data["slug"],
            validity=Validity(day(validity.get("from")), day(validity.get("to"))),
            service_weekdays=frozenset(data.get("service_weekdays", range(6))),
            source=data.get("source", {}),
            categories=[Category(**c) for c in data["categories"]],
            centers={
                name: Closures([Closure(day(p["from"]), day(p["to"])) for p in periods])  # type: ignore[arg-type]
                for name, periods in data.get("centers", {}).items()
            },
            remarks=data.get("remarks", {}),
            areas=[
                Area(
                    id=a["id"],
                    name=a["name"],
                    center=a.get("center", ""),
                    schedules={cid: Schedule.from_json(s) for cid, s in a["schedules"].items()},
                    unreadable=dict(a.get("unreadable", {})),
                )
                for a in data.get("areas", [])
            ],
            items=[
                Item(
                    name=i["name"],
                    category=i["category"],
                    notice=i.get("notice", ""),
                    reading=i.get("reading", ""),
                    synonyms=tuple(i.get("synonyms", ())),
                )
                for i in data.get("items", [])
            ],
        )
