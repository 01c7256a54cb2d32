"""Closures (every row counts), skip vs move, holidays, and the Matsusaka data itself."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.city import load_city
from core.garbage import calendar as cal
from core.garbage.importers import import_5374
from core.garbage.service import calendar as calendar_rows
from core.garbage.service import find_area, next_dates

D = dt.date

YEAR_END = (
    "名称,休止開始日,休止終了日\n"
    "東センター,2014/12/29,2015/01/03\n"
    "東センター,2015/05/04,2015/05/06\n"  # a second closure of the same centre
    "西センター,2014/12/31,2015/01/01\n"
)


def city_with(make_5374, area_days: str, closure: str = "skip", center: str = YEAR_END):
    garbage, _ = import_5374(make_5374(area_days, center=center), "test", closure=closure)
    return garbage


def dates(garbage, area_name: str, category_label: str, start: dt.date, end: dt.date) -> list[dt.date]:
    area = next(a for a in garbage.areas if a.name == area_name)
    cat = next(c for c in garbage.categories if c.label == category_label)
    return [c.date for c in cal.category_collections(garbage, area, cat, start, end)]


AREAS = "地名,センター,燃えるごみ,燃えないごみ,資源物\n東町,東センター,月 木,水2,\n西町,西センター,月 木,,\n"


def test_every_closure_row_of_a_centre_counts(make_5374):
    g = city_with(make_5374, AREAS)
    # Both closures of 東センター apply (5374 kept only the last row of a centre).
    assert dates(g, "東町", "燃えるごみ", D(2014, 12, 25), D(2015, 1, 8)) == [
        D(2014, 12, 25),
        D(2015, 1, 5),
        D(2015, 1, 8),
    ]
    assert dates(g, "東町", "燃えるごみ", D(2015, 5, 1), D(2015, 5, 8)) == [D(2015, 5, 7)]
    # The other centre has its own, shorter closure: Jan 1 (Thu) is closed, Dec 29 is not.
    assert dates(g, "西町", "燃えるごみ", D(2014, 12, 25), D(2015, 1, 8)) == [
        D(2014, 12, 25),
        D(2014, 12, 29),
        D(2015, 1, 5),
        D(2015, 1, 8),
    ]


def test_move_puts_the_collection_on_the_first_service_day_after_the_closure(make_5374):
    g = city_with(make_5374, AREAS, closure="move")
    # Dec 29 (Mon) and Jan 1 (Thu) are closed; Sat Jan 3 is still closed and Sunday is no
    # service day, so both land on Mon Jan 5 -- already a collection day: one collection, not three.
    got = dates(g, "東町", "燃えるごみ", D(2014, 12, 25), D(2015, 1, 8))
    assert got == [D(2014, 12, 25), D(2015, 1, 5), D(2015, 1, 8)]
    jan5 = cal.collections(g, g.areas[0], D(2014, 12, 25), D(2015, 1, 8))[D(2015, 1, 5)]
    assert [c.moved_from for c in jan5] == [D(2014, 12, 29)]
    # 1st Wednesday of May 2015 (May 6) is inside the second closure: moved to Thu May 7.
    g2 = city_with(
        make_5374, "地名,センター,燃えるごみ,燃えないごみ,資源物\n東町,東センター,,水1,\n", closure="move"
    )
    assert dates(g2, "東町", "燃えないごみ", D(2015, 4, 1), D(2015, 5, 31)) == [D(2015, 4, 1), D(2015, 5, 7)]


def test_skip_drops_the_same_collection_that_move_moves(make_5374):
    skip = city_with(make_5374, "地名,センター,燃えるごみ,燃えないごみ,資源物\n東町,東センター,,水1,\n")
    assert dates(skip, "東町", "燃えないごみ", D(2015, 4, 1), D(2015, 5, 31)) == [D(2015, 4, 1)]


def test_a_move_into_the_queried_range_from_before_it_is_found(make_5374):
    g = city_with(
        make_5374, "地名,センター,燃えるごみ,燃えないごみ,資源物\n東町,東センター,,水1,\n", closure="move"
    )
    # May 6 (closed) moves to May 7: a query starting May 7 must still see it.
    assert dates(g, "東町", "燃えないごみ", D(2015, 5, 7), D(2015, 5, 7)) == [D(2015, 5, 7)]


def test_policy_is_per_category(make_5374):
    g = city_with(make_5374, AREAS)
    burnable = next(c for c in g.categories if c.label == "燃えるごみ")
    g.categories = [dataclasses.replace(c, on_closure="move") if c is burnable else c for c in g.categories]
    area = g.areas[0]
    days = cal.collections(g, area, D(2015, 5, 1), D(2015, 5, 8))
    # Burnable May 4 (closed) moves to May 7 (already a burnable day, so merged).
    assert [c.category.label for c in days[D(2015, 5, 7)]] == ["燃えるごみ"]
    assert D(2015, 5, 4) not in days


def test_holidays_collect_as_usual_unless_the_data_says_otherwise(make_5374):
    g = city_with(make_5374, AREAS, center="名称,休止開始日,休止終了日\n")
    # 2014-11-03 (文化の日) is a Monday: collected by default.
    assert cal.is_holiday(D(2014, 11, 3))
    assert D(2014, 11, 3) in dates(g, "東町", "燃えるごみ", D(2014, 11, 1), D(2014, 11, 7))
    g.categories = [dataclasses.replace(c, on_holiday="skip") for c in g.categories]
    assert dates(g, "東町", "燃えるごみ", D(2014, 11, 1), D(2014, 11, 7)) == [D(2014, 11, 6)]
    g.categories = [dataclasses.replace(c, on_holiday="move") for c in g.categories]
    assert dates(g, "東町", "燃えるごみ", D(2014, 11, 1), D(2014, 11, 7)) == [D(2014, 11, 4), D(2014, 11, 6)]


def test_next_dates_per_category(make_5374):
    g = city_with(make_5374, AREAS)
    area = g.areas[0]
    got = cal.next_dates(g, area, D(2014, 12, 26))
    ids = {c.label: c.id for c in g.categories}
    assert got[ids["燃えるごみ"]] == D(2015, 1, 5)
    assert got[ids["燃えないごみ"]] == D(2015, 1, 14)  # 2nd Wednesday of January
    assert got[ids["資源物"]] is None  # never collected in this area


# ------------------------------------------------------------------ Matsusaka data


@pytest.fixture(scope="module")
def matsusaka():
    return load_city("matsusaka")


def test_matsusaka_holiday_closure_skips_burnable_day(matsusaka):
    area = find_area(matsusaka, "旭ヶ丘")  # burnable Mon/Thu; 2014-05-05 and 05-06 are closed
    rows = calendar_rows(matsusaka, area, D(2014, 5, 1), D(2014, 5, 10), "ja")
    assert [(r["date"], [c["id"] for c in r["categories"]]) for r in rows] == [
        ("2014-05-01", ["burnable"]),
        ("2014-05-07", ["nonburnable"]),
        ("2014-05-08", ["burnable"]),
    ]
    assert next_dates(matsusaka, area, D(2014, 5, 5))["burnable"] == "2014-05-08"


def test_matsusaka_explicit_dates_end_with_the_data(matsusaka):
    area = find_area(matsusaka, " 朝日町１区 ")  # the name as the CSV wrote it, full-width digit and all
    assert next_dates(matsusaka, area, D(2014, 9, 12)) == {
        "nonburnable": "2014-09-17",
        "recyclable": None,  # the last listed date was 2014-09-11
        "burnable": "2014-09-12",
        "bottles": None,
    }


def test_policies_and_service_days_come_from_city_config(make_5374):
    week_closed = "名称,休止開始日,休止終了日\n東センター,2015/05/04,2015/05/08\n"  # Mon-Fri
    folder = make_5374(
        "地名,センター,燃えるごみ,燃えないごみ,資源物\n東町,東センター,,水1,\n", center=week_closed
    )
    g, _ = import_5374(folder, "t", closure="skip", policies={"燃えないごみ": {"on_closure": "move"}})
    assert [c.on_closure for c in g.categories] == ["skip", "move", "skip"]
    # Wed May 6 is closed: moved to the first service day after the closure, Sat May 9 ...
    assert dates(g, "東町", "燃えないごみ", D(2015, 5, 1), D(2015, 5, 31)) == [D(2015, 5, 9)]
    # ... or Mon May 11 where the city collects Monday to Friday only.
    g, _ = import_5374(
        folder, "t", policies={"燃えないごみ": {"on_closure": "move"}}, service_weekdays=[0, 1, 2, 3, 4]
    )
    assert dates(g, "東町", "燃えないごみ", D(2015, 5, 1), D(2015, 5, 31)) == [D(2015, 5, 11)]
    from core.csvread import ImportFailed

    with pytest.raises(ImportFailed, match="bad policy"):
        import_5374(folder, "t", policies={"燃えないごみ": {"on_closure": "later"}})
