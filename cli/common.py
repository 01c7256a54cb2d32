"""What the typer commands of ``machi`` share: the consoles, ``fail``/``warn``, JSON output, the
common options and the argument checks (city slug, language, date).

Only the typer path imports this module (it imports typer and rich); the fast path of the light
read-only commands (``cli/fast.py``) writes the same output without it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from core.city import City, CityNotFound, load_city

out = Console()
err = Console(stderr=True)

CityOpt = Annotated[
    str, typer.Option("--city", help="City slug: letters, digits and '-' (a folder of data).")
]
DataDirOpt = Annotated[
    Path | None, typer.Option("--data-dir", help="Read (and import into) DIR/cities/<city> only.")
]
LangOpt = Annotated[
    str, typer.Option("--lang", help="Language: ja, ja@easy, en, pt_BR, vi, tl, zh_Hans, ko, es.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (the stable contract).")]
AreaOpt = Annotated[str, typer.Option("--area", help="Area id or name.")]


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


def emit_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


SLUG = re.compile(r"^[A-Za-z0-9-]+$")


def _slug(slug: str) -> str:
    if not SLUG.match(slug):
        fail(f"--city: {slug!r} is not a city slug (letters, digits and '-' only)")
    return slug


def _city(slug: str, data_dir: Path | None) -> City:
    _slug(slug)
    try:
        return load_city(slug, data_dir)
    except CityNotFound as exc:
        fail(str(exc))
    except (ValueError, KeyError) as exc:
        fail(f"city {slug!r} has unreadable garbage data: {exc}")


def _lang(lang: str) -> str:
    from core.i18n import UnknownLanguage, normalize_language

    try:
        return normalize_language(lang)
    except UnknownLanguage as exc:
        fail(str(exc))


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date (expected YYYY-MM-DD)")
