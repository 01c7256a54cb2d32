"""The city's tax calendar (納期限 of each tax and instalment) as iCalendar (RFC 5545).

All-day events on each 納期限, with an optional VALARM ``remind_days`` before at the city's
reminder time.  No slip data goes in: the file holds only the city's public calendar.  UIDs
derive from city, tax, instalment and date, so importing it again updates the events.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from core.i18n import Translator
from core.payslip.facts import Facts, Instalment


def instalment_title(facts: Facts, i: Instalment, t: Translator) -> str:
    tax = facts.tax_name(i.tax, t.lang)
    return t("{tax}, instalment {number}", tax=tax, number=i.number) if i.number else tax


def tax_calendar(
    facts: Facts,
    start: dt.date,
    end: dt.date,
    lang: str,
    *,
    taxes: list[str] | None = None,
    remind_days: int | None = None,
    stamp: dt.datetime | None = None,
) -> Calendar:
    t = Translator(lang)
    tz = ZoneInfo(facts.timezone)
    stamp = stamp or dt.datetime.now(dt.UTC).replace(microsecond=0)
    at = dt.time.fromisoformat(facts.reminder_time)
    cal = Calendar()
    cal.add("prodid", "-//Machi//tax calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", t("Tax due dates: {city}", city=facts.city_name(t.lang)))
    cal.add("x-wr-timezone", facts.timezone)
    for i in facts.calendar.between(start, end):
        if taxes is not None and i.tax not in taxes:
            continue
        title = instalment_title(facts, i, t)
        event = Event()
        event.add("uid", f"machi-{facts.city}-{i.tax}-{i.number}-{i.due:%Y%m%d}@tax")
        event.add("dtstamp", stamp)
        event.add("dtstart", i.due)
        event.add("dtend", i.due + dt.timedelta(days=1))
        event.add("summary", t("Due: {title}", title=title))
        lines = [t("Payment due date of {title}.", title=title)]
        if facts.calendar.example:
            lines.append(t("The city has not confirmed these dates: check the date printed on your slip."))
        event.add("description", "\n".join(lines))
        event.add("categories", ["tax", i.tax])
        event.add("transp", "TRANSPARENT")
        if remind_days is not None:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", t("Due: {title}", title=title))
            alarm.add(
                "trigger",
                dt.datetime.combine(i.due - dt.timedelta(days=remind_days), at, tz)
                - dt.datetime.combine(i.due, dt.time(0), tz),
            )
            event.add_component(alarm)
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal
