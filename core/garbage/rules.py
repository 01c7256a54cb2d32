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
``隔月20140401``       every other week from 2014-04-01            ``EveryOtherWeek(date)``
``火 木 *1``           remark 1 applies                            ``remarks=("1",)``
=====================  ==========================================  ==========================

Weekdays are Python's: Monday = 0 ... Sunday = 6.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

WEEKDAY_TOKENS = {"月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6}
# English tokens as used by the Nonoichi 5374 branch (``Mon Thu``, ``Wed1``).
WEEKDAY_TOKENS.update({"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6})

_DAY = dt.timedelta(days=1)
_WEEK = dt.timedelta(days=7)


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

    def to_json(self) -> dict:
        return {"every_other_week_from": self.anchor.isoformat()}


@dataclass(frozen=True)
class Dates:
    days: tuple[dt.date, ...]

    def dates(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        return (d for d in self.days if start <= d <= end)

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

    @property
    def empty(self) -> bool:
        return not self.rules

    def dates(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Every date the rules name in [start, end], sorted, before any closure."""
        out: set[dt.date] = set()
        for rule in self.rules:
            out.update(rule.dates(start, end))
        if self.months is not None:
            out = {d for d in out if d.month in self.months}
        return sorted(out)

    def last_date(self) -> dt.date | None:
        """The last date named when the schedule only lists dates (None when open-ended)."""
        if self.rules and all(isinstance(r, Dates) for r in self.rules):
            return max(d for r in self.rules for d in r.days)  # type: ignore[union-attr]
        return None

    def to_json(self) -> dict:
        data: dict = {"rules": [r.to_json() for r in self.rules]}
        if self.months is not None:
            data["months"] = sorted(self.months)
        if self.remarks:
            data["remarks"] = list(self.remarks)
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
        return cls(
            rules=tuple(rules),
            months=frozenset(months) if months is not None else None,
            remarks=tuple(data.get("remarks", ())),
        )


_DATE = re.compile(r"^\d{8}$")
_BIWEEKLY = re.compile(r"^隔[月週](\d+)$")
_REMARK = re.compile(r"^\*(\d+)$")
_WEEKDAY_NTH = re.compile(r"^([月火水木金土日]|mon|tue|wed|thu|fri|sat|sun)([1-5])?$", re.IGNORECASE)


def parse_yyyymmdd(token: str) -> dt.date:
    if not _DATE.match(token):
        raise RuleSyntaxError(f"bad date {token!r} (expected YYYYMMDD)", token)
    try:
        return dt.date(int(token[:4]), int(token[4:6]), int(token[6:]))
    except ValueError:
        raise RuleSyntaxError(f"bad date {token!r} (no such day)", token) from None


def parse_cell(cell: str) -> Schedule:
    """Parse one 5374 ``area_days`` cell (already cleaned) into a Schedule.

    Raises RuleSyntaxError naming the first token it cannot read.
    """
    cell = cell.strip()
    if not cell:
        return Schedule()
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
            rules.append(EveryOtherWeek(parse_yyyymmdd(m.group(1))))
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
