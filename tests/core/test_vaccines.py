"""The routine-immunization engine: Japanese date arithmetic, every vaccine's window, boundaries
on both sides, month ends and leap days, late PCV starts, the 27-day live rule, product mixing,
dated extensions, and the catch-up planner (property: every proposed date is legal)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.handbook import schedule as S
from core.handbook.dates import after_days, after_months, reached, school_entry_year, school_year

D = dt.date
ONE = dt.timedelta(days=1)


def G(text: str) -> S.Given:
    return S.parse_given(text)


def plan(birth, given=(), on=None, **kw):
    return S.plan(birth, [G(x) if isinstance(x, str) else x for x in given], on or birth, **kw)


def dose(doses, vaccine, n):
    found = [d for d in doses if d.vaccine == vaccine and d.dose == n]
    assert len(found) == 1, (vaccine, n, [(d.vaccine, d.dose) for d in doses])
    return found[0]


def doses_of(doses, vaccine):
    return [d.dose for d in doses if d.vaccine == vaccine]


# ------------------------------------------------------------------ date arithmetic
@pytest.mark.parametrize(
    ("birth", "months", "expected"),
    [
        (D(2025, 7, 15), 2, D(2025, 9, 14)),  # the day before the anniversary
        (D(2025, 7, 31), 2, D(2025, 9, 30)),  # 9/31 does not exist: the month's last day
        (D(2025, 7, 30), 2, D(2025, 9, 29)),
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # born on a leap day
        (D(2023, 3, 1), 12, D(2024, 2, 29)),
        (D(2025, 3, 1), 12, D(2026, 2, 28)),
        (D(2025, 12, 31), 2, D(2026, 2, 28)),
    ],
)
def test_reached(birth, months, expected):
    assert reached(birth, months) == expected


@pytest.mark.parametrize(("days", "plus"), [(20, 21), (27, 28), (60, 61), (139, 140), (6, 7)])
def test_x_days_interval_is_previous_plus_x_plus_one(days, plus):
    assert after_days(D(2025, 4, 10), days) == D(2025, 4, 10) + dt.timedelta(days=plus)


@pytest.mark.parametrize(
    ("prev", "months", "expected"),
    [  # MHLW's reading: M months have passed the day before the same day M months later
        (D(2025, 4, 1), 3, D(2025, 7, 1)),  # MHLW's own example
        (D(2025, 11, 30), 3, D(2026, 3, 1)),  # MHLW: 2/30 does not exist, ends 2/28, from 3/1
        (D(2025, 4, 10), 6, D(2025, 10, 10)),
        (D(2025, 8, 30), 6, D(2026, 3, 1)),  # 2/30 does not exist
        (D(2023, 8, 30), 6, D(2024, 3, 1)),  # leap year: 2/30 does not exist either
        (D(2023, 8, 29), 6, D(2024, 2, 29)),  # leap day exists in 2024
        (D(2024, 8, 29), 6, D(2025, 3, 1)),  # ...not in 2025
        (D(2024, 2, 29), 12, D(2025, 3, 1)),  # from a leap day
        (D(2023, 2, 28), 12, D(2024, 2, 28)),
        (D(2025, 1, 31), 3, D(2025, 5, 1)),  # 4/31 does not exist
        (D(2025, 1, 31), 1, D(2025, 3, 1)),
        (D(2025, 1, 28), 1, D(2025, 2, 28)),
        (D(2025, 12, 31), 1, D(2026, 1, 31)),  # across the year
        (D(2023, 4, 1), 2.5, D(2023, 6, 16)),  # MHLW: 2月半 = 6/1 + 15 (June has 30 days)
        (D(2025, 5, 10), 2.5, D(2025, 7, 26)),  # July has 31 days: + 16
        (D(2025, 12, 10), 2.5, D(2026, 2, 24)),  # February 2026 has 28 days: + 14
        (D(2023, 12, 10), 2.5, D(2024, 2, 25)),  # February 2024 has 29 days: + 15
    ],
)
def test_month_interval(prev, months, expected):
    assert after_months(prev, months) == expected


def test_month_interval_only_whole_or_half_months():
    with pytest.raises(ValueError):
        after_months(D(2025, 4, 1), 2.25)


def test_school_year_cut_is_april_first():
    assert school_entry_year(D(2019, 4, 1)) == 2025
    assert school_entry_year(D(2019, 4, 2)) == 2026
    assert school_year(D(2019, 4, 1), 0, "start") == D(2024, 4, 1)
    assert school_year(D(2019, 4, 2), 0, "end") == D(2026, 3, 31)


# ------------------------------------------------------------------ every vaccine's window
B = D(2025, 7, 15)
WINDOWS = {  # vaccine: (earliest dose 1, last eligible day) for a girl born 2025-07-15
    "hepb": (D(2025, 7, 15), D(2026, 7, 14)),
    "rota1": (D(2025, 8, 26), D(2025, 12, 30)),  # 6w0d = +42, 24w0d = +168
    "rota5": (D(2025, 8, 26), D(2026, 2, 24)),  # 32w0d = +224
    "dpt_ipv_hib": (D(2025, 9, 14), D(2033, 1, 14)),
    "pcv": (D(2025, 9, 14), D(2030, 7, 14)),
    "bcg": (D(2025, 7, 15), D(2026, 7, 14)),
    "mr1": (D(2026, 7, 14), D(2027, 7, 14)),
    "mr2": (D(2031, 4, 1), D(2032, 3, 31)),  # the year before school (entry April 2032)
    "var": (D(2026, 7, 14), D(2028, 7, 14)),
    "je1": (D(2026, 1, 14), D(2033, 1, 14)),
    "je2": (D(2034, 7, 14), D(2038, 7, 14)),  # 9 to under 13: 13歳未満 includes the day before
    "dt2": (D(2036, 7, 14), D(2038, 7, 14)),  # the 13th birthday (the age changes at its end)
    "hpv": (D(2037, 4, 1), D(2042, 3, 31)),  # 小6 to 高1
}


@pytest.mark.parametrize("vaccine", sorted(WINDOWS))
def test_window_of_each_vaccine(vaccine):
    d1 = dose(plan(B, sex="female"), vaccine, 1)
    assert (d1.earliest, d1.eligible_until) == WINDOWS[vaccine]


@pytest.mark.parametrize("vaccine", sorted(v for v, (first, _) in WINDOWS.items() if first > B))
def test_first_dose_day_before_is_refused_and_first_day_accepted(vaccine):
    first, _ = WINDOWS[vaccine]
    with pytest.raises(S.ScheduleError, match=f"{vaccine}:1:{first - ONE}"):
        S.validate(B, [G(f"{vaccine}:1:{first - ONE}")])
    S.validate(B, [G(f"{vaccine}:1:{first}")])


@pytest.mark.parametrize("vaccine", sorted(WINDOWS))
def test_last_eligible_day_is_routine_and_the_next_is_not(vaccine):
    _, last = WINDOWS[vaccine]
    on = last + ONE
    inside = dose(plan(B, [f"{vaccine}:1:{last}"], on, sex="female"), vaccine, 1)
    outside = dose(plan(B, [f"{vaccine}:1:{on}"], on, sex="female"), vaccine, 1)
    assert inside.routine and not outside.routine
    assert "voluntary" in outside.reason.msgid


@pytest.mark.parametrize("vaccine", ["pcv", "mr1", "var", "bcg"])
def test_status_overdue_until_the_last_day_then_ineligible(vaccine):
    _, last = WINDOWS[vaccine]
    assert dose(plan(B, on=last), vaccine, 1).status == "overdue"
    assert dose(plan(B, on=last + ONE), vaccine, 1).status == "ineligible"


def test_statuses_upcoming_due_done():
    doses = plan(B, ["dpt_ipv_hib:1:2025-09-14"], D(2025, 10, 4))
    assert dose(doses, "dpt_ipv_hib", 1).status == "done"
    assert dose(doses, "dpt_ipv_hib", 2).status == "upcoming"  # possible from 10/5 (20日以上 = +21)
    assert dose(doses, "dpt_ipv_hib", 2).earliest == D(2025, 10, 5)
    assert dose(plan(B, ["dpt_ipv_hib:1:2025-09-14"], D(2025, 10, 5)), "dpt_ipv_hib", 2).status == "due"


# ------------------------------------------------------------------ intervals, both sides
@pytest.mark.parametrize(
    ("first", "second", "days"),
    [
        ("dpt_ipv_hib:1:2025-09-14", "dpt_ipv_hib:2", 20),
        ("hepb:1:2025-09-14", "hepb:2", 27),
        ("pcv:1:2025-09-14", "pcv:2", 27),
        ("rota1:1:2025-09-14", "rota1:2", 27),
    ],
)
def test_x_days_interval_boundaries(first, second, days):
    prev = D.fromisoformat(first.rsplit(":", 1)[1])
    too_early = prev + dt.timedelta(days=days)
    with pytest.raises(S.ScheduleError, match=f"{second}:{too_early}"):
        S.validate(B, [G(first), G(f"{second}:{too_early}")])
    S.validate(B, [G(first), G(f"{second}:{too_early + ONE}")])


def test_hepb_third_dose_139_days_after_the_first():
    h = [G("hepb:1:2025-09-14"), G("hepb:2:2025-10-20")]
    with pytest.raises(S.ScheduleError, match="hepb:3:2026-01-31"):
        S.validate(B, [*h, G("hepb:3:2026-01-31")])  # +139
    S.validate(B, [*h, G("hepb:3:2026-02-01")])  # +140


def test_booster_six_months_boundary():
    h = [G("dpt_ipv_hib:1:2025-09-14"), G("dpt_ipv_hib:2:2025-10-05"), G("dpt_ipv_hib:3:2025-10-26")]
    with pytest.raises(S.ScheduleError, match="dpt_ipv_hib:4:2026-04-25"):
        S.validate(B, [*h, G("dpt_ipv_hib:4:2026-04-25")])
    S.validate(B, [*h, G("dpt_ipv_hib:4:2026-04-26")])  # 6か月以上: the same day 6 months later
    assert dose(plan(B, h, D(2026, 1, 1)), "dpt_ipv_hib", 4).earliest == D(2026, 4, 26)


def test_rotavirus_in_weeks():
    doses = plan(B, ["rota1:1:2025-08-26"], D(2025, 8, 26))
    assert dose(doses, "rota1", 2).earliest == D(2025, 9, 23)  # +28
    assert dose(plan(B), "rota1", 1).recommended_to == B + dt.timedelta(days=104)  # 14週6日後


# ------------------------------------------------------------------ month ends and leap days
def test_born_on_the_31st():
    born = D(2025, 7, 31)
    assert dose(plan(born), "dpt_ipv_hib", 1).earliest == D(2025, 9, 30)
    with pytest.raises(S.ScheduleError):
        S.validate(born, [G("pcv:1:2025-09-29")])
    S.validate(born, [G("pcv:1:2025-09-30")])
    assert dose(plan(born), "mr1", 1).earliest == D(2026, 7, 30)
    assert dose(plan(D(2025, 12, 31)), "pcv", 1).earliest == D(2026, 2, 28)


def test_leap_days():
    assert dose(plan(D(2024, 2, 29)), "mr1", 1).earliest == D(2025, 2, 28)
    assert dose(plan(D(2023, 3, 1)), "mr1", 1).earliest == D(2024, 2, 29)
    assert dose(plan(D(2023, 12, 31)), "dpt_ipv_hib", 1).earliest == D(2024, 2, 29)
    with pytest.raises(S.ScheduleError):
        S.validate(D(2023, 3, 1), [G("mr1:1:2024-02-28")])


# ------------------------------------------------------------------ PCV by starting age
PB = D(2025, 1, 15)


def test_pcv_started_at_2_months_four_doses():
    doses = plan(PB, ["pcv:1:2025-03-14"], D(2025, 3, 14))
    assert doses_of(doses, "pcv") == [1, 2, 3, 4]
    assert dose(doses, "pcv", 4).earliest >= reached(PB, 12)


def test_pcv_started_at_8_months():
    doses = plan(PB, ["pcv:1:2025-09-20"], D(2025, 9, 20))
    assert doses_of(doses, "pcv") == [1, 2, 3]
    d2, booster = dose(doses, "pcv", 2), dose(doses, "pcv", 3)
    assert d2.earliest == D(2025, 10, 18) and booster.label == "booster"
    assert booster.earliest == max(after_days(d2.proposed, 60), reached(PB, 12))


def test_pcv_started_at_13_months():
    doses = plan(PB, ["pcv:1:2026-02-20"], D(2026, 2, 20))
    assert doses_of(doses, "pcv") == [1, 2]
    assert dose(doses, "pcv", 2).earliest == D(2026, 4, 22)  # 60日以上 = +61
    with pytest.raises(S.ScheduleError, match="pcv:2:2026-04-21"):
        S.validate(PB, [G("pcv:1:2026-02-20"), G("pcv:2:2026-04-21")])


def test_pcv_started_at_30_months_single_dose():
    doses = plan(PB, ["pcv:1:2027-07-20"], D(2027, 7, 20))
    assert doses_of(doses, "pcv") == [1]
    with pytest.raises(S.ScheduleError, match="complete"):
        S.validate(PB, [G("pcv:1:2027-07-20"), G("pcv:2:2027-10-20")])


def test_pcv_not_started_planned_by_todays_age():
    assert doses_of(plan(PB, on=D(2025, 9, 20)), "pcv") == [1, 2, 3]
    assert doses_of(plan(PB, on=D(2026, 2, 20)), "pcv") == [1, 2]
    assert doses_of(plan(PB, on=D(2027, 7, 20)), "pcv") == [1]


def test_pcv_start_band_edge_at_7_months():
    edge = reached(PB, 7)
    assert doses_of(plan(PB, [f"pcv:1:{edge}"], edge), "pcv") == [1, 2, 3, 4]
    assert doses_of(plan(PB, [f"pcv:1:{edge + ONE}"], edge + ONE), "pcv") == [1, 2, 3]


def test_pcv_dose_3_skipped_when_dose_2_after_12_months():
    h = ["pcv:1:2025-11-01", "pcv:2:2026-01-20"]  # dose 1 at 9.5 months? no: band B
    h = ["pcv:1:2025-08-01", "pcv:2:2026-01-20"]  # started at 6 months, dose 2 after 12 months
    doses = plan(PB, h, D(2026, 1, 20))
    d3 = dose(doses, "pcv", 3)
    assert d3.status == "ineligible" and "not needed" in d3.reason.msgid
    assert dose(doses, "pcv", 4).proposed == after_days(D(2026, 1, 20), 60)


# ------------------------------------------------------------------ the 27-day live rule
def test_injectable_live_vaccines_27_days_apart():
    mr = "mr1:1:2026-07-14"
    with pytest.raises(S.ScheduleError, match="var:1:2026-08-10"):
        S.validate(B, [G(mr), G("var:1:2026-08-10")])  # 27 days later: too early
    S.validate(B, [G(mr), G("var:1:2026-08-11")])  # +28
    S.validate(B, [G(mr), G("var:1:2026-07-14")])  # the same day: simultaneous


def test_planner_moves_live_vaccine_past_27_days():
    doses = plan(B, ["mr1:1:2026-07-20"], D(2026, 7, 25))
    var1 = dose(doses, "var", 1)
    assert var1.proposed == D(2026, 8, 17)
    assert "27 days" in var1.reason.params["why"].msgid


def test_planner_puts_live_vaccines_on_the_same_day():
    doses = plan(B, on=D(2026, 7, 14))
    assert dose(doses, "mr1", 1).proposed == dose(doses, "var", 1).proposed == D(2026, 7, 14)


def test_oral_rotavirus_is_not_an_injectable_live_vaccine():
    S.validate(B, [G("bcg:1:2025-08-26"), G("rota1:1:2025-08-27")])


# ------------------------------------------------------------------ one product per series
def test_rotavirus_products_cannot_be_mixed():
    with pytest.raises(S.ScheduleError, match="rota5:2:2025-10-01.*cannot be mixed"):
        S.validate(B, [G("rota1:1:2025-09-01"), G("rota5:2:2025-10-01")])


def test_rotavirus_alternatives_until_chosen():
    doses = plan(B)
    assert dose(doses, "rota1", 1).alternative_to == "rota5"
    chosen = plan(B, ["rota5:1:2025-09-01"], D(2025, 9, 1))
    assert doses_of(chosen, "rota1") == [] and doses_of(chosen, "rota5") == [1, 2, 3]


def test_pcv_products():
    with pytest.raises(S.ScheduleError, match="PCV15 cannot continue with PCV20"):
        S.validate(B, [G("pcv:1:2025-09-14:PCV15"), G("pcv:2:2025-10-14:PCV20")])
    S.validate(B, [G("pcv:1:2025-09-14:PCV13"), G("pcv:2:2025-10-14:PCV20")])


def test_four_in_one_may_switch_to_five_in_one():
    h = ["dpt_ipv:1:2024-03-01", "hib:1:2024-03-01", "dpt_ipv:2:2024-03-25", "dpt_ipv_hib:3:2024-04-20"]
    doses = plan(D(2023, 12, 20), h, D(2024, 5, 1))
    assert dose(doses, "dpt_ipv_hib", 4).status == "upcoming"
    assert dose(doses, "dpt_ipv", 1).status == "done"
    assert doses_of(doses, "hib") == [1, 2, 3, 4]


# ------------------------------------------------------------------ dated extensions
def test_mr_fy2024_cohort_extended_to_2027_03_31():
    born = D(2022, 6, 10)  # reached 24 months on 2024-06-09 (FY2024)
    d = dose(plan(born, on=D(2025, 6, 1)), "mr1", 1)
    assert d.status == "overdue" and d.eligible_until == D(2027, 3, 31)
    assert d.reason.msgid == "{reason} ({extension})"
    assert dose(plan(born, on=D(2027, 4, 1)), "mr1", 1).status == "ineligible"
    assert dose(plan(D(2021, 6, 10), on=D(2025, 6, 1)), "mr1", 1).status == "ineligible"  # FY2023: none


def test_mr2_fy2024_cohort_extended():
    born = D(2018, 6, 10)  # school from April 2025: MR2 year = FY2024
    assert dose(plan(born, on=D(2026, 1, 5)), "mr2", 1).eligible_until == D(2027, 3, 31)


def test_japanese_encephalitis_special_measure_until_20():
    born = D(2006, 5, 1)
    d = dose(plan(born, on=D(2025, 1, 1)), "je1", 1)
    assert d.status == "overdue" and d.eligible_until == D(2026, 4, 30)  # 20歳に至るまで
    assert dose(plan(D(2010, 5, 1), on=D(2025, 1, 1)), "je1", 1).status == "ineligible"


def test_japanese_encephalitis_2007_2009_at_9_to_12():
    born = D(2008, 5, 1)
    d = dose(plan(born, on=D(2018, 1, 10)), "je1", 1)
    assert d.status in ("due", "overdue") and d.eligible_until == D(2021, 4, 30)  # 13歳未満


def test_hpv_catch_up_extension_needs_a_dose_by_2025_03_31():
    born = D(2005, 5, 1)
    with_dose = plan(born, ["hpv:1:2025-03-01"], D(2025, 6, 1), sex="female")
    assert dose(with_dose, "hpv", 2).status in ("due", "overdue")
    assert dose(with_dose, "hpv", 2).eligible_until == D(2026, 3, 31)
    assert doses_of(with_dose, "hpv") == [1, 2, 3]  # started at 19: three doses
    without = plan(born, on=D(2025, 6, 1), sex="female")
    assert dose(without, "hpv", 1).status == "ineligible"


def test_hpv_only_for_girls_and_two_doses_before_15():
    assert doses_of(plan(B, sex="male"), "hpv") == []
    girl = D(2012, 5, 1)
    assert doses_of(plan(girl, ["hpv:1:2025-05-01"], D(2025, 5, 1), sex="female"), "hpv") == [1, 2]


# ------------------------------------------------------------------ month intervals, both sides
@pytest.mark.parametrize(
    ("birth", "history", "too_early", "first_legal"),
    [
        # 水痘 3か月以上: the same day 3 months later
        (B, ["var:1:2026-07-14"], "var:2:2026-10-13", "var:2:2026-10-14"),
        # ...from the 30th of November: 2/30 does not exist, the period ends 2/28, from 3/1
        (B, ["var:1:2026-11-30"], "var:2:2027-02-28", "var:2:2027-03-01"),
        # ...and on a leap year the 29th of February exists
        (D(2026, 6, 1), ["var:1:2027-11-29"], "var:2:2028-02-28", "var:2:2028-02-29"),
        # 日本脳炎 1期追加 6か月以上 after dose 2
        (B, ["je1:1:2028-08-01", "je1:2:2028-08-31"], "je1:3:2029-02-28", "je1:3:2029-03-01"),  # 2/31
        # HPV 9価: dose 2 at least 1か月 after dose 1 (6/31 does not exist: from 7/1)
        (D(2012, 5, 1), ["hpv:1:2025-05-31"], "hpv:2:2025-06-30", "hpv:2:2025-07-01"),
        # legacy Hib booster 7か月以上 after the last primary dose
        (
            D(2023, 6, 10),
            ["hib:1:2023-08-10", "hib:2:2023-09-10", "hib:3:2023-10-31"],
            "hib:4:2024-05-30",
            "hib:4:2024-05-31",
        ),
    ],
)
def test_month_interval_boundaries(birth, history, too_early, first_legal):
    h = [G(x) for x in history]
    with pytest.raises(S.ScheduleError, match=too_early):
        S.validate(birth, [*h, G(too_early)])
    S.validate(birth, [*h, G(first_legal)])


# ------------------------------------------------------------------ HPV products
GIRL = D(2012, 5, 1)  # 小6 from April 2024


def test_hpv_2_valent_is_0_1_6_with_two_and_a_half_months_after_dose_2():
    h = [G("hpv:1:2025-05-01:2vHPV"), G("hpv:2:2025-08-10:2vHPV")]
    # dose 3: 5 months after dose 1 (10/1) and 2月半 after dose 2 (10/10 + 16 days: October has 31)
    with pytest.raises(S.ScheduleError, match="hpv:3:2025-10-25"):
        S.validate(GIRL, [*h, G("hpv:3:2025-10-25:2vHPV")])
    S.validate(GIRL, [*h, G("hpv:3:2025-10-26:2vHPV")])
    with pytest.raises(S.ScheduleError, match="hpv:2:2025-05-31"):
        S.validate(GIRL, [h[0], G("hpv:2:2025-05-31:2vHPV")])  # 1か月以上
    doses = plan(GIRL, h[:1], D(2025, 5, 1), sex="female")
    assert doses_of(doses, "hpv") == [1, 2, 3]  # three doses even before 15
    assert dose(doses, "hpv", 2).earliest == D(2025, 6, 1)
    assert dose(doses, "hpv", 3).earliest == D(2025, 10, 1)  # 5 months after dose 1 decides


def test_hpv_4_valent_is_0_2_6_with_three_months_after_dose_2():
    h = [G("hpv:1:2025-05-01:ガーダシル"), G("hpv:2:2025-06-01:ガーダシル")]
    with pytest.raises(S.ScheduleError, match="hpv:3:2025-08-31"):
        S.validate(GIRL, [*h, G("hpv:3:2025-08-31:ガーダシル")])
    S.validate(GIRL, [*h, G("hpv:3:2025-09-01:ガーダシル")])
    doses = plan(GIRL, h[:1], D(2025, 5, 1), sex="female")
    assert doses_of(doses, "hpv") == [1, 2, 3]
    assert dose(doses, "hpv", 2).recommended_from == D(2025, 7, 1)  # standard: 2 months after dose 1


def test_hpv_9_valent_dose_2_before_5_months_needs_a_third_dose():
    on = D(2025, 11, 1)
    early = plan(GIRL, ["hpv:1:2025-05-31", "hpv:2:2025-10-30"], on, sex="female")  # 5か月 = 10/31
    assert doses_of(early, "hpv") == [1, 2, 3]
    assert dose(early, "hpv", 3).earliest == D(2026, 1, 30)  # 3か月 after dose 2 (3-dose schedule)
    in_time = plan(GIRL, ["hpv:1:2025-05-31", "hpv:2:2025-10-31"], on, sex="female")
    assert doses_of(in_time, "hpv") == [1, 2] and dose(in_time, "hpv", 2).status == "done"
    with pytest.raises(S.ScheduleError, match="hpv:3:2026-01-29"):
        S.validate(GIRL, [G("hpv:1:2025-05-31"), G("hpv:2:2025-10-30"), G("hpv:3:2026-01-29")])
    with pytest.raises(S.ScheduleError, match="complete"):  # two doses 5 months apart: done
        S.validate(GIRL, [G("hpv:1:2025-05-31"), G("hpv:2:2025-10-31"), G("hpv:3:2026-03-01")])


def test_hpv_9_valent_default_two_doses_before_15_three_after():
    assert doses_of(plan(GIRL, ["hpv:1:2025-05-01:9vHPV"], D(2025, 5, 1), sex="female"), "hpv") == [1, 2]
    edge = reached(GIRL, 180)  # 15歳に至るまで: the day before the 15th birthday still counts
    assert doses_of(plan(GIRL, [f"hpv:1:{edge}"], edge, sex="female"), "hpv") == [1, 2]
    later = edge + ONE
    assert doses_of(plan(GIRL, [f"hpv:1:{later}"], later, sex="female"), "hpv") == [1, 2, 3]


@pytest.mark.parametrize(
    ("first", "second", "allowed"),
    [
        ("2vHPV", "4vHPV", False),
        ("4vHPV", "2vHPV", False),
        ("9vHPV", "2vHPV", False),
        ("シルガード9", "サーバリックス", False),  # brand names as parents write them
        ("2vHPV", "9vHPV", True),  # 2価/4価 -> 9価 on a doctor's judgement
        ("Cervarix", "シルガード9", True),
        ("ガーダシル", "Gardasil 9", True),
        ("2vHPV", "some clinic's note", True),  # an unknown product name is not a product
    ],
)
def test_hpv_product_mixing(first, second, allowed):
    h = [G(f"hpv:1:2025-05-01:{first}"), G(f"hpv:2:2025-06-10:{second}")]
    if allowed:
        S.validate(GIRL, h)
    else:
        with pytest.raises(S.ScheduleError, match="hpv:2:2025-06-10.*cannot continue"):
            S.validate(GIRL, h)


def test_product_mixing_looks_past_doses_without_a_product():
    with pytest.raises(S.ScheduleError, match="PCV15 cannot continue with PCV20"):
        S.validate(B, [G("pcv:1:2025-09-14:PCV15"), G("pcv:2:2025-10-14"), G("pcv:3:2025-11-14:PCV20")])


def test_hpv_catch_up_extension_boundary_on_2025_03_31():
    born = D(2005, 5, 1)
    on = D(2025, 6, 1)
    by = plan(born, ["hpv:1:2025-03-31"], on, sex="female")
    assert dose(by, "hpv", 1).routine and dose(by, "hpv", 2).eligible_until == D(2026, 3, 31)
    late = plan(born, ["hpv:1:2025-04-01"], on, sex="female")
    assert not dose(late, "hpv", 1).routine  # the catch-up ended on 2025-03-31
    assert dose(late, "hpv", 2).status == "ineligible"


def test_hpv_extension_covers_the_fy2008_cohort_whose_regular_window_ended():
    born = D(2008, 5, 1)  # 高1 in FY2024: the regular window ended 2025-03-31
    d = dose(plan(born, ["hpv:1:2025-03-01"], D(2025, 9, 1), sex="female"), "hpv", 3)
    assert d.eligible_until == D(2026, 3, 31) and d.status != "ineligible"
    assert dose(plan(born, on=D(2025, 9, 1), sex="female"), "hpv", 1).status == "ineligible"


# ------------------------------------------------------------------ 長期療養特例
LB = D(2020, 1, 10)


def test_long_term_illness_extends_for_two_years_from_the_day_it_ended():
    ended = D(2024, 6, 1)
    mr = dose(plan(LB, on=D(2025, 6, 1), illness_ended=ended), "mr1", 1)
    assert mr.status == "overdue" and mr.eligible_until == D(2026, 5, 31)  # 2年を経過する日
    assert "long-term illness" in mr.reason.params["extension"].msgid
    assert dose(plan(LB, on=D(2026, 5, 31), illness_ended=ended), "mr1", 1).status == "overdue"
    assert dose(plan(LB, on=D(2026, 6, 1), illness_ended=ended), "mr1", 1).status == "ineligible"
    assert dose(plan(LB, on=D(2025, 6, 1)), "mr1", 1).status == "ineligible"  # without the record


def test_long_term_illness_keeps_the_age_caps():
    ended = D(2025, 3, 1)  # after PCV's regular window (until 2025-01-09)
    doses = plan(LB, on=D(2025, 6, 1), illness_ended=ended)
    assert dose(doses, "pcv", 1).eligible_until == D(2026, 1, 9)  # PCV: until 6 (cap before 2 years)
    assert dose(doses, "bcg", 1).status == "ineligible"  # BCG: until 4, already past
    assert "rota1" not in {d.vaccine for d in doses if d.status != "ineligible"}  # not extended


def test_long_term_illness_only_when_it_lasted_past_the_regular_window():
    on = D(2022, 6, 1)
    assert plan(LB, on=on, illness_ended=D(2020, 3, 1)) == plan(LB, on=on)  # ended early: nothing
    last = reached(LB, 24)  # MR1's last regular day
    assert dose(plan(LB, on=on, illness_ended=last), "mr1", 1).status == "ineligible"
    d = dose(plan(LB, on=on, illness_ended=last + ONE), "mr1", 1)
    assert d.status == "overdue" and d.eligible_until == D(2024, 1, 9)


# ------------------------------------------------------------------ maternal RSV
def test_maternal_rsv_window_in_weeks_of_pregnancy():
    due = D(2026, 7, 1)
    assert S.gestation_day(due, 28) == D(2026, 4, 8) and S.gestation_day(due, 36, 6) == D(2026, 6, 9)
    status = lambda on: S.maternal_plan(due_date=due, given={}, on=on)[0].status  # noqa: E731
    assert [status(D(2026, 4, 7)), status(D(2026, 4, 8)), status(D(2026, 6, 9)), status(D(2026, 6, 10))] == [
        "upcoming",
        "due",
        "due",
        "ineligible",
    ]


def test_maternal_rsv_routine_only_from_2026_04_01():
    early = S.maternal_plan(due_date=D(2026, 4, 20), given={}, on=D(2026, 2, 1))[0]
    assert early.status == "ineligible" and early.reason.msgid == "routine only from {date}"
    straddling = S.maternal_plan(due_date=D(2026, 5, 1), given={}, on=D(2026, 3, 1))[0]
    assert straddling.earliest == D(2026, 4, 1) and straddling.status == "upcoming"


def test_maternal_rsv_given_in_and_outside_the_window():
    due = D(2026, 7, 1)
    inside = S.maternal_plan(due_date=due, given={"rsv": D(2026, 4, 8)}, on=D(2026, 5, 1))[0]
    outside = S.maternal_plan(due_date=due, given={"rsv": D(2026, 4, 7)}, on=D(2026, 5, 1))[0]
    assert inside.status == outside.status == "done"
    assert inside.routine and not outside.routine


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("hepb:1:2025-07-14", "before the birth"),
        ("flu:1:2025-09-01", "unknown vaccine"),
        ("pcv:x:2025-09-01", "not a number"),
        ("pcv:1:2025-13-01", "not a date"),
        ("pcv:1", "expected"),
    ],
)
def test_bad_records_name_the_value(given, message):
    with pytest.raises(S.ScheduleError, match=message) as exc:
        S.validate(B, [G(given)])
    assert given in str(exc.value)


def test_missing_earlier_dose_and_duplicates_are_refused():
    with pytest.raises(S.ScheduleError, match="expected dose 1"):
        S.validate(B, [G("pcv:2:2025-10-20")])
    with pytest.raises(S.ScheduleError, match="twice"):
        S.validate(B, [G("pcv:1:2025-10-20"), G("pcv:1:2025-10-21")])


def test_conditions_exclude():
    d = dose(plan(B, conditions={"had_chickenpox"}), "var", 1)
    assert d.status == "ineligible"


def test_reasons_translate():
    from core.i18n import Translator

    d = dose(plan(B, ["dpt_ipv_hib:1:2025-09-14"], D(2025, 10, 1)), "dpt_ipv_hib", 2)
    en = d.reason.render(Translator("en"))
    assert "20 days" in en and "2025" in en


# ------------------------------------------------------------------ the catch-up planner
LIVE_INJ = {"bcg", "mr1", "mr2", "var"}


def _check_legal(birth, history, doses, on):
    proposed = [d for d in doses if d.proposed and d.vaccine != "rota5"]
    for d in proposed:
        assert d.proposed >= on and d.earliest <= d.proposed <= d.eligible_until, d
    full = list(history) + [S.Given(d.vaccine, d.dose, d.proposed) for d in proposed]
    S.validate(birth, full)  # every age, interval, product and live rule of the engine
    lives = [g for g in full if g.vaccine in LIVE_INJ]
    for a in lives:  # an independent check of the 27-day rule
        for b in lives:
            if a.vaccine != b.vaccine and a.date != b.date:
                assert abs((a.date - b.date).days) >= 28, (a, b)
    by_vaccine: dict[str, list] = {}
    for g in sorted(full, key=lambda g: g.dose):
        by_vaccine.setdefault(g.vaccine, []).append(g.date)
    for dates in by_vaccine.values():  # doses of one vaccine in order, at least 7 days apart
        assert all((b - a).days >= 7 for a, b in zip(dates, dates[1:], strict=False))
    _check_intervals_independently(full)


def _months_kept(a: dt.date, b: dt.date, months: int) -> bool:
    """M月以上 counted without the engine: a later calendar month, or the same day number or later."""
    diff = (b.year * 12 + b.month) - (a.year * 12 + a.month)
    return diff > months or (diff == months and b.day >= a.day)


def _check_intervals_independently(full):
    """The schedule data's intervals between doses of single-plan vaccines, re-counted here."""
    data = S.schedule_data()["by_id"]
    by_vaccine: dict[str, dict[int, dt.date]] = {}
    for g in full:
        by_vaccine.setdefault(g.vaccine, {})[g.dose] = g.date
    for vid, dates in by_vaccine.items():
        v = data[vid]
        if len(v["plans"]) != 1:
            continue
        for rule in v["plans"][0]["doses"]:
            for after in rule.get("after", ()):
                prev, this = dates.get(after["dose"]), dates.get(rule["dose"])
                if prev is None or this is None:
                    continue
                if "days" in after:
                    assert (this - prev).days >= after["days"] + 1, (vid, rule["dose"], prev, this)
                elif float(after["months"]).is_integer():
                    assert _months_kept(prev, this, after["months"]), (vid, rule["dose"], prev, this)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    birth=st.dates(D(2012, 4, 1), D(2026, 6, 30)),
    first_look=st.integers(0, 3000),
    gap=st.integers(0, 2500),
    keep=st.lists(st.booleans(), min_size=40, max_size=40),
    sex=st.sampled_from(["male", "female"]),
)
def test_catch_up_dates_are_legal(birth, first_look, gap, keep, sex):
    # a history as a real family makes it: some of the doses proposed at one visit were given
    on1 = birth + dt.timedelta(days=first_look)
    history = []
    for i, d in enumerate(plan(birth, on=on1, sex=sex)):
        if (
            d.proposed
            and d.vaccine != "rota5"
            and keep[i % len(keep)]
            and d.proposed <= on1 + dt.timedelta(gap)
        ):
            history.append(S.Given(d.vaccine, d.dose, d.proposed))
    # keep only a prefix of each series, as a family can only skip the rest
    series: dict[str, int] = {}
    kept = []
    for g in sorted(history, key=lambda g: (g.vaccine, g.dose)):
        if g.dose == series.get(g.vaccine, 0) + 1:
            series[g.vaccine] = g.dose
            kept.append(g)
    on = max([on1 + dt.timedelta(days=gap)] + [g.date for g in kept])
    try:
        S.validate(birth, kept)
    except S.ScheduleError:
        return  # a prefix can break a rule that the full plan kept (e.g. a later live dose dropped)
    doses = S.plan(birth, kept, on, sex=sex)
    _check_legal(birth, kept, doses, on)


@pytest.mark.parametrize(
    ("history", "msgid"),
    [
        (["hepb:1:2025-07-14"], "the dose is dated before the birth ({date})"),
        (["pcv:1:2025-10-20", "pcv:1:2025-10-21"], "dose {dose} is already recorded ({date})"),
        (
            ["rota1:1:2025-09-01", "rota5:2:2025-10-01"],
            "products cannot be mixed: finish the series with {vaccine}",
        ),
        (
            ["pcv:1:2025-09-14:PCV15", "pcv:2:2025-10-14:PCV20"],
            "a series started with {first} cannot continue with {second}",
        ),
        (["pcv:1:2025-10-20", "pcv:2:2025-10-01"], "dated before dose {dose} ({date})"),
        (["pcv:2:2025-10-20"], "record dose {dose} first"),
        (["pcv:1:2025-09-13"], "before the earliest legal date {date}: {why}"),
    ],
)
def test_refusals_carry_a_translatable_reason(history, msgid):
    from core.i18n import Translator

    with pytest.raises(S.ScheduleError) as exc:
        S.validate(B, [G(x) for x in history])
    assert exc.value.reason is not None and exc.value.reason.msgid == msgid
    assert exc.value.reason.render(Translator("ja")) != exc.value.reason.render(Translator("en"))


PCV_BANDS = {7: 4, 12: 3, 24: 2, 60: 1}  # start age (months, inclusive) -> doses at most


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    year=st.integers(2019, 2025),
    month=st.integers(1, 12),
    from_end=st.sampled_from([0, 0, 1, 2, 3]),  # born on the month's last day (31st, 30th, 28/29 Feb)
    start=st.sampled_from([2, 6, 7, 8, 11, 12, 13, 18, 23, 24, 30, 45, 59]),
    offset=st.integers(0, 25),
    look=st.integers(0, 500),
    with_live=st.booleans(),
)
def test_catch_up_after_late_starts_and_month_end_births(
    year, month, from_end, start, offset, look, with_live
):
    import calendar

    birth = D(year, month, calendar.monthrange(year, month)[1] - from_end)
    first = reached(birth, start) + dt.timedelta(days=offset)
    if first > reached(birth, 60):
        return
    history = [S.Given("pcv", 1, first), S.Given("dpt_ipv_hib", 1, first)]
    if with_live and reached(birth, 12) <= first <= reached(birth, 24):
        history.append(S.Given("mr1", 1, first))  # the planner must keep var 27 days from it or same day
    on = first + dt.timedelta(days=look)
    doses = S.plan(birth, history, on)
    _check_legal(birth, history, doses, on)
    pcv = [d for d in doses if d.vaccine == "pcv" and d.status != "ineligible"]
    band = min(m for m in PCV_BANDS if first <= reached(birth, m))
    assert len(pcv) <= PCV_BANDS[band]  # the dose count follows the starting age
    dates = sorted(d.given or d.proposed for d in pcv)
    if band == 24:  # started at 12-24 months: two doses at least 60 days apart (+61)
        assert all((b - a).days >= 61 for a, b in zip(dates, dates[1:], strict=False))
    for d in pcv:
        if d.label == "booster":  # a booster only from 12 months and 60 days after the previous dose
            assert (d.given or d.proposed) >= reached(birth, 12)


@settings(max_examples=300, deadline=None)
@given(prev=st.dates(D(2019, 1, 1), D(2031, 12, 31)), months=st.integers(1, 24))
def test_month_interval_is_the_first_day_an_independent_count_accepts(prev, months):
    first = after_months(prev, months)
    assert _months_kept(prev, first, months) and not _months_kept(prev, first - ONE, months)
