"""What "today" is for the app: the city's local date, unless pinned.

A city's garbage data covers a period (the bundled first city's: 2014-02-01..2014-09-30), so
demos and tests pin the date with ``MACHI_TODAY`` or the "date override" setting (the setting wins).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


class Clock:
    def __init__(self, timezone: str = "Asia/Tokyo", pinned: dt.date | None = None):
        self.zone = ZoneInfo(timezone)
        self.pinned = pinned  # from MACHI_TODAY
        self.override: dt.date | None = None  # from the settings

    def now(self) -> dt.datetime:
        real = dt.datetime.now(self.zone)
        day = self.override or self.pinned
        return dt.datetime.combine(day, real.timetz()) if day else real

    def today(self) -> dt.date:
        return self.override or self.pinned or dt.datetime.now(self.zone).date()

    def utcnow(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)
