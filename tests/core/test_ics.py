"""ICS export, parsed back with icalendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from core.city import load_city
from core.garbage.ics import Reminder, area_calendar
from core.garbage.service import calendar as calendar_rows
from core.garbage.service import find_area

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(scope="module")
def city():
    return load_city("matsusaka")


def parse(cal) -> Calendar:
    return Calendar.from_ical(cal.to_ical())


def test_events_match_the_calendar_and_carry_tzid(city):
    area = find_area(city, "旭ヶ丘")
    start, end = dt.date(2014, 5, 1), dt.date(2014, 5, 31)
    back = parse(area_calendar(city, area, start, end, "en", Reminder.parse("-1d 19:00")))
    events = back.walk("VEVENT")
    expected = calendar_rows(city, area, start, end, "en")
    assert [e.DTSTART.date().isoformat() for e in events] == [r["date"] for r in expected]
    first = events[0]
    assert first.DTSTART.tzinfo.key == "Asia/Tokyo"
    assert b"DTSTART;TZID=Asia/Tokyo:20140501T080000" in first.to_ical()
    assert first.DTEND == dt.datetime(2014, 5, 1, 8, 30, tzinfo=TOKYO)  # city's put-out time
    assert str(first["SUMMARY"]) == "Burnable garbage"
    assert [tz["TZID"] for tz in back.walk("VTIMEZONE")] == ["Asia/Tokyo"]


def test_alarm_fires_at_the_chosen_time(city):
    area = find_area(city, "旭ヶ丘")
    day = dt.date(2014, 5, 8)
    for text, expected in [
        ("-1d 19:00", dt.datetime(2014, 5, 7, 19, 0, tzinfo=TOKYO)),
        ("0d 06:30", dt.datetime(2014, 5, 8, 6, 30, tzinfo=TOKYO)),
    ]:
        (event,) = parse(area_calendar(city, area, day, day, "ja", Reminder.parse(text))).walk("VEVENT")
        (alarm,) = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert event.DTSTART + alarm.TRIGGER == expected
    (event,) = parse(area_calendar(city, area, day, day, "ja", None)).walk("VEVENT")
    assert event.walk("VALARM") == []


def test_uids_are_stable_so_reimport_updates(city):
    area = find_area(city, "旭ヶ丘")
    a = parse(
        area_calendar(
            city,
            area,
            dt.date(2014, 5, 1),
            dt.date(2014, 5, 31),
            "ja",
            stamp=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )
    )
    b = parse(area_calendar(city, area, dt.date(2014, 5, 8), dt.date(2014, 6, 30), "vi"))
    uids_a = {str(e["UID"]): e.DTSTART for e in a.walk("VEVENT")}
    uids_b = {str(e["UID"]): e.DTSTART for e in b.walk("VEVENT")}
    shared = uids_a.keys() & uids_b.keys()
    assert shared and all(uids_a[u] == uids_b[u] for u in shared)
    assert len(uids_a) == len(a.walk("VEVENT"))  # unique within a file


def test_summary_in_the_chosen_language(city):
    area = find_area(city, "朝日町1区")
    day = dt.date(2014, 5, 1)  # recyclables and bottles on the same day
    for lang, summary in [
        ("ja", "資源物、空びん"),
        ("en", "Recyclables and Empty bottles (glass)"),
        ("ja@easy", "資源(しげん)ごみ、空(あ)きびん"),
    ]:
        (event,) = parse(area_calendar(city, area, day, day, lang)).walk("VEVENT")
        assert str(event["SUMMARY"]) == summary


@pytest.mark.parametrize("bad", ["19:00 yesterday", "-1d 25:00", "+2d 07:00", "-8d 07:00", ""])
def test_bad_reminders_are_refused(bad):
    with pytest.raises(ValueError):
        Reminder.parse(bad)
