"""The planner's calendar cache follows the city data, not the city's name (issue 13).

Before, ``_collections`` was cached by (slug, area, dates): after ``machi city publish`` or an
import rewrote garbage.json, the planner kept reminding the old days for up to a day.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from backend.delivery import planner
from tests.backend.conftest import TESTTOWN, TESTTOWN_NORTH

JST = dt.timezone(dt.timedelta(hours=9))


def _days() -> list[dt.date]:
    start = dt.datetime(2026, 3, 1, tzinfo=JST).astimezone(dt.UTC)
    occurrences = planner.garbage_occurrences(
        TESTTOWN,
        TESTTOWN_NORTH,
        "Asia/Tokyo",
        "19:00",
        -1,
        ("burnable",),
        None,
        start,
        start + dt.timedelta(days=14),
        dt.timedelta(hours=3),
    )
    return [o.day for o in occurrences]


def test_new_city_data_is_planned_at_once():
    before = _days()
    assert before and {d.weekday() for d in before} == {0, 3}  # 北町: burnable Monday and Thursday
    path = Path(os.environ["MACHI_DATA_DIR"]) / "cities" / TESTTOWN / "garbage.json"
    data = json.loads(path.read_text("utf-8"))
    area = next(a for a in data["areas"] if a["id"] == TESTTOWN_NORTH)
    area["schedules"]["burnable"] = {"rules": [{"weekly": 1}]}  # now Tuesday only
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later version
    after = _days()
    assert after and {d.weekday() for d in after} == {1}
