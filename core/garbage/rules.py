"""Collection rules as data, and the tiny pure functions that expand them into dates.

One ``Schedule`` is what one cell of 5374's ``area_days.csv`` says for one category of
one area.  It is a tuple of rules plus an optional month filter and remark references:

=====================  ==========================================  ==========================
5374 cell              meaning                                     rule
=====================  ==========================================  ==========================
``月 木``              every Monday and Thursday                   ``Weekly(0)``, ``Weekly(3)``
``火2 火4``            2nd and 4th Tuesday of the month            ``NthWeekday(1, 2)`` ...
``火2 金4:4 6 8``      ... only in April, June, August             ``months={4, 6, 8}``
``20140210 20140310``  these dates only                            ``Dates(...)``
``隔火20250107``       every other week from 2025-01-07 (also      ``EveryOtherWeek(date)``
                       ``隔月``/``隔週``/any weekday after 隔)
``火 木 *1``           remark 1 applies                            ``remarks=("1",)``
``水1:4 5; 水2:6 7``   sub-rules, each with its own month filter   ``parts=(Schedule, ...)``
=====================  ==========================================  ==========================

As in the 5374 app, the character between ``隔`` and the date does not choose the weekday: the
anchor date does (a weekday character that disagrees with it is reported as a warning).

Weekdays are Python's: Monday = 0 ... Sunday = 6.

Each rule expands two ways: ``dates(start, end)`` yields ``datetime.date`` objects, and
``ordinals(lo, hi, months)`` returns proleptic Gregorian ordinals (``date.toordinal()``) computed
by arithmetic -- a weekly rule is ``first + 7k``, an nth-weekday rule one number per month, an
every-other-week rule ``first + 14k`` from its anchor -- which is what the calendar engine
(``core.garbage.calendar``) works with: no object per date until a caller asks for one.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

WEEKDAY_TOKENS = {"月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6}
# English tokens as used by the Nonoichi 5374 branch (``Mon Thu``, ``Wed1``).
WEEKDAY_TOKENS.update({"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6})

_DAY = dt.timedelta(days=1)
_WEEK = dt.timedelta(days=7)


def weekday_of(ordinal: int) -> int:
    """``date.fromordinal(ordinal).weekday()`` without the date (ordinal 1 is a Monday)."""
    return (ordinal - 1) % 7


@lru_cache(maxsize=512)
def month_spans(lo: int, hi: int) -> tuple[tuple[int, int, int], ...]:
    """(month, first ordinal, last ordinal) of every calendar month that meets [lo, hi]."""
    day = dt.date.fromordinal(lo)
    year, month = day.year, day.month
    first = lo - day.day + 1
    out = []
    while first <= hi:
        last = first + calendar.monthrange(year, month)[1] - 1
        out.append((month, first, last))
        first = last + 1
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(out)


def _spans(lo: int, hi: int, months: frozenset[int]) -> Iterator[tuple[int, int]]:
    """[a, b] pieces of [lo, hi] that lie in the given months."""
    for month, first, last in month_spans(lo, hi):
        if month in months:
            yield max(first, lo), min(last, hi)


class RuleSyntaxError(ValueError):
    """A cell of a rule table that cannot be understood; ``token`` names the culprit."""

    def __init__(self, message: str, token: str):
        super().__init__(message)
        self.token = token


@dataclass(frozen=True)
class Weekly:
    weekday: int

    def dates(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        day = start + dt.timedelta(days=(self.weekday - start.weekday()) % 7)
        while day <= end:
            yield day
            day += _WEEK

    def ordinals(self, lo: int, hi: int, months: frozenset[int] | None = None) -> Iterable[int]:
        """The rule's days in [lo, hi] (and in ``months``) as sorted ordinals."""
        w = self.weekday
        if months is None:
            return range(lo + (w - lo + 1) % 7, hi + 1, 7)
        out: list[int] = []
        for a, b in _spans(lo, hi, months):
            out.extend(range(a + (w - a + 1) % 7, b + 1, 7))
        return out

    def to_json(self) -> dict:
        return {"weekly": self.weekday}


@dataclass(frozen=True)
class NthWeekday:
    weekday: int
    nth: int  # 1..5

    def dates(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        year, month = start.year, start.month
        while dt.date(year, month, 1) <= end:
            day = nth_weekday(year, month, self.weekday, self.nth)
            if day is not None and start <= day <= end:
                yield day
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    def ordinals(self, lo: int, hi: int, months: frozenset[int] | None = None) -> Iterable[int]:
        """The rule's days in [lo, hi] (and in ``months``) as sorted ordinals: one per month."""
        w, skip = self.weekday, 7 * (self.nth - 1)
        out = []
        for month, first, last in month_spans(lo, hi):
            if months is None or month in months:
                day = first + (w - first + 1) % 7 + skip
                if day <= last and lo <= day <= hi:
                    out.append(day)
        return out

    def to_json(self) -> dict:
        return {"nth": self.nth, "weekday": self.weekday}


@dataclass(frozen=True)
class EveryOtherWeek:
    anchor: dt.date

    def dates(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        if end < self.anchor:
            return
        first = max(start, self.anchor)
        offset = (first - self.anchor).days % 14
        day = first + dt.timedelta(days=(14 - offset) % 14)
        while day <= end:
            yield day
            day += dt.timedelta(days=14)

    def ordinals(self, lo: int, hi: int, months: frozenset[int] | None = None) -> Iterable[int]:
        """The rule's days in [lo, hi] (and in ``months``) as sorted ordinals: anchor + 14k."""
        anchor = self.anchor.toordinal()
        if months is None:
            first = max(lo, anchor)
            return range(first + (anchor - first) % 14, hi + 1, 14)
        out: list[int] = []
        for a, b in _spans(max(lo, anchor), hi, months):
            out.extend(range(a + (anchor - a) % 14, b + 1, 14))
        return out

    def to_json(self) -> dict:
        return {"every_other_week_from": self.anchor.isoformat()}


@dataclass(frozen=True)
class Dates:
    days: tuple[dt.date, ...]

    def dates(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        return (d for d in self.days if start <= d <= end)

    @cached_property
    def _ordinal_months(self) -> tuple[tuple[int, int], ...]:
        return tuple(sorted({(d.toordinal(), d.month) for d in self.days}))

    def ordinals(self, lo: int, hi: int, months: frozenset[int] | None = None) -> Iterable[int]:
        """The listed days in [lo, hi] (and in ``months``) as sorted ordinals."""
        return [o for o, m in self._ordinal_months if lo <= o <= hi and (months is None or m in months)]

    def to_json(self) -> dict:
        return {"dates": [d.isoformat() for d in self.days]}


Rule = Weekly | NthWeekday | EveryOtherWeek | Dates


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date | None:
    """The ``nth`` ``weekday`` of a month, or None when the month has fewer."""
    first = dt.date(year, month, 1)
    day = 1 + (weekday - first.weekday()) % 7 + 7 * (nth - 1)
    if day > calendar.monthrange(year, month)[1]:
        return None
    return dt.date(year, month, day)


@dataclass(frozen=True)
class Schedule:
    rules: tuple[Rule, ...] = ()
    months: frozenset[int] | None = None
    remarks: tuple[str, ...] = ()
    # Sub-rules of one cell separated by ``;``, each with its own month filter (their union).
    parts: tuple[Schedule, ...] = ()

    def __hash__(self) -> int:
        # Computed once: the calendar's caches hash a schedule on every query.
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash((self.rules, self.months, self.remarks, self.parts))
            object.__setattr__(self, "_hash", h)
        return h

    def __getstate__(self) -> dict:
        # Hashes of dates and strings differ between processes: never carry one over.
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    @property
    def empty(self) -> bool:
        return not self.rules and all(p.empty for p in self.parts)

    def dates(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Every date the rules name in [start, end], sorted, before any closure."""
        return [dt.date.fromordinal(o) for o in self.ordinals(start.toordinal(), end.toordinal())]

    def ordinals(self, lo: int, hi: int) -> list[int]:
        """Every day the rules name in [lo, hi] as sorted ordinals (``date.toordinal()``)."""
        rules, parts = self.rules, self.parts
        if len(rules) == 1 and not parts:
            return list(rules[0].ordinals(lo, hi, self.months))
        out: set[int] = set()
        for rule in rules:
            out.update(rule.ordinals(lo, hi, self.months))
        for part in parts:
            out.update(part.ordinals(lo, hi))
        return sorted(out)

    def listed_dates(self) -> Iterator[dt.date]:
        """The explicit dates (``20140210``) of the schedule and its parts."""
        for rule in self.rules:
            if isinstance(rule, Dates):
                yield from rule.days
        for part in self.parts:
            yield from part.listed_dates()

    def without_dates(self, days: set[dt.date]) -> Schedule:
        """The same schedule with the explicit dates ``days`` left out."""
        rules: list[Rule] = []
        for rule in self.rules:
            if isinstance(rule, Dates):
                kept = tuple(d for d in rule.days if d not in days)
                if kept:
                    rules.append(Dates(kept))
            else:
                rules.append(rule)
        parts = tuple(p.without_dates(days) for p in self.parts)
        return Schedule(tuple(rules), self.months, self.remarks, tuple(p for p in parts if not p.empty))

    def last_date(self) -> dt.date | None:
        """The last date named when the schedule only lists dates (None when open-ended)."""
        if self.parts:
            lasts = [p.last_date() for p in self.parts]
            return None if self.rules or None in lasts else max(lasts)  # type: ignore[type-var]
        if self.rules and all(isinstance(r, Dates) for r in self.rules):
            return max(d for r in self.rules for d in r.days)  # type: ignore[union-attr]
        return None

    def to_json(self) -> dict:
        data: dict = {"rules": [r.to_json() for r in self.rules]}
        if self.months is not None:
            data["months"] = sorted(self.months)
        if self.remarks:
            data["remarks"] = list(self.remarks)
        if self.parts:
            data["parts"] = [p.to_json() for p in self.parts]
        return data

    @classmethod
    def from_json(cls, data: dict) -> Schedule:
        rules: list[Rule] = []
        for r in data.get("rules", []):
            if "weekly" in r:
                rules.append(Weekly(int(r["weekly"])))
            elif "nth" in r:
                rules.append(NthWeekday(int(r["weekday"]), int(r["nth"])))
            elif "every_other_week_from" in r:
                rules.append(EveryOtherWeek(dt.date.fromisoformat(r["every_other_week_from"])))
            elif "dates" in r:
                rules.append(Dates(tuple(dt.date.fromisoformat(d) for d in r["dates"])))
            else:
                raise ValueError(f"unknown rule {r!r}")
        months = data.get("months")
        return intern(
            cls(
                rules=tuple(rules),
                months=frozenset(months) if months is not None else None,
                remarks=tuple(data.get("remarks", ())),
                parts=tuple(cls.from_json(p) for p in data.get("parts", ())),
            )
        )


# Equal schedules loaded or parsed share one object: less memory, and the calendar's caches
# (keyed by a schedule's value) then compare them by identity.
_INTERNED: weakref.WeakValueDictionary[Schedule, Schedule] = weakref.WeakValueDictionary()


def intern(schedule: Schedule) -> Schedule:
    """The one shared object equal to ``schedule``."""
    return _INTERNED.setdefault(schedule, schedule)


_DATE = re.compile(r"^\d{8}$")
_BIWEEKLY = re.compile(r"^隔([月火水木金土日週])(\d+)$")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_REMARK = re.compile(r"^\*(\d+)$")
_WEEKDAY_NTH = re.compile(r"^([月火水木金土日]|mon|tue|wed|thu|fri|sat|sun)([1-5])?$", re.IGNORECASE)


def parse_yyyymmdd(token: str) -> dt.date:
    if not _DATE.match(token):
        raise RuleSyntaxError(f"bad date {token!r} (expected YYYYMMDD)", token)
    try:
        return dt.date(int(token[:4]), int(token[4:6]), int(token[6:]))
    except ValueError:
        raise RuleSyntaxError(f"bad date {token!r} (no such day)", token) from None


def parse_cell(cell: str, warnings: list[str] | None = None) -> Schedule:
    """Parse one 5374 ``area_days`` cell (already cleaned) into a Schedule.

    ``;`` separates sub-rules, each with its own month filter. Raises RuleSyntaxError naming the
    first token it cannot read; readable oddities are appended to ``warnings``.
    """
    subs = [part.strip() for part in cell.replace("；", ";").split(";")]
    parts = [_parse_rule(part, warnings) for part in subs if part]
    if not parts:
        return intern(Schedule())
    if len(parts) == 1:
        return intern(parts[0])
    remarks = tuple(dict.fromkeys(r for p in parts for r in p.remarks))
    return intern(
        Schedule(remarks=remarks, parts=tuple(Schedule(p.rules, p.months) for p in parts if p.rules))
    )


def _parse_rule(cell: str, warnings: list[str] | None) -> Schedule:
    months: frozenset[int] | None = None
    if ":" in cell:
        days_part, months_part = cell.split(":", 1)
        month_set = set()
        for token in months_part.split():
            if _REMARK.match(token):  # a remark may follow the month list: ``水3:4 6 8 *2``
                days_part += " " + token
                continue
            if not token.isdigit() or not 1 <= int(token) <= 12:
                raise RuleSyntaxError(f"bad month {token!r} in month filter (expected 1-12)", token)
            month_set.add(int(token))
        if not month_set:
            raise RuleSyntaxError("empty month filter after ':'", ":")
        months = frozenset(month_set)
    else:
        days_part = cell
    rules: list[Rule] = []
    dates: list[dt.date] = []
    remarks: list[str] = []
    for token in days_part.split():
        if m := _REMARK.match(token):
            remarks.append(m.group(1))
        elif token.isdigit():
            dates.append(parse_yyyymmdd(token))
        elif m := _BIWEEKLY.match(token):
            anchor = parse_yyyymmdd(m.group(2))
            # 隔月 is 5374's historic spelling of 隔週 (PR #48), so 月 names no weekday here.
            named = None if m.group(1) in "週月" else WEEKDAY_TOKENS[m.group(1)]
            if named is not None and named != anchor.weekday() and warnings is not None:
                warnings.append(
                    f"{token!r}: {anchor} is a {_WEEKDAY_NAMES[anchor.weekday()]}, not {m.group(1)}; "
                    f"read as every other week from {anchor} (as the 5374 app does)"
                )
            rules.append(EveryOtherWeek(anchor))
        elif m := _WEEKDAY_NTH.match(token):
            weekday = WEEKDAY_TOKENS[m.group(1).lower()]
            rules.append(NthWeekday(weekday, int(m.group(2))) if m.group(2) else Weekly(weekday))
        else:
            raise RuleSyntaxError(f"unknown rule token {token!r}", token)
    if dates:
        rules.append(Dates(tuple(sorted(set(dates)))))
    if not rules and not remarks:
        raise RuleSyntaxError(f"no collection rule in {cell!r}", cell)
    return Schedule(rules=tuple(rules), months=months, remarks=tuple(remarks))


@dataclass(frozen=True)
class Closure:
    start: dt.date
    end: dt.date

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass
class Closures:
    """Every closure period of one processing centre (5374 kept only the last one)."""

    periods: list[Closure] = field(default_factory=list)

    def is_closed(self, day: dt.date) -> bool:
        return any(day in p for p in self.periods)

    def end_of(self, day: dt.date) -> dt.date:
        """Last closed day of the run of closed days that contains ``day``."""
        while self.is_closed(day + _DAY):
            day += _DAY
        return day
