"""`machi` starts fast (issue 13): the light read-only garbage commands are answered by cli/fast.py
without typer, rich, pydantic or any server/UI framework, with exactly the output of the typer app
(stdout, stderr, exit code); everything else is declined before a byte is written."""

from __future__ import annotations

import json
import os
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


@pytest.mark.parametrize("argv", LIGHT, ids=lambda a: " ".join(a))
def test_light_commands_answer_exactly_as_the_typer_app(argv, capsys):
    answered = fast_answer(argv, capsys)
    assert answered[0] == 0, "the fast path declined a light command"
    assert answered == typer_answer(argv)


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
    """Top-level packages a fresh interpreter imported (``-X importtime``) to run ``args``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    names = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "json" in names, proc.stderr[-2000:]  # the -X importtime output was read
    return names, proc


def test_garbage_next_imports_no_framework():
    names, proc = _imported(["-m", "cli.main", *NEXT])
    assert proc.returncode == 0 and json.loads(proc.stdout) == ANSWER
    assert "core" in names
    assert not names & set(HEAVY), sorted(names & set(HEAVY))


def test_the_typer_path_gives_the_same_answer():
    """The same command line with the fast path off (the reference) imports typer and answers alike."""
    names, proc = _imported(["-m", "cli.main", *NEXT], {"MACHI_CLI_FAST": "0"})
    assert proc.returncode == 0 and json.loads(proc.stdout) == ANSWER
    assert "typer" in names


def test_registering_the_commands_imports_no_server_ui_or_search_stack():
    names, proc = _imported(["-c", "from cli.main import build_app; build_app()"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "typer" in names
    assert not names & set(NOT_AT_REGISTRATION), sorted(names & set(NOT_AT_REGISTRATION))


def test_console_script_answers_and_helps():
    exe = Path(sys.executable).parent / "machi"
    out = subprocess.run([str(exe), *NEXT], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ANSWER and out.stderr == ""
    helped = subprocess.run(
        [str(exe), "garbage", "next", "--help"], capture_output=True, text=True, check=True
    )
    assert "--area" in helped.stdout and "--json" in helped.stdout
