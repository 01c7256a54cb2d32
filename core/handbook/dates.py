"""Japanese legal date arithmetic for vaccination windows (tiny pure functions).

* 生後N月に至った日 (the day a child "reaches" N months) is the day before the N-month anniversary;
  if the anniversary does not exist (born 7/31, +2 months: 9/31), the last day of that month
  (年齢計算ニ関スル法律, 民法143条).  ``reached(date(2025, 7, 15), 2) == date(2025, 9, 14)``,
  ``reached(date(2025, 7, 31), 2) == date(2025, 9, 30)``.
* "X日以上の間隔" counts from the day after the previous dose (民法140条), so the next dose is
  possible from previous + (X+1) days.
* "M月以上の間隔" (MHLW's reading of the 実施規則, 予防接種基本方針部会 2023-02 資料5): M months have
  passed on the day before the same day M months later, so the next dose is possible from that same
  day (4/1 + 3月 -> 7/1); when it does not exist, the period ends on the month's last day and the
  next dose is possible from the 1st of the next month (11/30 + 3月 -> 3/1).  "M月半": after the M
  months, half of the month the M-month day falls in (14, 15, 15 or 16 days for a month of 28, 29,
  30 or 31 days): 4/1 + 2月半 -> 6/1 + 15 -> 6/16.
* "N歳未満" and "N歳に至るまで" are the same day: the day before the N-th birthday is included (the age
  changes at the end of that day).
* School years run 1 April to 31 March; a child born on 1 April goes to school with those
  born the year before (the legal age changes the day before the birthday).
"""

from __future__ import annotations

import calendar
import datetime as dt

ONE_DAY = dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> tuple[dt.date, bool]:
    """The same day ``months`` later, clamped to the month's end; True if it exists unclamped."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last)), day.day <= last


def reached(birth: dt.date, months: int) -> dt.date:
    """生後 ``months`` 月に至った日."""
    anniversary, exists = add_months(birth, months)
    return anniversary - ONE_DAY if exists else anniversary


def after_days(previous: dt.date, days: int) -> dt.date:
    """The first day that keeps "``days``日以上の間隔" after ``previous``."""
    return previous + dt.timedelta(days=days + 1)


def after_months(previous: dt.date, months: float) -> dt.date:
    """The first day that keeps "``months``月以上の間隔" after ``previous`` (``2.5``: 2月半)."""
    whole = int(months)
    same, exists = add_months(previous, whole)
    day = same if exists else same + ONE_DAY  # the month's last day ends the period: the 1st next
    if months != whole:
        if months - whole != 0.5:
            raise ValueError(f"months must be whole or a half: {months!r}")
        length = calendar.monthrange(day.year, day.month)[1]
        day += dt.timedelta(days=(length + 1) // 2)  # 月半: 14, 15, 15 or 16 days
    return day


def school_entry_year(birth: dt.date) -> int:
    """The calendar year in April of which the child starts primary school."""
    return birth.year + (6 if (birth.month, birth.day) <= (4, 1) else 7)


def school_year(birth: dt.date, grade: int, edge: str) -> dt.date:
    """1 April (``start``), 30 June (``june``) or 31 March (``end``) of school grade ``grade``
    (1 = first year of primary school, 0 = the year before school, 10 = first year of high school)."""
    first = school_entry_year(birth) + grade - 1
    if edge == "start":
        return dt.date(first, 4, 1)
    if edge == "june":
        return dt.date(first, 6, 30)
    if edge == "end":
        return dt.date(first + 1, 3, 31)
    raise ValueError(f"unknown school-year edge {edge!r}")


def age_date(birth: dt.date, spec: dict) -> dt.date:
    """The date an age expression of the schedule data points at (see schedule.json ``notes``)."""
    if "months" in spec:
        return reached(birth, spec["months"])
    if "days" in spec:
        return birth + dt.timedelta(days=spec["days"])
    if "school_year" in spec:
        return school_year(birth, spec["school_year"], spec["edge"])
    if "date" in spec:
        return dt.date.fromisoformat(spec["date"])
    raise ValueError(f"unknown age expression {spec!r}")


def interval_date(previous: dt.date, spec: dict) -> dt.date:
    """The first day that keeps the interval ``spec`` (``{"days": X}`` or ``{"months": M}``)."""
    if "days" in spec:
        return after_days(previous, spec["days"])
    if "months" in spec:
        return after_months(previous, spec["months"])
    raise ValueError(f"unknown interval {spec!r}")


def months_old(birth: dt.date, day: dt.date) -> int:
    """Completed months of age on ``day`` (legal counting: N once ``reached(birth, N)`` has come)."""
    n = (day.year - birth.year) * 12 + day.month - birth.month + 1
    while n > 0 and reached(birth, n) > day:
        n -= 1
    return max(n, 0)
