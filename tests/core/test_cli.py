"""The `machi garbage` CLI contract: exact JSON shapes, errors and exit codes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def run(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def run_json(*args: str):
    return json.loads(run(*args, "--json").stdout)


def test_areas_shape():
    areas = run_json("garbage", "areas", "--city", "matsusaka")
    assert len(areas) == 198
    assert all(
        set(a) == {"id", "name", "center"} and all(isinstance(v, str) for v in a.values()) for a in areas
    )
    assert {"id": areas[2]["id"], "name": "旭ヶ丘", "center": "旧松阪市"} == areas[2]


def test_area_by_id_or_name():
    areas = run_json("garbage", "areas")
    by_id = run_json("garbage", "next", "--area", areas[2]["id"], "--on", "2014-05-05")
    by_name = run_json("garbage", "next", "--area", "  旭ヶ丘 ", "--on", "2014-05-05")
    assert (
        by_id
        == by_name
        == {
            "nonburnable": "2014-05-07",
            "recyclable": "2014-05-27",
            "burnable": "2014-05-08",
            "bottles": "2014-05-23",
        }
    )


def test_calendar_shape_and_order():
    days = run_json(
        "garbage",
        "calendar",
        "--area",
        "旭ヶ丘",
        "--from",
        "2014-05-01",
        "--to",
        "2014-05-31",
        "--lang",
        "pt-BR",
    )
    assert [d["date"] for d in days] == sorted(d["date"] for d in days)
    assert days[0] == {"date": "2014-05-01", "categories": [{"id": "burnable", "name": "Lixo queimável"}]}
    assert all(d["categories"] for d in days)


def test_categories_shape():
    cats = run_json("garbage", "categories", "--lang", "en")
    assert cats == [
        {"id": "nonburnable", "name": "Non-burnable garbage", "color": "#733b96"},
        {"id": "recyclable", "name": "Recyclables", "color": "#77ae1f"},
        {"id": "burnable", "name": "Burnable garbage", "color": "#ea3b13"},
        {"id": "bottles", "name": "Empty bottles (glass)", "color": "#2dc7aa"},
    ]


def test_search_shape():
    hits = run_json("garbage", "search", "petto", "--limit", "3")
    assert len(hits) == 3 and all(set(h) == {"name", "category", "notice"} for h in hits)
    assert hits[0]["name"] == "ペットボトル" and hits[0]["category"] == "資源物"


def test_ics_output_parses():
    result = run("garbage", "ics", "--area", "旭ヶ丘", "--lang", "en", "--remind", "-1d 19:00")
    cal = Calendar.from_ical(result.stdout_bytes)
    events = cal.walk("VEVENT")
    assert len(events) > 50 and all(e.walk("VALARM") for e in events)


def test_outside_validity_warns_but_answers():
    result = run("garbage", "next", "--area", "旭ヶ丘", "--on", "2026-11-26", "--json")
    assert "outside the period" in result.stderr and "2014-02-01" in result.stderr
    assert json.loads(result.stdout)["burnable"] == "2026-11-26"  # a Thursday
    inside = run("garbage", "next", "--area", "旭ヶ丘", "--on", "2014-05-05", "--json")
    assert "outside" not in inside.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["garbage", "next", "--area", "どこにもない町"], "no area 'どこにもない町'"),
        (["garbage", "next", "--area", "旭ヶ丘", "--on", "2014-13-01"], "--on: '2014-13-01' is not a date"),
        (["garbage", "areas", "--city", "atlantis"], "no city 'atlantis'"),
        (["garbage", "categories", "--lang", "xx"], "unknown language 'xx'"),
        (
            ["garbage", "calendar", "--area", "旭ヶ丘", "--from", "2014-05-02", "--to", "2014-05-01"],
            "is before",
        ),
        (["garbage", "ics", "--area", "旭ヶ丘", "--remind", "soon"], "--remind: bad reminder 'soon'"),
    ],
)
def test_bad_input_is_named(args, message):
    result = run(*args, code=2)
    assert message in result.stderr


def test_import_then_use_with_data_dir(tmp_path, shared_garbage):
    imported = run(
        "garbage",
        "import",
        "--format",
        "5374",
        str(shared_garbage / "kyotango-2023"),
        "--city",
        "kyotango",
        "--data-dir",
        str(tmp_path),
    )
    # Kyotango's areas name no centre, so its closures apply to none of them: said, not hidden.
    assert "a blank centre is not in center.csv: no closure applies to its areas" in imported.stderr
    areas = run_json("garbage", "areas", "--city", "kyotango", "--data-dir", str(tmp_path))
    assert len(areas) == 169
    days = run_json(
        "garbage",
        "calendar",
        "--city",
        "kyotango",
        "--data-dir",
        str(tmp_path),
        "--area",
        areas[0]["name"],
        "--from",
        "2025-12-25",
        "--to",
        "2026-01-08",
    )
    assert [d["date"] for d in days][:3] == ["2025-12-25", "2025-12-29", "2026-01-01"]  # 可燃ごみ Mon/Thu
    run(
        "garbage",
        "import",
        "--format",
        "odgarbage",
        str(shared_garbage / "tsu-2024" / "original.csv"),
        "--city",
        "kyotango",
        "--data-dir",
        str(tmp_path),
    )
    hits = run_json("garbage", "search", "reizouko", "--city", "kyotango", "--data-dir", str(tmp_path))
    assert hits[0]["name"].startswith("冷蔵庫")
    assert len(run_json("garbage", "areas", "--city", "kyotango", "--data-dir", str(tmp_path))) == 169


def test_failed_import_writes_nothing_and_keeps_old_data(tmp_path, shared_garbage):
    run(
        "garbage",
        "import",
        "--format",
        "5374",
        str(shared_garbage / "matsusaka-2014"),
        "--city",
        "m",
        "--data-dir",
        str(tmp_path),
    )
    stored = tmp_path / "cities" / "m" / "garbage.json"
    before = stored.read_bytes()
    result = run(
        "garbage",
        "import",
        "--format",
        "5374",
        str(shared_garbage / "iga-2014"),
        "--city",
        "m",
        "--data-dir",
        str(tmp_path),
        code=2,
    )
    assert re.search(r"area_days\.csv:2:5: bad date '201411021'", result.stderr)
    assert "nothing was written" in result.stderr
    assert stored.read_bytes() == before
    assert sorted(p.name for p in stored.parent.iterdir()) == ["city.json", "garbage.json"]  # no temp files


def test_bundled_matsusaka_equals_a_fresh_import(tmp_path):
    """assets/cities/matsusaka/garbage.json is derived data: it must not drift from its source."""
    root = Path(__file__).resolve().parents[2] / "assets" / "cities" / "matsusaka"
    shutil.copy(root / "city.json", tmp_path / "city.json")
    (tmp_path / "cities" / "matsusaka").mkdir(parents=True)
    shutil.copy(root / "city.json", tmp_path / "cities" / "matsusaka" / "city.json")
    run(
        "garbage",
        "import",
        "--format",
        "5374",
        str(root / "garbage" / "source-5374"),
        "--city",
        "matsusaka",
        "--data-dir",
        str(tmp_path),
    )
    fresh = json.loads((tmp_path / "cities" / "matsusaka" / "garbage.json").read_text("utf-8"))
    assert fresh == json.loads((root / "garbage.json").read_text("utf-8"))


def test_console_command_is_installed():
    exe = Path(sys.executable).parent / "machi"
    out = subprocess.run(
        [str(exe), "garbage", "search", "petto", "--json", "--limit", "1"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout)[0]["category"] == "資源物"


# ------------------------------------------------------------------ issue #8


def test_import_lenient_records_and_every_front_end_tells(tmp_path, shared_garbage):
    strict = run(
        "garbage",
        "import",
        "--format",
        "5374",
        str(shared_garbage / "iga-2014"),
        "--city",
        "iga",
        "--data-dir",
        str(tmp_path),
        code=2,
    )
    assert [line for line in strict.stderr.splitlines() if line.startswith("area_days.csv:")] == [
        f"area_days.csv:{row}:5: bad date '201411021' (expected YYYYMMDD) in 容器包装プラスチック"
        for row in (2, 3, 4, 5)
    ]
    assert not (tmp_path / "cities" / "iga").exists()
    lenient = run(
        "garbage",
        "import",
        "--format",
        "5374",
        str(shared_garbage / "iga-2014"),
        "--city",
        "iga",
        "--data-dir",
        str(tmp_path),
        "--lenient",
    )
    assert "warning: skipped area_days.csv:2:5: bad date '201411021'" in lenient.stderr
    stored = json.loads((tmp_path / "cities" / "iga" / "garbage.json").read_text("utf-8"))
    area = stored["areas"][0]
    assert area["unreadable"] == {
        "youkihousoupurasuchikku": "area_days.csv:2:5: bad date '201411021' (expected YYYYMMDD) in 容器包装プラスチック"
    }
    common = ["--city", "iga", "--data-dir", str(tmp_path), "--area", area["id"]]
    nexts = run("garbage", "next", *common, "--on", "2014-10-01", "--json")
    assert json.loads(nexts.stdout)["youkihousoupurasuchikku"] is None  # the contract shape is kept
    told = "the 容器包装プラスチック (youkihousoupurasuchikku) schedule of 上野A(小田町 城北 北平野) could not be read"
    assert told in nexts.stderr and "warning" in nexts.stderr
    assert told in run("garbage", "next", *common, "--on", "2014-10-01").stderr
    assert told in run("garbage", "calendar", *common, "--from", "2014-10-01", "--to", "2014-10-31").stderr
    assert told in run("garbage", "ics", *common).stderr
    other = stored["areas"][5]
    assert (
        "could not be read"
        not in run(
            "garbage",
            "next",
            "--city",
            "iga",
            "--data-dir",
            str(tmp_path),
            "--area",
            other["id"],
            "--on",
            "2014-10-01",
        ).stderr
    )


def test_import_valid_from_to_override_the_derived_period(tmp_path, shared_garbage):
    result = run(
        "garbage",
        "import",
        "--format",
        "5374",
        str(shared_garbage / "nara-2016"),
        "--city",
        "nara",
        "--data-dir",
        str(tmp_path),
        "--lenient",
        "--valid-to",
        "2017-03-31",
    )
    assert "date 2099-12-31 (372 cell(s)) is more than a year away" in result.stderr
    assert "valid 2016-06-01 – 2017-03-31" in result.stderr
    stored = json.loads((tmp_path / "cities" / "nara" / "garbage.json").read_text("utf-8"))
    assert stored["validity"] == {"from": "2016-06-01", "to": "2017-03-31"}
    run(
        "garbage",
        "import",
        "--format",
        "5374",
        str(shared_garbage / "nara-2016"),
        "--city",
        "nara",
        "--data-dir",
        str(tmp_path),
        "--lenient",
        "--valid-from",
        "2016-04-01",
    )
    stored = json.loads((tmp_path / "cities" / "nara" / "garbage.json").read_text("utf-8"))
    assert stored["validity"] == {"from": "2016-04-01", "to": "2016-09-30"}
    bad = run(
        "garbage",
        "import",
        "--format",
        "5374",
        str(shared_garbage / "nara-2016"),
        "--city",
        "nara",
        "--data-dir",
        str(tmp_path),
        "--valid-from",
        "2016-04-01",
        "--valid-to",
        "2016-03-01",
        code=2,
    )
    assert "--valid-to 2016-03-01 is before --valid-from 2016-04-01" in bad.stderr


@pytest.mark.parametrize("slug", ["../x", "a/b", "x y", "..", "町"])
def test_city_must_be_a_slug(tmp_path, shared_garbage, slug):
    data = tmp_path / "data"
    result = run(
        "garbage",
        "import",
        "--format",
        "5374",
        str(shared_garbage / "kyotango-2023"),
        "--city",
        slug,
        "--data-dir",
        str(data),
        code=2,
    )
    assert "is not a city slug (letters, digits and '-' only)" in result.stderr
    assert list(tmp_path.iterdir()) == []
    assert "is not a city slug" in run("garbage", "areas", "--city", slug, code=2).stderr


def test_odgarbage_without_a_usable_item_exits_2(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_text("品目,分別区分\n,燃えるごみ\n", encoding="utf-8")
    result = run(
        "garbage",
        "import",
        "--format",
        "odgarbage",
        str(p),
        "--city",
        "x",
        "--data-dir",
        str(tmp_path / "d"),
        code=2,
    )
    assert (
        "empty.csv:0:0: no usable item in 1 row(s)" in result.stderr
        and "nothing was written" in result.stderr
    )
    assert not (tmp_path / "d").exists()


def test_no_stray_blank_line_on_a_redirected_stderr(tmp_path, shared_garbage):
    exe = Path(sys.executable).parent / "machi"
    out = subprocess.run(
        [
            str(exe),
            "garbage",
            "import",
            "--format",
            "5374",
            str(shared_garbage / "kyotango-2023"),
            "--city",
            "k",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = out.stderr.splitlines()
    assert lines[0].startswith("warning: area_days.csv:2:2: a blank centre")
    assert "" not in lines and lines[-1].startswith("imported k into")


def test_next_warns_when_an_answer_lies_outside_the_period():
    # 2014-09-25 is inside the data (to 2014-09-30), but the next non-burnable day, 2014-10-01, is not.
    result = run("garbage", "next", "--area", "旭ヶ丘", "--on", "2014-09-25", "--json")
    assert json.loads(result.stdout)["nonburnable"] == "2014-10-01"
    assert "warning" in result.stderr and "2014-10-01 is outside the period" in result.stderr
    assert "2014-09-25 is outside" not in result.stderr
    inside = run("garbage", "next", "--area", "旭ヶ丘", "--on", "2014-09-01", "--json")
    assert all(v is None or v <= "2014-09-30" for v in json.loads(inside.stdout).values())
    assert "warning" not in inside.stderr
    calendar = run(
        "garbage", "calendar", "--area", "旭ヶ丘", "--from", "2014-09-20", "--to", "2014-10-05", "--json"
    )
    assert "warning" in calendar.stderr and "2014-10-05 is outside the period" in calendar.stderr


@pytest.mark.parametrize("query", ["", "   ", "\u3000"])
def test_blank_search_exits_2(query):
    result = run("garbage", "search", query, code=2)
    assert "the search query is empty" in result.stderr


def test_today_is_the_city_date_not_the_host_date():
    """Without --on, 'next' counts from today in Matsusaka (Asia/Tokyo), whatever the host's zone is."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    exe = Path(sys.executable).parent / "machi"
    before = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date()
    # A host zone whose date differs from Tokyo's right now: UTC-12 unless Tokyo is past 21:00, then UTC+14.
    host = "Etc/GMT+12" if dt.datetime.now(ZoneInfo("Etc/GMT+12")).date() != before else "Etc/GMT-14"
    assert dt.datetime.now(ZoneInfo(host)).date() != before
    out = subprocess.run(
        [str(exe), "garbage", "next", "--area", "旭ヶ丘", "--json"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TZ": host},
    )
    after = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date()
    # The data (2014) never covers today, so the warning names the day the command counted from.
    assert any(f"{day} is outside the period" in out.stderr for day in (before, after)), out.stderr


def test_help_is_plain_text():
    texts = [run("--help").stdout, run("garbage", "--help").stdout, run("garbage", "import", "--help").stdout]
    texts += [run(name, "--help").stdout for name in ("up", "app", "serve", "deliver")]
    for text in texts:
        assert "``" not in text and ":class:" not in text, text
    assert "--lenient" in texts[2] and "--valid-from" in texts[2]


def test_project_licence_is_an_spdx_expression():
    import tomllib

    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["license"] == "MPL-2.0"  # PEP 639: a string, not a table
    assert project["license-files"] == ["LICENSE"]
    assert (root / "LICENSE").read_text("utf-8").startswith("Mozilla Public License Version 2.0")
