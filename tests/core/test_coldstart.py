"""`machi` starts fast (issue 13): the light read-only garbage commands are answered by cli/fast.py
without typer, rich, pydantic or any server/UI framework, with exactly the output of the typer app
(stdout, stderr, exit code); everything else is declined before a byte is written."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import fast
from cli.main import app

ROOT = Path(__file__).resolve().parents[2]
NEXT = ["garbage", "next", "--area", "阿坂地区全自治会", "--on", "2014-05-05", "--json"]
ANSWER = {
    "nonburnable": "2014-05-12",
    "recyclable": "2014-05-08",
    "burnable": "2014-05-09",
    "bottles": "2014-05-14",
}
# Never imported to answer `machi garbage next`: the server and UI stacks, and the CLI framework.
HEAVY = ("fastapi", "sqlalchemy", "flet", "starlette", "httpx", "typer", "click", "rich", "pydantic")
# Never imported to build the typer app (registering commands), whatever command then runs.
NOT_AT_REGISTRATION = ("fastapi", "sqlalchemy", "flet", "pykakasi", "rapidfuzz", "asyncio", "httpx")


def typer_answer(argv: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, argv)
    return result.exit_code, result.stdout, result.stderr


def fast_answer(argv: list[str], capsys) -> tuple[int | None, str, str]:
    capsys.readouterr()
    code = fast.answer(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


LIGHT = [
    NEXT,
    ["garbage", "next", "--json", "--area=旭ヶ丘", "--on=2014-09-25"],  # a warning: 2014-10-01 is outside
    [
        "garbage",
        "next",
        "--area",
        "旭ヶ丘",
        "--json",
        "--lang",
        "xx",
    ],  # today (outside: warnings); --lang unused
    ["garbage", "next", "--area", " 旭ヶ丘 ", "--on", "2014-05-05", "--city", "matsusaka", "--json"],
    ["garbage", "areas", "--json"],
    ["garbage", "categories", "--json", "--lang", "pt-BR"],
    ["garbage", "categories", "--lang", "ja@easy", "--json"],
    [
        "garbage",
        "calendar",
        "--area",
        "旭ヶ丘",
        "--from",
        "2014-05-01",
        "--to",
        "2014-05-31",
        "--lang",
        "en",
        "--json",
    ],
    ["garbage", "calendar", "--json", "--area", "旭ヶ丘", "--from", "2014-09-20", "--to", "2014-10-05"],
    ["garbage", "search", "petto", "--json", "--limit", "3"],
    ["garbage", "search", "--lang", "en", "battery", "--json"],
]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Tables of `garbage next` go to a fresh cache directory, not the user's."""
    monkeypatch.setenv("MACHI_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.parametrize("argv", LIGHT, ids=lambda a: " ".join(a))
def test_light_commands_answer_exactly_as_the_typer_app(argv, capsys):
    answered = fast_answer(argv, capsys)
    assert answered[0] == 0, "the fast path declined a light command"
    assert answered == typer_answer(argv)
    if argv[1] == "next":  # again: from the table the first answer kept
        assert fast._next_from_table(fast._parse(argv)[1]) is not None
    assert fast_answer(argv, capsys) == answered


DECLINED = [
    ["--help"],
    ["garbage", "next", "--help"],
    ["garbage", "next", "--area", "旭ヶ丘", "--on", "2014-05-05"],  # a table, not JSON
    ["garbage", "next", "--area", "nowhere", "--json"],  # exit 2, the typer app's message
    ["garbage", "next", "--area", "旭ヶ丘", "--on", "2014-13-01", "--json"],
    ["garbage", "next", "--area", "旭ヶ丘", "--on", "", "--json"],
    ["garbage", "next", "--area", "旭ヶ丘", "--on", "--json"],
    ["garbage", "next", "--area", "旭ヶ丘", "--area", "旭ヶ丘", "--json"],
    ["garbage", "next", "--area", "旭ヶ丘", "--json", "--json"],
    ["garbage", "next", "--area", "旭ヶ丘", "--city", "no_such", "--json"],
    ["garbage", "next", "--area", "旭ヶ丘", "--city", "nosuch", "--json"],
    ["garbage", "next", "--area", "旭ヶ丘", "--colour", "--json"],
    ["garbage", "next", "--on", "2014-05-05", "--json"],  # --area missing
    ["garbage", "categories", "--lang", "klingon", "--json"],
    ["garbage", "calendar", "--area", "旭ヶ丘", "--from", "2014-05-02", "--to", "2014-05-01", "--json"],
    ["garbage", "calendar", "--area", "旭ヶ丘", "--from", "2000-01-01", "--to", "2014-05-01", "--json"],
    ["garbage", "search", "petto", "--json", "--limit", "0"],
    ["garbage", "search", "petto", "--json", "--limit", "201"],
    ["garbage", "search", "\u3000", "--json"],
    ["garbage", "search", "a", "b", "--json"],
    ["garbage", "ics", "--area", "旭ヶ丘"],
    ["garbage"],
    ["i18n", "check"],
]


@pytest.mark.parametrize("argv", DECLINED, ids=lambda a: " ".join(a) or "(none)")
def test_anything_else_is_declined_before_writing(argv, capsys):
    assert fast_answer(argv, capsys) == (None, "", "")


def test_unreadable_schedules_are_told_the_same_way(tmp_path, shared_garbage, capsys):
    imported = typer_answer(
        ["garbage", "import", "--format", "5374", str(shared_garbage / "iga-2014"), "--city", "iga"]
        + ["--data-dir", str(tmp_path), "--lenient"]
    )
    assert imported[0] == 0
    area = json.loads((tmp_path / "cities" / "iga" / "garbage.json").read_text("utf-8"))["areas"][0]["id"]
    common = ["--city", "iga", "--data-dir", str(tmp_path), "--area", area, "--json"]
    for argv in (
        ["garbage", "next", *common, "--on", "2014-10-01"],
        ["garbage", "calendar", *common, "--from", "2014-10-01", "--to", "2014-10-31"],
    ):
        answered = fast_answer(argv, capsys)
        assert answered[0] == 0 and "could not be read" in answered[2]
        assert answered == typer_answer(argv)


def test_the_switch_turns_the_fast_path_off(monkeypatch, capsys):
    monkeypatch.setenv("MACHI_CLI_FAST", "0")
    assert fast_answer(NEXT, capsys) == (None, "", "")


def _imported(args: list[str], env: dict | None = None) -> tuple[set[str], subprocess.CompletedProcess]:
    """Modules a fresh interpreter imported (``-X importtime``) to run ``args``: their top-level
    packages and their full names."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    full = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    names = {n.split(".")[0] for n in full} | full
    assert "os" in names or "encodings" in names, proc.stderr[-2000:]  # the -X importtime output was read
    return names, proc


def test_garbage_next_imports_no_framework(tmp_path):
    cache = {"MACHI_CACHE_DIR": str(tmp_path)}
    names, proc = _imported(["-m", "cli.main", *NEXT], cache)  # the engine answers, keeps the table
    assert proc.returncode == 0 and json.loads(proc.stdout) == ANSWER
    assert "core.garbage.calendar" in names
    assert not names & set(HEAVY), sorted(names & set(HEAVY))
    assert list(tmp_path.glob("next-matsusaka-2014-*.marshal"))
    names, proc = _imported(["-m", "cli.main", *NEXT], cache)  # the table answers
    assert proc.returncode == 0 and json.loads(proc.stdout) == ANSWER and proc.stderr.count("|") > 10
    assert not names & {*HEAVY, "holidays", "dataclasses", "core.garbage.model", "core.city"}, sorted(names)


def test_the_typer_path_gives_the_same_answer():
    """The same command line with the fast path off (the reference) imports typer and answers alike."""
    names, proc = _imported(["-m", "cli.main", *NEXT], {"MACHI_CLI_FAST": "0"})
    assert proc.returncode == 0 and json.loads(proc.stdout) == ANSWER
    assert "typer" in names


# ------------------------------------------------------------------ the next-date table


def _both(city, area, day: dt.date, data_dir=None):
    """(table answer or None, engine answer) of ``garbage next`` for one area and day."""
    from core.garbage import service

    opts = {"--city": city.slug, "--area": area.name, "--on": day.isoformat()}
    if data_dir is not None:
        opts["--data-dir"] = str(data_dir)
    table = fast._next_from_table(opts)
    nexts = service.next_dates(city, area, day)
    days = [day, *(dt.date.fromisoformat(v) for v in nexts.values() if v)]
    texts = [str(w) for w in service.validity_warnings(city, *dict.fromkeys(days))]
    return table, (nexts, texts, True)


def test_the_table_answers_as_the_engine_on_every_area_and_day(cache):
    from core.city import load_city

    city = load_city("matsusaka")
    for year in (2014, 2026):
        fast._write_table(city, dt.date(year, 6, 1))
    answered = 0
    days = [dt.date(2014, 1, 1) + dt.timedelta(days=n) for n in range(0, 366, 5)]
    days += [dt.date(2014, 9, 30), dt.date(2014, 10, 1), dt.date(2014, 12, 31), dt.date(2026, 11, 30)]
    for area in city.garbage.areas[::7]:
        for day in days:
            table, engine = _both(city, area, day)
            if table is not None:
                answered += 1
                assert table == engine, (area.name, day)
    assert answered > 0.95 * len(city.garbage.areas[::7]) * len(days)


@pytest.mark.parametrize("folder", ["nara-2016", "kyotango-2023", "iga-2014"])
def test_the_table_answers_as_the_engine_in_other_cities(folder, cache, tmp_path, shared_garbage):
    from core.city import load_city

    code, _, err = typer_answer(
        ["garbage", "import", "--format", "5374", str(shared_garbage / folder), "--city", "c"]
        + ["--data-dir", str(tmp_path), "--lenient"]
    )
    assert code == 0, err
    city = load_city("c", tmp_path)
    start = city.garbage.validity.start or dt.date(2020, 1, 1)
    fast._write_table(city, start)
    if not any(cache.glob("next-c-*.marshal")):
        pytest.skip(f"{folder}: a holiday or closure moves collection days, the engine answers")
    answered = 0
    for area in city.garbage.areas[::5]:
        for n in range(0, 366, 9):
            table, engine = _both(city, area, start + dt.timedelta(days=n), tmp_path)
            assert table is None or table == engine, (area.name, n)
            answered += table is not None
    assert answered > 0


def test_a_changed_data_file_is_not_answered_from_an_old_table(cache, tmp_path, capsys):
    shutil.copytree(ROOT / "assets" / "cities" / "matsusaka", tmp_path / "cities" / "matsusaka")
    argv = [*NEXT, "--data-dir", str(tmp_path)]
    assert fast_answer(argv, capsys)[0] == 0  # the engine answers and keeps a table
    opts = fast._parse(argv)[1]
    assert fast._next_from_table(opts) is not None
    garbage = tmp_path / "cities" / "matsusaka" / "garbage.json"
    data = json.loads(garbage.read_text("utf-8"))
    data["areas"] = [a for a in data["areas"] if a["name"] != "阿坂地区全自治会"]
    garbage.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    assert fast._next_from_table(opts) is None
    assert fast_answer(argv, capsys) == (None, "", "")  # no such area any more: the typer app tells


def test_the_table_follows_the_engine_and_the_city_loader(tmp_path, monkeypatch):
    from core.city import DEFAULT_CITY, CityNotFound, find_city_dir
    from core.garbage import calendar as cal

    assert fast._HORIZON == cal.NEXT_HORIZON.days and fast._NONE_BEYOND > cal.NEXT_HORIZON.days + 92
    assert fast.DEFAULT_CITY == DEFAULT_CITY
    (tmp_path / "d" / "cities" / "x").mkdir(parents=True)
    (tmp_path / "d" / "cities" / "x" / "garbage.json").write_text("{}")
    for env in ({}, {"MACHI_DATA_DIR": str(tmp_path / "d")}, {"XDG_DATA_HOME": str(tmp_path)}):
        for key in ("MACHI_DATA_DIR", "XDG_DATA_HOME"):
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        for slug, data_dir in (("matsusaka", None), ("x", None), ("x", tmp_path / "d"), ("nosuch", None)):
            try:
                expected = str(find_city_dir(slug, data_dir))
            except CityNotFound:
                expected = None
            assert fast._city_dir(slug, None if data_dir is None else str(data_dir)) == expected


def test_registering_the_commands_imports_no_server_ui_or_search_stack():
    code = (
        "import sys; from cli.main import build_app; build_app(); data = sys.modules.get('babel.localedata'); "
        "print(sorted(data._cache) if data else [])"
    )
    names, proc = _imported(["-c", code])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "typer" in names
    assert not names & set(NOT_AT_REGISTRATION), sorted(names & set(NOT_AT_REGISTRATION))
    assert proc.stdout.strip() == "[]"  # no Babel locale data loaded


def test_console_script_answers_and_helps():
    exe = Path(sys.executable).parent / "machi"
    out = subprocess.run([str(exe), *NEXT], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ANSWER and out.stderr == ""
    helped = subprocess.run(
        [str(exe), "garbage", "next", "--help"], capture_output=True, text=True, check=True
    )
    assert "--area" in helped.stdout and "--json" in helped.stdout
