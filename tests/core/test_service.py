"""core.garbage.service helpers the app uses: confirmed days, unreadable schedules, the city's today."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core.city import City, load_city
from core.garbage.importers import import_5374
from core.garbage.service import city_today, is_confirmed, unreadable_categories


def test_is_confirmed_follows_the_data_period():
    city = load_city("matsusaka")
    assert is_confirmed(city, dt.date(2014, 2, 1)) and is_confirmed(city, dt.date(2014, 9, 30))
    assert not is_confirmed(city, dt.date(2014, 10, 1)) and not is_confirmed(city, dt.date(2014, 1, 31))


def test_unreadable_categories_of_an_area(shared_garbage):
    garbage, _ = import_5374(shared_garbage / "iga-2014", "iga", lenient=True)
    city = City(slug="iga", path=Path("."), meta={}, garbage=garbage)
    first, sixth = garbage.areas[0], garbage.areas[5]
    assert unreadable_categories(city, first) == {
        "youkihousoupurasuchikku": "area_days.csv:2:5: bad date '201411021' (expected YYYYMMDD) in 容器包装プラスチック"
    }
    assert unreadable_categories(city, sixth) == {}


def test_city_today_is_the_date_in_the_city_time_zone():
    city = load_city("matsusaka")
    assert city.timezone == "Asia/Tokyo"
    late_utc = dt.datetime(2014, 5, 7, 20, 0, tzinfo=dt.UTC)  # 05:00 on 8 May in Japan
    assert city_today(city, late_utc) == dt.date(2014, 5, 8)
    assert city_today(city, dt.datetime(2014, 5, 7, 14, 59, tzinfo=dt.UTC)) == dt.date(2014, 5, 7)
