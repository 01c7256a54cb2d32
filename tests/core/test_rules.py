"""Every rule form of 5374's area_days grammar, expanded into dates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.garbage.rules import (
    Dates,
    EveryOtherWeek,
    NthWeekday,
    RuleSyntaxError,
    Schedule,
    Weekly,
    nth_weekday,
    parse_cell,
)

D = dt.date


def test_weekly_days():
    s = parse_cell("月 木")
    assert s.rules == (Weekly(0), Weekly(3))
    assert s.dates(D(2014, 5, 1), D(2014, 5, 12)) == [
        D(2014, 5, 1),
        D(2014, 5, 5),
        D(2014, 5, 8),
        D(2014, 5, 12),
    ]


def test_nth_weekday_is_the_nth_occurrence_not_the_calendar_row():
    # June 2014 starts on a Sunday: the 1st Tuesday is June 3, the 2nd June 10.
    s = parse_cell("火2 火4")
    assert s.dates(D(2014, 6, 1), D(2014, 6, 30)) == [D(2014, 6, 10), D(2014, 6, 24)]


def test_fifth_weekday_exists_only_in_some_months():
    s = parse_cell("土5")
    assert s.dates(D(2014, 1, 1), D(2014, 6, 30)) == [D(2014, 3, 29), D(2014, 5, 31)]
    assert nth_weekday(2014, 2, 5, 5) is None


def test_month_filter_applies_to_every_day_token():
    s = parse_cell("火2 金4:4 6 8 10 12 2")
    assert s.months == frozenset({2, 4, 6, 8, 10, 12})
    got = s.dates(D(2014, 4, 1), D(2014, 7, 31))
    assert got == [D(2014, 4, 8), D(2014, 4, 25), D(2014, 6, 10), D(2014, 6, 27)]


def test_explicit_dates():
    s = parse_cell("20140210 20140310 20140409")
    assert s.rules == (Dates((D(2014, 2, 10), D(2014, 3, 10), D(2014, 4, 9))),)
    assert s.dates(D(2014, 3, 1), D(2014, 12, 31)) == [D(2014, 3, 10), D(2014, 4, 9)]
    assert s.last_date() == D(2014, 4, 9)


def test_every_other_week_from_anchor():
    s = parse_cell("隔月20140401")
    assert s.rules == (EveryOtherWeek(D(2014, 4, 1)),)
    assert s.dates(D(2014, 3, 1), D(2014, 5, 1)) == [D(2014, 4, 1), D(2014, 4, 15), D(2014, 4, 29)]
    # A window that starts in an "off" week.
    assert s.dates(D(2014, 4, 9), D(2014, 4, 20)) == [D(2014, 4, 15)]


@pytest.mark.parametrize("cell", ["隔火20250107", "隔週20250107", "隔月20250107"])
def test_every_other_week_with_a_weekday_or_week_character(cell):
    # 5374 reads 隔 + any one character + YYYYMMDD: every other week from the anchor date.
    warnings: list[str] = []
    s = parse_cell(cell, warnings)
    assert s.rules == (EveryOtherWeek(D(2025, 1, 7)),) and warnings == []
    assert s.dates(D(2025, 1, 1), D(2025, 2, 10)) == [D(2025, 1, 7), D(2025, 1, 21), D(2025, 2, 4)]


def test_every_other_week_weekday_that_disagrees_with_the_anchor_is_a_warning():
    warnings: list[str] = []
    s = parse_cell("隔水20250107", warnings)  # 2025-01-07 is a Tuesday
    assert s.rules == (EveryOtherWeek(D(2025, 1, 7)),)
    assert warnings == [
        (
            "'隔水20250107': 2025-01-07 is a Tuesday, not 水; read as every other week from "
            "2025-01-07 (as the 5374 app does)"
        )
    ]
    assert parse_cell("隔水20250107").rules == s.rules  # no list given: still read


def test_semicolon_separates_sub_rules_each_with_its_own_months():
    s = parse_cell("水1:4 6 7 8 9 10 11 12 2 3; 水2:5 1")
    assert s.parts == (
        Schedule((NthWeekday(2, 1),), frozenset({4, 6, 7, 8, 9, 10, 11, 12, 2, 3})),
        Schedule((NthWeekday(2, 2),), frozenset({5, 1})),
    )
    got = s.dates(D(2025, 4, 1), D(2026, 2, 28))
    assert got[:3] == [D(2025, 4, 2), D(2025, 5, 14), D(2025, 6, 4)]  # 1st Wed, 2nd Wed in May, 1st Wed
    assert [d for d in got if d.month in (1, 2)] == [D(2026, 1, 14), D(2026, 2, 4)]
    assert len(got) == 11 and not s.empty
    assert Schedule.from_json(s.to_json()) == s
    # Full-width ；, a remark in one sub-rule, a trailing separator.
    t = parse_cell("火1:4 5 *2；金3:6;")
    assert t.remarks == ("2",) and len(t.parts) == 2
    assert t.dates(D(2025, 4, 1), D(2025, 6, 30)) == [D(2025, 4, 1), D(2025, 5, 6), D(2025, 6, 20)]
    assert parse_cell("月 木;").rules == (Weekly(0), Weekly(3))  # one sub-rule: a plain schedule


def test_explicit_dates_can_be_left_out():
    s = parse_cell("20140210 20991231; 水1:5")
    assert sorted(s.listed_dates()) == [D(2014, 2, 10), D(2099, 12, 31)]
    t = s.without_dates({D(2099, 12, 31)})
    assert sorted(t.listed_dates()) == [D(2014, 2, 10)] and t.parts[1] == s.parts[1]
    assert parse_cell("20991231").without_dates({D(2099, 12, 31)}).empty


def test_remarks_are_kept_and_may_follow_a_month_filter():
    assert parse_cell("火 木 *1").remarks == ("1",)
    s = parse_cell("水3:4 6 8 *2")
    assert s.remarks == ("2",) and s.months == frozenset({4, 6, 8})
    assert s.rules == (NthWeekday(2, 3),)


def test_english_tokens_of_the_nonoichi_branch():
    assert parse_cell("Mon Thu").rules == (Weekly(0), Weekly(3))
    assert parse_cell("Wed1").rules == (NthWeekday(2, 1),)


def test_blank_cell_means_no_collection():
    assert parse_cell("").empty
    assert parse_cell("   ").dates(D(2014, 1, 1), D(2014, 12, 31)) == []


@pytest.mark.parametrize(
    "cell, culprit",
    [
        ("201411021", "201411021"),  # nine digits (Iga's real data)
        ("2040616", "2040616"),  # seven digits
        ("20140231", "20140231"),  # no such day
        ("月 X", "X"),
        ("火6", "火6"),
        ("火2:13", "13"),
        ("隔月2014", "2014"),
        ("隔X20250107", "隔X20250107"),
        ("水1:4; 水X", "水X"),
    ],
)
def test_unreadable_tokens_are_named(cell, culprit):
    with pytest.raises(RuleSyntaxError) as exc:
        parse_cell(cell)
    assert exc.value.token == culprit
    assert culprit in str(exc.value)


def test_schedule_roundtrips_through_json():
    for cell in [
        "月 木",
        "火2 金4:4 6 8 10 12 2",
        "20140210 20140310",
        "隔月20140401",
        "火 木 *1",
        "隔火20250107",
        "水1:4 6; 水2:5 *1",
    ]:
        s = parse_cell(cell)
        assert Schedule.from_json(s.to_json()) == s


@given(st.dates(D(2000, 1, 1), D(2040, 12, 31)), st.integers(0, 120), st.integers(0, 6))
def test_weekly_matches_brute_force(start, length, weekday):
    end = start + dt.timedelta(days=length)
    expected = [
        start + dt.timedelta(days=i)
        for i in range(length + 1)
        if (start + dt.timedelta(days=i)).weekday() == weekday
    ]
    assert list(Weekly(weekday).dates(start, end)) == expected


@given(st.dates(D(2000, 1, 1), D(2040, 12, 31)), st.integers(0, 200), st.integers(0, 6), st.integers(1, 5))
def test_nth_weekday_matches_brute_force(start, length, weekday, nth):
    end = start + dt.timedelta(days=length)
    days = [start + dt.timedelta(days=i) for i in range(length + 1)]
    expected = [d for d in days if d.weekday() == weekday and (d.day - 1) // 7 + 1 == nth]
    assert list(NthWeekday(weekday, nth).dates(start, end)) == expected


@given(
    st.dates(D(2010, 1, 1), D(2030, 12, 31)), st.dates(D(2010, 1, 1), D(2030, 12, 31)), st.integers(0, 100)
)
def test_every_other_week_matches_brute_force(anchor, start, length):
    end = start + dt.timedelta(days=length)
    days = [start + dt.timedelta(days=i) for i in range(length + 1)]
    expected = [d for d in days if d >= anchor and (d - anchor).days % 14 == 0]
    assert list(EveryOtherWeek(anchor).dates(start, end)) == expected
