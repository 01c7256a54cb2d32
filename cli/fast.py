"""The fast path of ``machi``: the light read-only garbage commands with ``--json``, answered
without typer, click, rich or pydantic (issue 13: a cold ``machi garbage next`` within 60 ms of the
interpreter's own start; typer and its adapters alone took about 60 ms to import).

``answer(argv)`` returns an exit code when it answered, or None when the typer app must run.  It
answers only a command line it recognises exactly::

    machi garbage next --area A [--on D] [--city C] [--data-dir DIR] [--lang L] --json
    machi garbage areas [--city C] [--data-dir DIR] --json
    machi garbage categories [--city C] [--data-dir DIR] [--lang L] --json
    machi garbage calendar --area A --from D --to D [--city C] [--data-dir DIR] [--lang L] --json
    machi garbage search QUERY [--city C] [--data-dir DIR] [--lang L] [--limit N] --json

(options in any order, ``--opt VALUE`` or ``--opt=VALUE``, each at most once).  Anything else —
``--help``, a table instead of JSON, an unknown, repeated or empty option, a bad city, area, date
or language, any error — is declined before a byte is written, and the typer app then gives the
one reference answer (the same message and exit code as always).  Both paths call the same
``core.garbage.service`` functions; tests/core/test_coldstart.py runs every form through both and
compares stdout, stderr and the exit code.  ``MACHI_CLI_FAST=0`` turns the fast path off.
"""

from __future__ import annotations

import os
import sys

# Per command: the options that take a value, the flags, the options it requires, and whether
# it takes one positional argument.
_COMMON = ("--city", "--data-dir")
_COMMANDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "next": ((*_COMMON, "--area", "--on", "--lang"), ("--area",), False),
    "areas": (_COMMON, (), False),
    "categories": ((*_COMMON, "--lang"), (), False),
    "calendar": ((*_COMMON, "--area", "--from", "--to", "--lang"), ("--area", "--from", "--to"), False),
    "search": ((*_COMMON, "--lang", "--limit"), (), True),
}


class _Decline(Exception):
    """The typer app must answer this command line."""


def _parse(argv: list[str]) -> tuple[str, dict[str, str], str | None]:
    if len(argv) < 2 or argv[0] != "garbage" or argv[1] not in _COMMANDS:
        raise _Decline
    command = argv[1]
    valued, required, positional = _COMMANDS[command]
    opts: dict[str, str] = {}
    arg: str | None = None
    as_json = False
    tokens = iter(argv[2:])
    for token in tokens:
        if token == "--json" and not as_json:
            as_json = True
            continue
        if token.startswith("-"):
            name, eq, value = token.partition("=")
            if name not in valued or name in opts:
                raise _Decline
            if not eq:
                value = next(tokens, "")
                if value.startswith("-"):
                    raise _Decline
            if not value:
                raise _Decline
            opts[name] = value
        elif positional and arg is None:
            arg = token
        else:
            raise _Decline
    if not as_json or any(r not in opts for r in required) or (positional and arg is None):
        raise _Decline
    return command, opts, arg


def _city(opts: dict[str, str]):
    import re
    from pathlib import Path

    from core.city import DEFAULT_CITY, load_city

    slug = opts.get("--city", DEFAULT_CITY)
    if not re.match(r"^[A-Za-z0-9-]+$", slug):
        raise _Decline
    data_dir = opts.get("--data-dir")
    return load_city(slug, Path(data_dir) if data_dir is not None else None)


def _lang(opts: dict[str, str]) -> str:
    from core.i18n import normalize_language

    return normalize_language(opts.get("--lang", "ja"))


def _date(value: str):
    import datetime as dt

    return dt.date.fromisoformat(value)


def _warnings(city, area, *days) -> tuple[list[str], bool]:
    """The typer path's validity and unreadable-schedule warnings, and whether they are plain
    text (no rich markup could change them)."""
    from core.garbage.service import unreadable_categories, validity_warnings

    texts = [str(w) for w in validity_warnings(city, *dict.fromkeys(days))]
    plain = True
    if area is not None:
        for cid, where in unreadable_categories(city, area).items():
            plain = False
            texts.append(
                f"the {city.garbage.category(cid).label} ({cid}) schedule of {area.name} could not be read "
                f"when the data was imported ({where}): its collection days are unknown"
            )
    return texts, plain


def _compute(command: str, opts: dict[str, str], arg: str | None) -> tuple[object, list[str], bool]:
    from core.garbage import service

    city = _city(opts)
    if command == "areas":
        return service.areas(city), [], True
    if command == "categories":
        rows = service.categories(city, _lang(opts))
        return [{"id": r["id"], "name": r["name"], "color": r["color"]} for r in rows], [], True
    if command == "search":
        import unicodedata

        limit = opts.get("--limit", "10")
        if not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= 200):
            raise _Decline
        if not unicodedata.normalize("NFKC", arg or "").strip():
            raise _Decline
        hits = service.search(city, arg, _lang(opts), int(limit))
        return [{"name": h["name"], "category": h["category"], "notice": h["notice"]} for h in hits], [], True
    area = service.find_area(city, opts["--area"])
    if command == "next":
        day = _date(opts["--on"]) if "--on" in opts else service.city_today(city)
        nexts = service.next_dates(city, area, day)
        return nexts, *_warnings(city, area, day, *(_date(v) for v in nexts.values() if v))
    first, last = _date(opts["--from"]), _date(opts["--to"])
    if last < first or (last - first).days > 3660:
        raise _Decline
    language = _lang(opts)
    texts, plain = _warnings(city, area, first, last)
    return service.calendar(city, area, first, last, language), texts, plain


def _warn(texts: list[str], plain: bool) -> None:
    """Write the warnings exactly as ``cli.common.warn`` does: rich only when it could colour or
    rewrite them (a terminal, FORCE_COLOR or TTY_COMPATIBLE, text that is not plain)."""
    if not texts:
        return
    env = os.environ
    if plain and "FORCE_COLOR" not in env and "TTY_COMPATIBLE" not in env and not sys.stderr.isatty():
        sys.stderr.write("".join(f"warning: {t}\n" for t in texts))
        return
    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True)
    for t in texts:
        err.print(f"[yellow]warning:[/] {escape(t)}", highlight=False, soft_wrap=True)


def answer(argv: list[str]) -> int | None:
    """Answer ``machi ARGV`` and return its exit code, or None to let the typer app run it."""
    if os.environ.get("MACHI_CLI_FAST") == "0":
        return None
    try:
        command, opts, arg = _parse(argv)
        data, texts, plain = _compute(command, opts, arg)
    except Exception:  # noqa: BLE001 - any doubt: the typer path answers (or fails) as the reference
        return None
    import json

    _warn(texts, plain)
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    return 0
