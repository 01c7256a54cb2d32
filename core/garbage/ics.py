"""iCalendar export of an area's collection days (RFC 5545, built with ``icalendar``).

One event per collection day, timed in the city's zone (``TZID=Asia/Tokyo``) and ending at
the city's put-out time, so calendars show it on the right morning wherever the phone is.
UIDs are derived from city, area and date: importing the file again updates the events
instead of duplicating them.  An optional VALARM fires at the chosen reminder time.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from core.city import City
from core.garbage import calendar as cal
from core.garbage.model import Area
from core.garbage.service import category_name
from core.i18n import Translator

_REMIND = re.compile(r"^\s*(?:([+-]?\d+)d)?\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Reminder:
    """``-1d 19:00``: at 19:00 the day before; ``0d 06:30``: at 06:30 the same day."""

    day_offset: int
    time: dt.time

    @classmethod
    def parse(cls, text: str) -> Reminder:
        m = _REMIND.match(text)
        if not m:
            raise ValueError(f"bad reminder {text!r}: expected like '-1d 19:00' or '0d 06:30'")
        days = int(m.group(1) or 0)
        hour, minute = int(m.group(2)), int(m.group(3))
        if not -7 <= days <= 0:
            raise ValueError(f"bad reminder {text!r}: the day offset must be between -7d and 0d")
        if hour > 23 or minute > 59:
            raise ValueError(f"bad reminder {text!r}: no such time of day")
        return cls(days, dt.time(hour, minute))

    def at(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day + dt.timedelta(days=self.day_offset), self.time)


def put_out_by(city: City) -> dt.time:
    return dt.time.fromisoformat(city.meta.get("garbage", {}).get("put_out_by", "08:30"))


def area_calendar(
    city: City,
    area: Area,
    start: dt.date,
    end: dt.date,
    lang: str,
    reminder: Reminder | None = None,
    stamp: dt.datetime | None = None,
) -> Calendar:
    t = Translator(lang)
    tz = ZoneInfo(city.timezone)
    deadline = put_out_by(city)
    stamp = stamp or dt.datetime.now(dt.UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", "-//Machi//garbage calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    title = t("Garbage days: {area}", area=area.name)
    calendar.add("x-wr-calname", title)
    calendar.add("x-wr-timezone", city.timezone)
    for day, collections in cal.collections(city.garbage, area, start, end).items():
        names = [category_name(city, c.category, t.lang) for c in collections]
        end_at = dt.datetime.combine(day, deadline, tz)
        event = Event()
        event.add("uid", f"machi-{city.slug}-{area.id}-{day:%Y%m%d}@garbage")
        event.add("dtstamp", stamp)
        event.add("dtstart", end_at - dt.timedelta(minutes=30))
        event.add("dtend", end_at)
        event.add("summary", t.join(names))
        lines = [t("Put out by {time}.", time=deadline.strftime("%H:%M"))]
        for c in collections:
            if c.moved_from:
                lines.append(
                    t(
                        "{category}: moved from {day}.",
                        category=category_name(city, c.category, t.lang),
                        day=t.day(c.moved_from),
                    )
                )
        event.add("description", "\n".join(lines))
        event.add("categories", [c.category.id for c in collections])
        event.add("transp", "TRANSPARENT")
        if reminder:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add(
                "description",
                t("Tomorrow: {categories}", categories=t.join(names))
                if reminder.day_offset == -1
                else t("Garbage day: {categories}", categories=t.join(names)),
            )
            alarm.add(
                "trigger",
                dt.datetime.combine(day + dt.timedelta(days=reminder.day_offset), reminder.time, tz)
                - event.DTSTART,
            )
            event.add_component(alarm)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar
