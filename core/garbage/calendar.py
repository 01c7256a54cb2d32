"""Collection calendar queries: which categories go out on which day, and when next.

The raw dates of a schedule are adjusted in two steps, each driven by data:

1. **Centre closures.**  Every closure row of the area's centre counts.  A collection day
   inside a closure is dropped (``on_closure="skip"``, 5374's SkipSuspend) or moved to the
   first service day after the closure (``"move"``).
2. **National holidays.**  Collection goes on as usual (``on_holiday="collect"``), unless
   the category says ``"skip"`` or ``"move"`` (to the next service day that is neither a
   holiday nor closed).

A "service day" is a weekday in ``CityGarbage.service_weekdays`` (Mon-Sat by default).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays

from core.garbage.model import Area, Category, CityGarbage
from core.garbage.rules import Closures

_DAY = dt.timedelta(days=1)
# How far before a range we look for collections that a closure may move into it.
_MOVE_LOOKBACK = dt.timedelta(days=45)
# How far ahead ``next_dates`` looks before answering None.
NEXT_HORIZON = dt.timedelta(days=400)


@lru_cache(maxsize=64)
def _jp_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("JP", years=year).keys())


def is_holiday(day: dt.date) -> bool:
    """Japanese national holiday (国民の祝日, 振替休日 and 国民の休日)."""
    return day in _jp_holidays(day.year)


@dataclass(frozen=True)
class Collection:
    date: dt.date
    category: Category
    moved_from: dt.date | None = None  # set when a closure or holiday moved it here


def _next_service_day(city: CityGarbage, day: dt.date, closures: Closures, avoid_holidays: bool) -> dt.date:
    for _ in range(366):
        day += _DAY
        if day.weekday() not in city.service_weekdays or closures.is_closed(day):
            continue
        if avoid_holidays and is_holiday(day):
            continue
        return day
    raise ValueError("no service day within a year; check service_weekdays and closures")


def category_collections(
    city: CityGarbage, area: Area, category: Category, start: dt.date, end: dt.date
) -> list[Collection]:
    """Collections of one category for one area in [start, end], closures applied."""
    schedule = area.schedules.get(category.id)
    if schedule is None or schedule.empty:
        return []
    closures = city.closures(area)
    moves = category.on_closure == "move" or category.on_holiday == "move"
    raw = schedule.dates(start - _MOVE_LOOKBACK if moves else start, end)
    out: dict[dt.date, Collection] = {}
    for day in raw:
        target: dt.date | None = day
        if closures.is_closed(day):
            if category.on_closure == "skip":
                target = None
            else:
                target = _next_service_day(
                    city, closures.end_of(day), closures, category.on_holiday != "collect"
                )
        elif category.on_holiday != "collect" and is_holiday(day):
            if category.on_holiday == "skip":
                target = None
            else:
                target = _next_service_day(city, day, closures, True)
        if target is not None and start <= target <= end and target not in out:
            out[target] = Collection(target, category, None if target == day else day)
    return sorted(out.values(), key=lambda c: c.date)


def collections(
    city: CityGarbage, area: Area, start: dt.date, end: dt.date
) -> dict[dt.date, list[Collection]]:
    """Days with at least one collection in [start, end] -> collections, in date order.

    Categories keep the city's order within a day.
    """
    by_day: dict[dt.date, list[Collection]] = {}
    for category in city.categories:
        for c in category_collections(city, area, category, start, end):
            by_day.setdefault(c.date, []).append(c)
    return dict(sorted(by_day.items()))


def next_dates(city: CityGarbage, area: Area, on: dt.date) -> dict[str, dt.date | None]:
    """The next collection of every category on or after ``on`` (None when there is none)."""
    out: dict[str, dt.date | None] = {}
    for category in city.categories:
        found = None
        start = on
        # Look a quarter at a time: most answers are within days, so this stays cheap.
        while found is None and start <= on + NEXT_HORIZON:
            end = start + dt.timedelta(days=91)
            hits = category_collections(city, area, category, start, end)
            found = hits[0].date if hits else None
            start = end + _DAY
        out[category.id] = found
    return out
