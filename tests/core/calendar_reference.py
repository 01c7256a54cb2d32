"""The garbage calendar as it was before the arithmetic engine (issue 13), kept as the reference.

A verbatim copy of ``core/garbage/calendar.py`` at commit 05c752d, with the rule expansion it
relied on (``Schedule.dates`` and the rules' ``dates`` methods, ``Closures.is_closed`` and
``end_of`` from ``core/garbage/rules.py``) copied in as plain functions, so that the reference
never runs the code it checks.  It walks day by day and builds one object per date: slow,
obviously right.  ``tests/core/test_calendar_engine.py`` requires identical answers.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from functools import lru_cache

import holidays

from core.garbage.calendar import Collection
from core.garbage.model import Area, Category, CityGarbage
from core.garbage.rules import Dates, EveryOtherWeek, NthWeekday, Schedule, Weekly

_DAY = dt.timedelta(days=1)
_WEEK = dt.timedelta(days=7)
_MOVE_LOOKBACK = dt.timedelta(days=45)
NEXT_HORIZON = dt.timedelta(days=400)


# ---------------------------------------------------------------- rules.py, as it was


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date | None:
    first = dt.date(year, month, 1)
    day = 1 + (weekday - first.weekday()) % 7 + 7 * (nth - 1)
    if day > calendar.monthrange(year, month)[1]:
        return None
    return dt.date(year, month, day)


def rule_dates(rule, start: dt.date, end: dt.date) -> Iterator[dt.date]:
    if isinstance(rule, Weekly):
        day = start + dt.timedelta(days=(rule.weekday - start.weekday()) % 7)
        while day <= end:
            yield day
            day += _WEEK
    elif isinstance(rule, NthWeekday):
        year, month = start.year, start.month
        while dt.date(year, month, 1) <= end:
            day = _nth_weekday(year, month, rule.weekday, rule.nth)
            if day is not None and start <= day <= end:
                yield day
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    elif isinstance(rule, EveryOtherWeek):
        if end < rule.anchor:
            return
        first = max(start, rule.anchor)
        offset = (first - rule.anchor).days % 14
        day = first + dt.timedelta(days=(14 - offset) % 14)
        while day <= end:
            yield day
            day += dt.timedelta(days=14)
    elif isinstance(rule, Dates):
        yield from (d for d in rule.days if start <= d <= end)
    else:
        raise TypeError(rule)


def schedule_dates(schedule: Schedule, start: dt.date, end: dt.date) -> list[dt.date]:
    out: set[dt.date] = set()
    for rule in schedule.rules:
        out.update(rule_dates(rule, start, end))
    if schedule.months is not None:
        out = {d for d in out if d.month in schedule.months}
    for part in schedule.parts:
        out.update(schedule_dates(part, start, end))
    return sorted(out)


class _Closures:
    def __init__(self, periods):
        self.periods = list(periods)

    def is_closed(self, day: dt.date) -> bool:
        return any(p.start <= day <= p.end for p in self.periods)

    def end_of(self, day: dt.date) -> dt.date:
        while self.is_closed(day + _DAY):
            day += _DAY
        return day


# ---------------------------------------------------------------- calendar.py, as it was


@lru_cache(maxsize=64)
def _jp_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("JP", years=year).keys())


def is_holiday(day: dt.date) -> bool:
    return day in _jp_holidays(day.year)


def _next_service_day(city: CityGarbage, day: dt.date, closures: _Closures, avoid_holidays: bool) -> dt.date:
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
    schedule = area.schedules.get(category.id)
    if schedule is None or schedule.empty:
        return []
    closures = _Closures(city.closures(area).periods)
    moves = category.on_closure == "move" or category.on_holiday == "move"
    raw = schedule_dates(schedule, start - _MOVE_LOOKBACK if moves else start, end)
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
    by_day: dict[dt.date, list[Collection]] = {}
    for category in city.categories:
        for c in category_collections(city, area, category, start, end):
            by_day.setdefault(c.date, []).append(c)
    return dict(sorted(by_day.items()))


def next_dates(city: CityGarbage, area: Area, on: dt.date) -> dict[str, dt.date | None]:
    out: dict[str, dt.date | None] = {}
    for category in city.categories:
        found = None
        start = on
        while found is None and start <= on + NEXT_HORIZON:
            end = start + dt.timedelta(days=91)
            hits = category_collections(city, area, category, start, end)
            found = hits[0].date if hits else None
            start = end + _DAY
        out[category.id] = found
    return out
