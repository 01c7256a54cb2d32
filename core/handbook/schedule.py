"""The routine-immunization engine: generic code over the schedule data (data/schedule.json).

``plan(birth, given, on)`` answers, for every dose of every routine vaccine: the earliest legal
date, the recommended window, the last eligible date, a status (done / due / upcoming /
overdue / ineligible) and the reason, as a ``Reason`` (an English msgid + parameters, translated
where it is shown).  Doses not yet given get a ``proposed`` date from the catch-up planner: the
earliest legal day not before ``on`` that keeps every interval, the 27-day rule between
injectable live vaccines (same-day simultaneous vaccination is allowed) and the age windows.

``validate(birth, given)`` refuses a history that cannot be true or legal (a dose before birth,
an unknown vaccine, a dose before its earliest legal date, mixed products, a missing earlier
dose) with ``ScheduleError`` naming the offending record.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from core.handbook.dates import age_date, interval_date, reached
from core.i18n import N_

DATA = Path(__file__).resolve().parent / "data" / "schedule.json"
STATUSES = ("done", "due", "upcoming", "overdue", "ineligible")
FAR = dt.date(9999, 12, 31)


class ScheduleError(ValueError):
    """A vaccination record that cannot be accepted; ``record`` is the offending one."""

    def __init__(self, message: str, record: Given | None = None, reason: Reason | None = None):
        super().__init__(message)
        self.record = record
        self.reason = reason  # the same, translatable where it is shown (the app)


@dataclass(frozen=True)
class Given:
    vaccine: str
    dose: int
    date: dt.date
    product: str | None = None
    source: str = ""  # how the user wrote it (``pcv:1:2025-09-14``), for error messages

    def label(self) -> str:
        return self.source or f"{self.vaccine}:{self.dose}:{self.date.isoformat()}"


@dataclass(frozen=True)
class Reason:
    msgid: str
    params: dict = field(default_factory=dict)

    def render(self, tr) -> str:
        """Translated with ``tr`` (a core.i18n.Translator); dates through Babel."""
        from babel.dates import format_date

        values = {}
        for key, value in self.params.items():
            if isinstance(value, dt.date):
                values[key] = tr._easy(format_date(value, format="medium", locale=tr.locale))
            elif isinstance(value, Reason):
                values[key] = value.render(tr)
            elif key == "vaccine":
                values[key] = vaccine_name(value, tr)
            else:
                values[key] = value
        return tr(self.msgid, **values)


@dataclass
class Dose:
    vaccine: str
    dose: int
    label: str  # primary / booster / single
    earliest: dt.date | None
    recommended_from: dt.date | None
    recommended_to: dt.date | None
    eligible_until: dt.date | None
    status: str
    reason: Reason
    proposed: dt.date | None = None  # catch-up planner (not yet given doses)
    given: dt.date | None = None
    live: bool = False
    injectable: bool = False
    alternative_to: str | None = None  # rota1/rota5 before a product is chosen
    routine: bool = True  # False: given outside the routine window (voluntary, 任意)

    def to_json(self, tr) -> dict:
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        return {
            "vaccine": self.vaccine,
            "dose": self.dose,
            "label": self.label,
            "earliest": iso(self.earliest),
            "recommended_from": iso(self.recommended_from),
            "recommended_to": iso(self.recommended_to),
            "eligible_until": iso(self.eligible_until),
            "status": self.status,
            "reason": self.reason.render(tr),
            "proposed": iso(self.proposed),
            "given": iso(self.given),
            "routine": self.routine,
            "alternative_to": self.alternative_to,
        }


# ---------------------------------------------------------------------------------- data
@cache
def schedule_data(path: str = str(DATA)) -> dict:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    data["by_id"] = {v["id"]: v for v in data["vaccines"]}
    return data


VACCINE_NAMES = {
    "hepb": N_("Hepatitis B"),
    "rota1": N_("Rotavirus (Rotarix, 2 doses)"),
    "rota5": N_("Rotavirus (RotaTeq, 3 doses)"),
    "dpt_ipv_hib": N_("DPT-IPV-Hib (5-in-1)"),
    "dpt_ipv": N_("DPT-IPV (4-in-1)"),
    "hib": N_("Hib"),
    "pcv": N_("Pneumococcal (PCV)"),
    "bcg": N_("BCG"),
    "mr1": N_("Measles-rubella (MR) stage 1"),
    "mr2": N_("Measles-rubella (MR) stage 2"),
    "var": N_("Varicella (chickenpox)"),
    "je1": N_("Japanese encephalitis stage 1"),
    "je2": N_("Japanese encephalitis stage 2"),
    "dt2": N_("Diphtheria-tetanus (DT) stage 2"),
    "hpv": N_("HPV"),
    "rsv": N_("RSV (maternal vaccination)"),
}


EXTENSION_REASONS = {
    "mr_fy2024_shortage": N_("MR vaccine shortage: the FY2024 cohorts may be vaccinated until 2027-03-31"),
    "je_1995_2007": N_(
        "Japanese encephalitis special measure (born 1995-04-02 to 2007-04-01): all doses until age 20"
    ),
    "je_2007_2009": N_(
        "Japanese encephalitis special measure (born 2007-04-02 to 2009-10-01): missing stage-1 "
        "doses at 9 to 12 years"
    ),
    "hpv_catch_up": N_("HPV catch-up vaccination (born 1997-04-02 to 2008-04-01) until 2025-03-31"),
    "hpv_catch_up_extension": N_(
        "HPV catch-up extension: after a first dose by 2025-03-31, the series may be "
        "finished until 2026-03-31"
    ),
    "long_term_illness": N_(
        "long-term illness special measure: eligible for 2 years from the day the illness ended"
    ),
}


def vaccine_name(vaccine_id: str, tr) -> str:
    return tr(VACCINE_NAMES[vaccine_id]) if vaccine_id in VACCINE_NAMES else vaccine_id


def vaccine_ids() -> list[str]:
    return [v["id"] for v in schedule_data()["vaccines"]]


def _is_live_injectable(v: dict) -> bool:
    return v["kind"] == "live" and v["route"] == "injection"


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split()).replace("-", "")


def product_code(v: dict, text: str | None) -> str | None:
    """The schedule's product code for what the user wrote (a code or a brand name), or None."""
    if not text:
        return None
    wanted = _fold(text)
    for code, info in v.get("products", {}).items():
        if wanted == _fold(code) or any(wanted == _fold(a) for a in info.get("aliases", ())):
            return code
    return None


def _series_product(v: dict, history: list[Given]) -> str | None:
    """The product the series started with (the first recorded one), else the default product."""
    for g in history:
        code = product_code(v, g.product)
        if code:
            return code
    return v.get("product")


# ---------------------------------------------------------------------------------- windows
def _windows(
    v: dict, birth: dt.date, history: list[Given], sched: dict, illness_ended: dt.date | None = None
) -> list[tuple[dt.date, dt.date, str]]:
    """The vaccine's eligible windows for this child: (from, until, extension id or "")."""
    base_from = age_date(birth, v["eligible"]["from"])
    base_until = age_date(birth, v["eligible"]["until"])
    windows = [(base_from, base_until, "")]
    for ext in sched.get("extensions", ()):
        if v["id"] not in ext["vaccines"]:
            continue
        if "condition" in ext:  # 長期療養特例: from the day the illness ended, for N years
            if illness_ended is None or illness_ended <= base_until:
                continue  # shown only when the illness lasted past the regular window (the city judges)
            until = reached(illness_ended, 12 * ext["years_after"])
            if v["id"] in ext.get("age_caps", {}):
                until = min(until, age_date(birth, ext["age_caps"][v["id"]]))
            if until >= illness_ended:
                windows.append((illness_ended, until, ext["id"]))
            continue
        if "born_between" in ext:
            lo, hi = (dt.date.fromisoformat(x) for x in ext["born_between"])
            if not lo <= birth <= hi:
                continue
        if "regular_until_between" in ext:
            lo, hi = (dt.date.fromisoformat(x) for x in ext["regular_until_between"])
            if not lo <= base_until <= hi:
                continue
        if "requires_dose_by" in ext:
            by = dt.date.fromisoformat(ext["requires_dose_by"])
            if not any(g.vaccine == v["id"] and g.date <= by for g in history):
                continue
        if "until_date" in ext:
            windows.append((base_from, dt.date.fromisoformat(ext["until_date"]), ext["id"]))
        elif "until" in ext:
            windows.append((base_from, age_date(birth, ext["until"]), ext["id"]))
        else:
            w = ext["window"]
            windows.append((age_date(birth, w["from"]), age_date(birth, w["until"]), ext["id"]))
    return windows


def _first_in_windows(lower: dt.date, windows, cap: dt.date = FAR):
    """The first day >= lower inside a window (and <= cap): (day, window until, ext id) or None."""
    best = None
    for start, until, ext in windows:
        until = min(until, cap)
        day = max(lower, start)
        if day <= until and (best is None or day < best[0] or (day == best[0] and until > best[1])):
            best = (day, until, ext)
    return best


def _plan_for(
    v: dict, birth: dt.date, first: dt.date, product: str | None = None, plan_id: str | None = None
) -> dict:
    """The plan for a series started on ``first`` with ``product`` (plans by start age and product);
    ``plan_id``: a plan the series moved to (a dose came early, ``if_dose_early``)."""
    if plan_id:
        return next(p for p in v["plans"] if p["id"] == plan_id)
    plans = [p for p in v["plans"] if p.get("product", product) == product] or v["plans"]
    for p in plans:
        if "start_until" not in p or first <= age_date(birth, p["start_until"]):
            return p
    return plans[-1]


@dataclass
class _Spec:
    """What the rules say about the next dose of a series."""

    dose: int
    label: str
    lower: dt.date
    lower_reason: Reason
    cap: dt.date
    skip: Reason | None = None
    rec: tuple[dt.date | None, dt.date | None] = (None, None)
    rule: dict = field(default_factory=dict)


def _age_reason(birth: dt.date, spec: dict, day: dt.date) -> Reason:
    if "months" in spec:
        return Reason(N_("{n} months old (the day before the {n}-month anniversary)"), {"n": spec["months"]})
    if "days" in spec:
        if spec["days"] == 0:
            return Reason(N_("from birth"))
        weeks, days = divmod(spec["days"], 7)
        return Reason(N_("{weeks} weeks {days} days after birth"), {"weeks": weeks, "days": days})
    if "school_year" in spec:
        return Reason(N_("school year from {date}"), {"date": day})
    return Reason(N_("from {date}"), {"date": day})


def _interval_reason(rule: dict, prev_dose: int, prev: dt.date, day: dt.date) -> Reason:
    if "days" in rule:
        return Reason(
            N_("at least {n} days after dose {dose} ({prev})"),
            {"n": rule["days"], "dose": prev_dose, "prev": prev},
        )
    return Reason(
        N_("at least {n} months after dose {dose} ({prev})"),
        {"n": rule["months"], "dose": prev_dose, "prev": prev},
    )


def _next_spec(
    v: dict,
    birth: dt.date,
    dates: dict[int, dt.date],
    order: list[int],
    first: dt.date | None,
    fixed_of,
    product: str | None = None,
    plan_id: str | None = None,
) -> _Spec | None:
    """The next dose after ``order`` (dose numbers given/planned/skipped, ``dates`` their days)."""
    if first is None:  # dose 1: every plan starts the same way
        rule = v["plans"][0]["doses"][0]
    else:
        plan = _plan_for(v, birth, first, product, plan_id)
        done = set(order)
        remaining = [d for d in plan["doses"] if d["dose"] not in done]
        if not remaining:
            return None
        rule = remaining[0]
    start_spec = rule.get("from", v["eligible"]["from"])
    lower = age_date(birth, start_spec)
    reason = _age_reason(birth, start_spec, lower)
    previous = [d for d in order if d in dates]
    for after in rule.get("after", ()):
        k = previous[-1] if after["dose"] == "previous" else after["dose"]
        if k not in dates:
            continue
        day = interval_date(dates[k], after)
        if day > lower:
            lower, reason = day, _interval_reason(after, k, dates[k], day)
    for after in rule.get("after_vaccine", ()):
        other = fixed_of(after["vaccine"])
        if other:
            day = interval_date(other[-1], after)
            if day > lower:
                lower, reason = day, _interval_reason(after, len(other), other[-1], day)
    cap = age_date(birth, rule["until"]) if "until" in rule else FAR
    spec = _Spec(rule["dose"], rule.get("label", "primary"), lower, reason, cap, rule=rule)
    skip_if = rule.get("skip_if_after")
    if skip_if and skip_if["dose"] in dates and dates[skip_if["dose"]] > age_date(birth, skip_if["age"]):
        spec.skip = Reason(
            N_("not needed: dose {dose} was given after {n} months"),
            {"dose": skip_if["dose"], "n": skip_if["age"].get("months")},
        )
    rec_from = rec_to = None
    if "rec" in rule:
        rec_from = age_date(birth, rule["rec"]["from"])
        rec_to = age_date(birth, rule["rec"]["to"])
    if "rec_after" in rule:
        ra = rule["rec_after"]
        k = previous[-1] if ra["dose"] == "previous" else ra["dose"]
        if k in dates:
            from core.handbook.dates import add_months

            base = dates[k]
            if "from_months" in ra:
                rec_from = max(rec_from or base, add_months(base, ra["from_months"])[0])
            if "to_days" in ra:
                rec_to = base + dt.timedelta(days=ra["to_days"])
            if "to_months" in ra:
                rec_to = add_months(base, ra["to_months"])[0]
    spec.rec = (rec_from, rec_to)
    return spec


# ---------------------------------------------------------------------------------- validation
def parse_given(text: str) -> Given:
    """``VACCINE:DOSE:YYYY-MM-DD[:PRODUCT]`` (the CLI's --given)."""
    parts = text.split(":")
    if len(parts) not in (3, 4):
        raise ScheduleError(f"--given {text!r}: expected VACCINE:DOSE:YYYY-MM-DD")
    vaccine, dose, day = parts[:3]
    if vaccine not in schedule_data()["by_id"]:
        raise ScheduleError(
            f"--given {text!r}: unknown vaccine {vaccine!r} (known: {', '.join(vaccine_ids())})"
        )
    try:
        n = int(dose)
    except ValueError:
        raise ScheduleError(f"--given {text!r}: dose {dose!r} is not a number") from None
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise ScheduleError(f"--given {text!r}: {day!r} is not a date (YYYY-MM-DD)") from None
    return Given(vaccine, n, date, parts[3] if len(parts) == 4 else None, source=text)


def _series_key(v: dict) -> str:
    return v["group"]


def validate(birth: dt.date, given: list[Given], *, on: dt.date | None = None) -> None:
    """Raise ``ScheduleError`` naming the first record that cannot be accepted."""
    sched = schedule_data()
    by_id = sched["by_id"]
    seen: dict[tuple[str, int], Given] = {}
    for g in given:
        if g.vaccine not in by_id:
            raise ScheduleError(f"{g.label()}: unknown vaccine {g.vaccine!r}", g)
        if g.date < birth:
            raise ScheduleError(
                f"{g.label()}: the dose is dated before the birth ({birth.isoformat()})",
                g,
                Reason(N_("the dose is dated before the birth ({date})"), {"date": birth}),
            )
        if on is not None and g.date > on:
            raise ScheduleError(
                f"{g.label()}: the dose is dated in the future (today is {on.isoformat()})",
                g,
                Reason(N_("the dose is dated in the future")),
            )
        if g.dose < 1:
            raise ScheduleError(f"{g.label()}: dose numbers start at 1", g)
        key = (_series_key(by_id[g.vaccine]), g.dose)
        if key in seen:
            raise ScheduleError(
                f"{g.label()}: dose {g.dose} is recorded twice (also {seen[key].label()})",
                g,
                Reason(
                    N_("dose {dose} is already recorded ({date})"), {"dose": g.dose, "date": seen[key].date}
                ),
            )
        seen[key] = g
    # one product per series
    for group in {_series_key(by_id[g.vaccine]) for g in given}:
        doses = sorted((g for g in given if _series_key(by_id[g.vaccine]) == group), key=lambda g: g.dose)
        for a, b in zip(doses, doses[1:], strict=False):
            if a.vaccine != b.vaccine and by_id[a.vaccine].get("switch_to") != b.vaccine:
                raise ScheduleError(
                    f"{b.label()}: {a.vaccine} and {b.vaccine} cannot be mixed; finish the series with {a.vaccine}",
                    b,
                    Reason(
                        N_("products cannot be mixed: finish the series with {vaccine}"),
                        {"vaccine": a.vaccine},
                    ),
                )
        known = None  # the product of the latest dose that names a known one
        for b in doses:
            v = by_id[b.vaccine]
            code = product_code(v, b.product)
            if code is None:
                continue
            if known and code != known and code not in v["products"][known].get("may_switch_to", ()):
                raise ScheduleError(
                    f"{b.label()}: a series started with {known} cannot continue with {code}",
                    b,
                    Reason(
                        N_("a series started with {first} cannot continue with {second}"),
                        {"first": known, "second": code},
                    ),
                )
            known = code
        for a, b in zip(doses, doses[1:], strict=False):
            if b.date < a.date:
                raise ScheduleError(
                    f"{b.label()}: dated before dose {a.dose} ({a.date.isoformat()})",
                    b,
                    Reason(N_("dated before dose {dose} ({date})"), {"dose": a.dose, "date": a.date}),
                )
    # each dose against the rules, in date order (earlier doses decide the later ones)
    result = _evaluate(
        birth, given, on=None, sex=None, conditions=frozenset(), strict=True, illness_ended=None
    )
    del result


# ---------------------------------------------------------------------------------- planning
def plan(
    birth: dt.date,
    given: list[Given],
    on: dt.date,
    *,
    sex: str | None = None,
    conditions: frozenset[str] | set[str] = frozenset(),
    illness_ended: dt.date | None = None,
) -> list[Dose]:
    """Every dose of every routine vaccine for this child (see module docstring); ``illness_ended``:
    the day a long illness that kept the child from routine doses ended (長期療養特例)."""
    validate(birth, given, on=on)
    return _evaluate(
        birth,
        given,
        on=on,
        sex=sex,
        conditions=frozenset(conditions),
        strict=False,
        illness_ended=illness_ended,
    )


def _evaluate(birth, given, *, on, sex, conditions, strict, illness_ended) -> list[Dose]:
    sched = schedule_data()
    by_id = sched["by_id"]
    live_gap = sched["live_injectable_interval_days"]
    given_by_group: dict[str, list[Given]] = {}
    for g in sorted(given, key=lambda g: (g.date, g.dose)):
        given_by_group.setdefault(_series_key(by_id[g.vaccine]), []).append(g)

    # which vaccines make up the plan: one per group (rota: both products until one is given)
    series: list[dict] = []
    for v in sched["vaccines"]:
        history = given_by_group.get(_series_key(v), [])
        if history:
            chosen = by_id[history[-1].vaccine]
            if chosen.get("legacy") and chosen.get("switch_to"):
                chosen = by_id[chosen["switch_to"]]  # off the market: the series goes on with the successor
            if chosen["id"] != v["id"]:
                continue
        elif v.get("legacy"):
            continue
        if v.get("sex") and sex is not None and sex != v["sex"]:
            continue
        series.append(v)

    live_days: list[tuple[dt.date, str]] = []  # injectable live doses: given and proposed
    for g in given:
        if _is_live_injectable(by_id[g.vaccine]):
            live_days.append((g.date, g.vaccine))

    out: list[Dose] = []
    states = []
    fixed: dict[str, list[dt.date]] = {}

    def fixed_of(vid):
        return fixed.get(vid, [])

    for v in series:
        group = _series_key(v)
        history = [g for g in given_by_group.get(group, [])]
        states.append(
            {
                "v": v,
                "history": history,
                "dates": {},
                "order": [],
                "first": None,
                "ended": None,
                "windows": _windows(v, birth, given, sched, illness_ended),
                "product": _series_product(v, history),
                "plan_id": None,
            }
        )
    # 1) the doses already given, checked against the rules in date order
    for st in sorted(states, key=lambda s: s["history"][0].date if s["history"] else FAR):
        v = st["v"]
        for g in st["history"]:
            spec = _next_spec(
                v, birth, st["dates"], st["order"], st["first"], fixed_of, st["product"], st["plan_id"]
            )
            while spec is not None and spec.dose < g.dose and (spec.skip or spec.rule.get("skip_when_late")):
                st["order"].append(spec.dose)  # a dose legitimately skipped before this one
                spec = _next_spec(
                    v, birth, st["dates"], st["order"], st["first"], fixed_of, st["product"], st["plan_id"]
                )
            if spec is None or spec.dose != g.dose:
                expected = spec.dose if spec else None
                raise ScheduleError(
                    f"{g.label()}: expected dose {expected} of {g.vaccine} next"
                    if expected
                    else f"{g.label()}: the {g.vaccine} series is already complete",
                    g,
                    Reason(N_("record dose {dose} first"), {"dose": expected})
                    if expected
                    else Reason(N_("the series is already complete")),
                )
            live_lower, live_why = dt.date.min, None
            for day, other in live_days:
                if (
                    other != g.vaccine
                    and day < g.date
                    and _is_live_injectable(v)
                    and g.date - day <= dt.timedelta(days=live_gap)
                    and day + dt.timedelta(days=live_gap + 1) > live_lower
                ):
                    live_lower = day + dt.timedelta(days=live_gap + 1)
                    live_why = Reason(
                        N_("27 days after {vaccine} ({prev}) (injectable live vaccines)"),
                        {"vaccine": other, "prev": day},
                    )
            if g.date < spec.lower and st["first"] is not None:
                # a plan may go on as another one when a dose came early (HPV 9価: dose 2 before
                # 5 months -> the 3-dose schedule), if the dose keeps that plan's rules
                alt = _plan_for(v, birth, st["first"], st["product"], st["plan_id"]).get("if_dose_early")
                other = alt and _next_spec(
                    v, birth, st["dates"], st["order"], st["first"], fixed_of, st["product"], alt
                )
                if other and other.dose == g.dose and other.lower <= g.date:
                    st["plan_id"], spec = alt, other
            lower, why = spec.lower, spec.lower_reason
            if live_lower > lower:
                lower, why = live_lower, live_why
            if g.date < lower:
                raise ScheduleError(
                    f"{g.label()}: given before its earliest legal date {lower.isoformat()} "
                    f"({why.render(_english())})",
                    g,
                    Reason(N_("before the earliest legal date {date}: {why}"), {"date": lower, "why": why}),
                )
            hit = _first_in_windows(g.date, st["windows"], spec.cap)
            routine = hit is not None and hit[0] == g.date
            if st["first"] is None:
                st["first"] = g.date
            st["dates"][g.dose] = g.date
            st["order"].append(g.dose)
            fixed.setdefault(v["id"], []).append(g.date)
            if not strict:
                out.append(
                    Dose(
                        g.vaccine,
                        g.dose,
                        spec.label,
                        lower,
                        None,
                        None,
                        hit[1] if hit else None,
                        "done",
                        Reason(N_("given on {date}"), {"date": g.date})
                        if routine
                        else Reason(
                            N_("given on {date}, outside the routine window (voluntary)"), {"date": g.date}
                        ),
                        given=g.date,
                        routine=routine,
                        live=v["kind"] == "live",
                        injectable=v["route"] == "injection",
                    )
                )
    if strict:
        return out

    # 2) the catch-up planner: repeatedly fix the series whose next dose comes first
    excluded = {v["id"] for v in series if set(v.get("exclusions", ())) & conditions}
    rota_choice = not given_by_group.get("rota")
    pending = []
    for st in states:
        v = st["v"]
        if v["id"] in excluded:
            for rule in v["plans"][0]["doses"]:
                out.append(
                    Dose(
                        v["id"],
                        rule["dose"],
                        rule.get("label", "primary"),
                        None,
                        None,
                        None,
                        None,
                        "ineligible",
                        Reason(N_("not routine for this child (a recorded condition)")),
                    )
                )
            continue
        if v.get("born_from") and birth < dt.date.fromisoformat(v["born_from"]):
            for rule in v["plans"][0]["doses"]:
                if rule["dose"] not in st["dates"]:
                    out.append(
                        Dose(
                            v["id"],
                            rule["dose"],
                            rule.get("label", "primary"),
                            None,
                            None,
                            None,
                            None,
                            "ineligible",
                            Reason(
                                N_("routine only for children born on or after {date}"),
                                {"date": dt.date.fromisoformat(v["born_from"])},
                            ),
                        )
                    )
            continue
        pending.append(st)

    def candidate(st):
        spec = _next_spec(
            st["v"], birth, st["dates"], st["order"], st["first"], fixed_of, st["product"], st["plan_id"]
        )
        if spec is None:
            return None
        if spec.skip is not None:
            return (FAR, spec, None, spec.skip, None)
        lower, why = spec.lower, spec.lower_reason
        earliest = _first_in_windows(lower, st["windows"], spec.cap)
        day = max(lower, on)
        if day > lower:
            why = Reason(N_("as soon as possible (possible since {date})"), {"date": lower})
        if spec.rec[0] and spec.rec[0] > day and (spec.rec[1] is None or on <= spec.rec[1]):
            day = spec.rec[0]  # not yet recommended: plan it at the start of the recommended period
            why = Reason(
                N_("start of the recommended period (possible from {legal}: {why})"),
                {"legal": lower, "why": spec.lower_reason},
            )
        hit = _first_in_windows(day, st["windows"], spec.cap)
        v = st["v"]
        if hit and _is_live_injectable(v):
            for _ in range(20):
                moved = False
                for other_day, other in live_days:
                    if other == v["id"] or other_day == hit[0]:
                        continue
                    gap = (hit[0] - other_day).days
                    if 0 < gap <= live_gap:
                        day = other_day + dt.timedelta(days=live_gap + 1)
                        why = Reason(
                            N_("27 days after {vaccine} ({prev}) (injectable live vaccines)"),
                            {"vaccine": other, "prev": other_day},
                        )
                        moved = True
                    elif 0 < -gap <= live_gap:
                        day = other_day  # the same day as the other live vaccine (simultaneous)
                        why = Reason(
                            N_("together with {vaccine} on {date} (simultaneous vaccination)"),
                            {"vaccine": other, "date": day},
                        )
                        moved = True
                    if moved:
                        hit = _first_in_windows(day, st["windows"], spec.cap)
                        break
                if not moved or hit is None:
                    break
        if hit is None:
            return (FAR, spec, None, why, earliest)
        if hit[0] > day:
            why = Reason(N_("from {date}"), {"date": hit[0]})
        return (hit[0], spec, hit, why, earliest)

    cands = {id(st): candidate(st) for st in pending}
    while True:
        live = [(c[0], i, st) for i, st in enumerate(pending) if (c := cands[id(st)]) is not None]
        if not live:
            break
        _, _, st = min(live, key=lambda x: (x[0], x[1]))
        day, spec, hit, why, earliest = cands[id(st)]
        v = st["v"]
        base = dict(
            live=v["kind"] == "live",
            injectable=v["route"] == "injection",
            alternative_to=("rota5" if v["id"] == "rota1" else "rota1")
            if rota_choice and v["group"] == "rota"
            else None,
        )
        if spec.skip is not None:
            out.append(
                Dose(v["id"], spec.dose, spec.label, None, None, None, None, "ineligible", spec.skip, **base)
            )
            st["order"].append(spec.dose)
            cands[id(st)] = candidate(st)
            continue
        if hit is None:
            if spec.rule.get("skip_when_late"):
                out.append(
                    Dose(
                        v["id"],
                        spec.dose,
                        spec.label,
                        None,
                        None,
                        None,
                        spec.cap,
                        "ineligible",
                        Reason(N_("no longer given after {date}; the next dose follows"), {"date": spec.cap}),
                        **base,
                    )
                )
                st["order"].append(spec.dose)
                cands[id(st)] = candidate(st)
                continue
            until = max(w[1] for w in st["windows"])
            out.append(
                Dose(
                    v["id"],
                    spec.dose,
                    spec.label,
                    earliest[0] if earliest else spec.lower,
                    None,
                    None,
                    until,
                    "ineligible",
                    Reason(
                        N_("the routine period ended on {date} (voluntary vaccination is possible)"),
                        {"date": until},
                    )
                    if on > until
                    else Reason(
                        N_("cannot be given within the routine period (until {date})"), {"date": until}
                    ),
                    **base,
                )
            )
            # the rest of the series cannot be routine either
            plan_ = _plan_for(v, birth, st["first"] or on, st["product"], st["plan_id"])
            for rule in plan_["doses"]:
                if rule["dose"] > spec.dose:
                    out.append(
                        Dose(
                            v["id"],
                            rule["dose"],
                            rule.get("label", "primary"),
                            None,
                            None,
                            None,
                            until,
                            "ineligible",
                            Reason(N_("follows dose {dose}, which cannot be routine"), {"dose": spec.dose}),
                            **base,
                        )
                    )
            cands[id(st)] = None
            continue
        legal = earliest[0] if earliest else day
        until = hit[1]
        rec_from = max(spec.rec[0] or legal, legal)
        rec_to = min(spec.rec[1] or until, until)
        rec_to = max(rec_to, rec_from)
        if on < max(legal, rec_from):
            status = "upcoming"
            reason = Reason(N_("from {date}: {why}"), {"date": day, "why": why})
        elif on <= rec_to:
            status = "due"
            reason = Reason(N_("due now, recommended until {date}: {why}"), {"date": rec_to, "why": why})
        else:
            status = "overdue"
            reason = Reason(
                N_("the recommended period ended on {date}; free until {until}: {why}"),
                {"date": rec_to, "until": until, "why": why},
            )
        if hit[2]:
            ext = next(e for e in schedule_data()["extensions"] if e["id"] == hit[2])
            reason = Reason(
                N_("{reason} ({extension})"),
                {"reason": reason, "extension": Reason(EXTENSION_REASONS[ext["id"]])},
            )
        out.append(
            Dose(
                v["id"],
                spec.dose,
                spec.label,
                legal,
                rec_from,
                rec_to,
                until,
                status,
                reason,
                proposed=day,
                **base,
            )
        )
        if st["first"] is None:
            st["first"] = day
        st["dates"][spec.dose] = day
        st["order"].append(spec.dose)
        fixed.setdefault(v["id"], []).append(day)
        cands[id(st)] = candidate(st)
        if _is_live_injectable(v):
            live_days.append((day, v["id"]))
            for other in pending:
                if other is not st and _is_live_injectable(other["v"]) and cands[id(other)] is not None:
                    cands[id(other)] = candidate(other)
        for other in pending:  # vaccines whose rules look at this one (je2 after je1)
            if (
                other is not st
                and cands[id(other)] is not None
                and any(
                    a.get("vaccine") == v["id"]
                    for r in other["v"]["plans"]
                    for d in r["doses"]
                    for a in d.get("after_vaccine", ())
                )
            ):
                cands[id(other)] = candidate(other)
    for (
        d
    ) in out:  # every date field is a date (the CLI contract): the vaccine's own window where none applies
        v = by_id[d.vaccine]
        start, until = age_date(birth, v["eligible"]["from"]), age_date(birth, v["eligible"]["until"])
        d.earliest = d.earliest or start
        d.eligible_until = d.eligible_until or max(until, d.earliest)
        d.recommended_from = d.recommended_from or d.earliest
        d.recommended_to = d.recommended_to or max(d.eligible_until, d.recommended_from)
    order = {vid: i for i, vid in enumerate(vaccine_ids())}
    out.sort(key=lambda d: (order[d.vaccine], d.dose))
    return out


@cache
def _english():
    from core.i18n import Translator

    return Translator("en")


def next_due(doses: list[Dose]) -> Dose | None:
    """The dose to go for next: the earliest proposed date among due/overdue/upcoming doses."""
    open_ = [d for d in doses if d.status in ("due", "overdue", "upcoming") and d.proposed]
    return min(open_, key=lambda d: (d.proposed, d.status != "due"), default=None)


# ---------------------------------------------------------------------------------- maternal
@dataclass
class MaternalDose:
    """A vaccine given to the pregnant woman (RSV 母子免疫): a pregnancy record, not a child dose."""

    vaccine: str
    earliest: dt.date
    eligible_until: dt.date
    status: str
    reason: Reason
    given: dt.date | None = None
    routine: bool = True


def gestation_day(due_date: dt.date, weeks: int, days: int = 0) -> dt.date:
    """The day of pregnancy week ``weeks`` + ``days`` for a due date (the due date is 40 weeks 0 days)."""
    return due_date - dt.timedelta(days=280 - (7 * weeks + days))


def maternal_plan(*, due_date: dt.date, given: dict[str, dt.date], on: dt.date) -> list[MaternalDose]:
    """Each maternal vaccine of the schedule for one pregnancy: its window (in weeks of pregnancy,
    from the due date), the status and the reason; ``given``: vaccine id -> the day it was given."""
    out = []
    for m in schedule_data().get("maternal", ()):
        g = m["gestation"]
        start = gestation_day(due_date, g["from"]["weeks"], g["from"]["days"])
        until = gestation_day(due_date, g["until"]["weeks"], g["until"]["days"])
        routine_from = dt.date.fromisoformat(m["routine_from"])
        earliest = max(start, routine_from)
        day = given.get(m["id"])
        if day is not None:
            routine = earliest <= day <= until
            reason = (
                Reason(N_("given on {date}"), {"date": day})
                if routine
                else Reason(N_("given on {date}, outside the routine window (voluntary)"), {"date": day})
            )
            out.append(MaternalDose(m["id"], earliest, until, "done", reason, day, routine))
        elif until < routine_from:
            out.append(
                MaternalDose(
                    m["id"],
                    start,
                    until,
                    "ineligible",
                    Reason(N_("routine only from {date}"), {"date": routine_from}),
                    routine=False,
                )
            )
        elif on < earliest:
            weeks = (
                Reason(N_("{weeks} weeks {days} days of pregnancy"), dict(g["from"]))
                if earliest == start
                else Reason(N_("routine only from {date}"), {"date": routine_from})
            )
            reason = Reason(N_("from {date}: {why}"), {"date": earliest, "why": weeks})
            out.append(MaternalDose(m["id"], earliest, until, "upcoming", reason))
        elif on <= until:
            why = Reason(N_("{weeks} weeks {days} days of pregnancy"), dict(g["until"]))
            reason = Reason(N_("due now, recommended until {date}: {why}"), {"date": until, "why": why})
            out.append(MaternalDose(m["id"], earliest, until, "due", reason))
        else:
            reason = Reason(
                N_("the routine period ended on {date} (voluntary vaccination is possible)"), {"date": until}
            )
            out.append(MaternalDose(m["id"], earliest, until, "ineligible", reason, routine=False))
    return out
