"""The arithmetic calendar engine answers exactly as the day-walking reference did (issue 13).

``calendar_reference`` is the implementation the engine replaced.  Hypothesis compares the two
on every city the tests hold -- the bundled assets, the test town, and every 5374 sample under
tests/fixtures/garbage imported -- over random ranges, areas and category policies, and on
random rule sets (weekly, nth weekday, every other week, listed dates, month filters, ``;``
parts, overlapping or touching closures, any service weekdays).  It also checks that the
engine's caches follow edits of the city data and never answer with stale days.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.garbage import calendar as cal
from core.garbage.importers import import_5374
from core.garbage.model import Area, Category, CityGarbage
from core.garbage.rules import (
    Closure,
    Closures,
    Dates,
    EveryOtherWeek,
    NthWeekday,
    Schedule,
    Weekly,
    parse_cell,
)
from tests.core import calendar_reference as ref

REPO = Path(__file__).resolve().parents[2]
D = dt.date
POLICIES = [(c, h) for c in ("skip", "move") for h in ("collect", "skip", "move")]


def _load_json(path: Path) -> CityGarbage:
    return CityGarbage.from_json(json.loads(path.read_text("utf-8")))


def _cities() -> dict[str, CityGarbage]:
    out = {}
    for path in sorted((REPO / "assets" / "cities").glob("*/garbage.json")):
        out[f"assets/{path.parent.name}"] = _load_json(path)
    for path in sorted((REPO / "tests" / "fixtures" / "cities").glob("*/garbage.json")):
        out[f"fixtures/cities/{path.parent.name}"] = _load_json(path)
    for folder in sorted((REPO / "tests" / "fixtures" / "garbage").iterdir()):
        if (folder / "area_days.csv").is_file():
            garbage, _ = import_5374(folder, folder.name, lenient=True)  # iga-2014 has unreadable cells
            out[f"fixtures/garbage/{folder.name}"] = garbage
    return out


CITIES = _cities()


def test_every_city_the_tests_hold_is_compared():
    # A sample folder that stops importing would silently leave the comparison: name them all.
    assert set(CITIES) >= {
        "assets/matsusaka",
        "fixtures/cities/testtown",
        "fixtures/garbage/matsusaka-2014",
        "fixtures/garbage/iga-2014",
        "fixtures/garbage/kyotango-2023",
        "fixtures/garbage/nara-2016",
    }
    assert all(g.areas for g in CITIES.values())


def _as_rows(days: dict) -> list:
    return [(day, [(c.date, c.category, c.moved_from) for c in cs]) for day, cs in days.items()]


def _outcome(fn, *args):
    """The answer, or the kind of error: both implementations must fail alike."""
    try:
        return fn(*args)
    except (ValueError, OverflowError) as exc:
        return type(exc)


def assert_same(city: CityGarbage, area: Area, start: dt.date, end: dt.date) -> None:
    got = _outcome(cal.collections, city, area, start, end)
    want = _outcome(ref.collections, city, area, start, end)
    if isinstance(want, type):
        assert got is want
        return
    assert _as_rows(got) == _as_rows(want)
    assert list(got) == sorted(got)
    assert cal.collection_days(city, area, start, end) == {
        day: tuple(c.category.id for c in cs) for day, cs in want.items()
    }
    for category in city.categories:
        want_one = ref.category_collections(city, area, category, start, end)
        got_one = cal.category_collections(city, area, category, start, end)
        assert [(c.date, c.category, c.moved_from) for c in got_one] == [
            (c.date, c.category, c.moved_from) for c in want_one
        ]
        assert cal.category_days(city, area, category, start, end) == [c.date for c in want_one]


def assert_same_next(city: CityGarbage, area: Area, on: dt.date) -> None:
    assert _outcome(cal.next_dates, city, area, on) == _outcome(ref.next_dates, city, area, on)


ranges = st.tuples(st.dates(min_value=D(2013, 1, 1), max_value=D(2028, 12, 31)), st.integers(-3, 400))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(CITIES)), st.data(), ranges)
def test_same_days_as_the_reference_on_every_city(name, data, span):
    city = CITIES[name]
    start, length = span
    for area in data.draw(st.lists(st.sampled_from(city.areas), min_size=1, max_size=4, unique_by=id)):
        assert_same(city, area, start, start + dt.timedelta(days=length))
        assert_same_next(city, area, start)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(CITIES)), st.data(), ranges)
def test_same_days_as_the_reference_under_every_policy(name, data, span):
    """The real data mostly says skip/collect: every policy and service week runs on it too."""
    base = CITIES[name]
    categories = [
        dataclasses.replace(
            c, **dict(zip(("on_closure", "on_holiday"), data.draw(st.sampled_from(POLICIES)), strict=True))
        )
        for c in base.categories
    ]
    service = data.draw(st.frozensets(st.integers(0, 6), min_size=1))
    city = dataclasses.replace(base, categories=categories, service_weekdays=service)
    start, length = span
    area = data.draw(st.sampled_from(city.areas))
    assert_same(city, area, start, start + dt.timedelta(days=length))
    assert_same_next(city, area, start)


# ------------------------------------------------------------------ random rule sets

days = st.dates(min_value=D(2019, 1, 1), max_value=D(2022, 12, 31))
months = st.none() | st.frozensets(st.integers(1, 12), min_size=1)
rules = st.one_of(
    st.builds(Weekly, st.integers(0, 6)),
    st.builds(NthWeekday, st.integers(0, 6), st.integers(1, 5)),
    st.builds(EveryOtherWeek, days),
    # Listed dates as a file may hold them: unsorted, repeated.
    st.builds(Dates, st.lists(days, min_size=1, max_size=12).map(tuple)),
)


def _schedule(depth: int = 1):
    base = st.builds(Schedule, st.lists(rules, max_size=3).map(tuple), months)
    if depth == 0:
        return base
    with_parts = st.builds(
        lambda own, parts: dataclasses.replace(own, parts=tuple(parts)),
        base,
        st.lists(_schedule(0), min_size=1, max_size=3),
    )
    return base | with_parts


schedules = _schedule()


@st.composite
def closures(draw, near: dt.date) -> Closures:
    periods = []
    for _ in range(draw(st.integers(0, 6))):
        # Anywhere, or just before the queried range: a collection that a long closure moves
        # into the range from up to 45 days before it is the engine's look-back case.
        start = draw(days | st.integers(-130, 10).map(lambda k: near + dt.timedelta(days=k)))
        # Mostly short runs, sometimes touching or overlapping, now and then a long one (or an
        # empty, reversed period, which closes nothing).
        length = draw(st.integers(-2, 10) | st.integers(11, 120))
        periods.append(Closure(start, start + dt.timedelta(days=length)))
    return Closures(periods)


@st.composite
def cities(draw, near: dt.date) -> CityGarbage:
    categories = [
        Category(f"c{i}", f"種類{i}", "#000000", on_closure=p[0], on_holiday=p[1])
        for i, p in enumerate(draw(st.lists(st.sampled_from(POLICIES), min_size=1, max_size=3)))
    ]
    centers = {f"centre{i}": draw(closures(near)) for i in range(draw(st.integers(0, 2)))}
    areas = []
    for i in range(draw(st.integers(1, 3))):
        chosen = draw(st.lists(st.sampled_from(categories), unique_by=lambda c: c.id))
        areas.append(
            Area(
                f"a{i}",
                f"地区{i}",
                draw(st.sampled_from([*centers, "nowhere"])),
                {c.id: draw(schedules) for c in chosen},
            )
        )
    service = draw(st.frozensets(st.integers(0, 6), max_size=7))  # empty: no move can land
    return CityGarbage("random", categories, areas, centers, service_weekdays=service)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dates(min_value=D(2019, 6, 1), max_value=D(2022, 6, 30)), st.integers(-3, 400), st.data())
def test_same_days_as_the_reference_on_random_rules(start, length, data):
    city = data.draw(cities(start))
    for area in city.areas:
        assert_same(city, area, start, start + dt.timedelta(days=length))
        assert_same_next(city, area, start)


def test_the_look_back_for_moves_is_the_references_to_the_day():
    """A closure that began 40-50 days before the range moves collections into it from as far
    back as the reference looked (45 days), and no further."""
    start = D(2020, 6, 1)
    for policy in POLICIES:
        category = Category("c", "種類", "#000000", on_closure=policy[0], on_holiday=policy[1])
        for weekday in range(7):
            for back in range(38, 52):
                closure = Closure(start - dt.timedelta(days=back), start + dt.timedelta(days=2))
                city = CityGarbage(
                    "t",
                    [category],
                    [Area("a", "町", "k", {"c": Schedule((Weekly(weekday),))})],
                    {"k": Closures([closure])},
                )
                assert_same(city, city.areas[0], start, start + dt.timedelta(days=10))


@settings(max_examples=200, deadline=None)
@given(schedules, days, st.integers(-3, 800))
def test_schedule_dates_by_arithmetic(schedule, start, length):
    end = start + dt.timedelta(days=length)
    assert schedule.dates(start, end) == ref.schedule_dates(schedule, start, end)


# ------------------------------------------------------------------ caches follow the data


def test_identical_rule_sets_share_one_computation():
    city = CITIES["assets/matsusaka"]
    cal.clear_cache(city)
    start, end = D(2014, 4, 1), D(2015, 3, 31)
    answers = [cal.collections(city, a, start, end) for a in city.areas]
    distinct = {tuple(a.schedules.get(c.id) for c in city.categories) for a in city.areas}
    assert len(distinct) < len(city.areas)
    by_rules: dict = {}
    for area, days in zip(city.areas, answers, strict=True):
        rules_key = tuple(area.schedules.get(c.id) for c in city.categories)
        first = by_rules.setdefault(rules_key, days)
        assert days == first
        # Each caller gets its own dict; the immutable day tuples are shared.
        assert days is not first or days is answers[city.areas.index(area)]
        assert all(days[d] is first[d] for d in days)


def test_each_caller_owns_its_dict():
    city = CITIES["fixtures/cities/testtown"]
    area = city.areas[1]
    days = cal.collections(city, area, D(2026, 3, 1), D(2026, 3, 31))
    days.clear()
    assert cal.collections(city, area, D(2026, 3, 1), D(2026, 3, 31))


def test_edits_of_the_city_data_are_never_answered_from_the_cache(make_5374):
    g, _ = import_5374(
        make_5374(
            "地名,センター,燃えるごみ,燃えないごみ,資源物\n東町,東センター,月 木,水2,\n",
            center="名称,休止開始日,休止終了日\n東センター,2014/12/29,2015/01/03\n",
        ),
        "t",
    )
    area = g.areas[0]
    start, end = D(2014, 12, 1), D(2015, 2, 28)

    def same() -> None:
        assert_same(g, area, start, end)
        assert_same_next(g, area, D(2014, 12, 28))

    same()
    g.categories = [dataclasses.replace(c, on_closure="move", on_holiday="move") for c in g.categories]
    same()
    g.centers["東センター"].periods.append(Closure(D(2015, 1, 5), D(2015, 1, 9)))
    same()
    area.schedules[g.categories[0].id] = parse_cell("火 金")
    same()
    g.service_weekdays = frozenset({0, 1, 2, 3, 4})
    same()
    area.schedules.pop(g.categories[1].id)
    same()


def test_a_queried_city_still_copies_and_pickles_and_its_cache_goes_with_it():
    import copy
    import gc
    import pickle

    city = _load_json(REPO / "tests" / "fixtures" / "cities" / "testtown" / "garbage.json")
    span = (D(2026, 1, 1), D(2026, 12, 31))
    want = _as_rows(cal.collections(city, city.areas[1], *span))
    for other in (copy.deepcopy(city), pickle.loads(pickle.dumps(city))):
        assert _as_rows(cal.collections(other, other.areas[1], *span)) == want
    stores = len(cal._STORES)
    del city, other
    gc.collect()
    assert len(cal._STORES) < stores
