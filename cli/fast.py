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

``garbage next`` goes one step further (issue 13: "city data loads from a compact precompiled
form if that is what it takes"): importing the domain layer (dataclasses, rules, model, calendar)
and reading garbage.json cost more than the 60 ms allowed.  The first answer for a city data
version and a year computes every area's collection days of that year and the two after with the
real engine and keeps them in the cache directory (``$MACHI_CACHE_DIR``, else
``$XDG_CACHE_HOME/machi``, else ``~/.cache/machi``) as one marshal file, named by a key of the
garbage.json and city.json files (path, inode, size, modification time), the engine's sources and
the Python version; later processes answer from it by bisection.  It is used only where it
cannot differ from the engine: categories whose days no holiday or closure moves (a skipped day
is the same in any window), an area without unreadable schedules, an answer within the engine's
400-day horizon (or none at all within 600 days), a day inside the table.  Anything else asks
the engine, as before.
"""

from __future__ import annotations

import os
import sys

# Per command: the options that take a value, the options it requires, and whether it takes one
# positional argument (``--json`` is the one flag, and required).
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
    if command == "next":
        answered = _next_from_table(opts)
        if answered is not None:
            return answered
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
        try:
            _write_table(city, day)
        except Exception:  # noqa: BLE001 - the table only saves time: never let it change an answer
            pass
        return nexts, *_warnings(city, area, day, *(_date(v) for v in nexts.values() if v))
    first, last = _date(opts["--from"]), _date(opts["--to"])
    if last < first or (last - first).days > 3660:
        raise _Decline
    language = _lang(opts)
    texts, plain = _warnings(city, area, first, last)
    return service.calendar(city, area, first, last, language), texts, plain


# ----------------------------------------------------------------------------- next-date table

TABLE_FORMAT = 1
# The engine finds a next day up to this far ahead (core.garbage.calendar.NEXT_HORIZON; checked by
# tests/core/test_coldstart.py), and certainly no further than ``_NONE_BEYOND`` days.
_HORIZON = 400
_NONE_BEYOND = 600
_YEARS = 3  # a table covers the query's year and the two after it
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CITY = "matsusaka"  # core.city.DEFAULT_CITY (a test keeps them equal)
_ENGINE = ("core/city.py", "core/garbage/calendar.py", "core/garbage/model.py", "core/garbage/rules.py")


def _city_dir(slug: str, data_dir: str | None) -> str | None:
    """``core.city.find_city_dir`` without importing it (None: not found, the typer path tells)."""
    if data_dir is not None:
        roots = [os.path.join(data_dir, "cities")]
    else:
        env = os.environ
        if env.get("MACHI_DATA_DIR"):
            data = env["MACHI_DATA_DIR"]
        else:
            base = env.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
            data = os.path.join(base, "machi")
        assets = env.get("MACHI_ASSETS_DIR", os.path.join(_ROOT, "assets"))
        roots = [os.path.join(data, "cities"), os.path.join(assets, "cities")]
    for root in roots:
        if os.path.isfile(os.path.join(root, slug, "garbage.json")):
            return os.path.join(root, slug)
    return None


def cache_dir() -> str:
    env = os.environ
    if env.get("MACHI_CACHE_DIR"):
        return env["MACHI_CACHE_DIR"]
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "machi")


def _table_key(folder: str, slug: str, year: int) -> tuple[str, str]:
    """The table file of this data version, engine and year (a new version: a new name) and the
    full key, which the file repeats (a name is a 32-bit checksum: the key decides)."""
    import zlib

    real = os.path.realpath(folder)
    parts = [TABLE_FORMAT, sys.version_info[:2], real, year]
    for path in [os.path.join(real, "garbage.json"), os.path.join(real, "city.json")] + [
        os.path.join(_ROOT, p) for p in _ENGINE
    ]:
        try:
            st = os.stat(path)
            parts.append((path, st.st_ino, st.st_size, st.st_mtime_ns))
        except OSError:
            parts.append((path, None))
    key = repr(parts)
    name = f"next-{slug}-{year}-{zlib.crc32(key.encode()):08x}.marshal"
    return os.path.join(cache_dir(), name), key


def _next_from_table(opts: dict[str, str]) -> tuple[dict, list[str], bool] | None:
    """``garbage next`` from the table, or None when the table is missing or cannot tell."""
    import datetime as dt
    import marshal
    from array import array
    from bisect import bisect_left

    slug = opts.get("--city", DEFAULT_CITY)
    if not slug or not all(c.isascii() and (c.isalnum() or c == "-") for c in slug):
        return None
    folder = _city_dir(slug, opts.get("--data-dir"))
    if folder is None:
        return None
    if "--on" in opts:
        day = dt.date.fromisoformat(opts["--on"])
    else:
        import json
        from zoneinfo import ZoneInfo

        try:
            with open(os.path.join(folder, "city.json"), encoding="utf-8") as fh:
                zone = json.load(fh).get("timezone", "Asia/Tokyo")
        except FileNotFoundError:
            zone = "Asia/Tokyo"
        day = dt.datetime.now(ZoneInfo(zone)).date()
    path, key = _table_key(folder, slug, day.year)
    try:
        with open(path, "rb") as fh:
            table = marshal.load(fh)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(table, dict) or table.get("key") != key:
        return None
    from core.text import lookup_key

    query = opts["--area"]
    looked, wanted = lookup_key(query), query.strip()
    if not looked:
        return None
    index = next((i for i, (aid, akey) in enumerate(table["areas"]) if aid == wanted or akey == looked), None)
    if index is None or index in table["unreadable"]:
        return None
    on, first, last = day.toordinal(), table["first"], table["last"]
    if not first <= on <= last - _NONE_BEYOND:
        return None
    answer: dict[str, str | None] = {}
    for cid, packed in zip(table["categories"], table["days"][index], strict=True):
        days = array("H")
        days.frombytes(packed)
        i = bisect_left(days, on - first)
        found = first + days[i] if i < len(days) else None
        if found is not None and found <= on + _HORIZON:
            answer[cid] = dt.date.fromordinal(found).isoformat()
        elif found is None or found > on + _NONE_BEYOND:
            answer[cid] = None
        else:
            return None  # between the two limits: the engine's own windows decide
    start, end = table["validity"]
    outside = dict.fromkeys([on] + [dt.date.fromisoformat(v).toordinal() for v in answer.values() if v])
    texts = [
        table["warning"].replace("\0", dt.date.fromordinal(d).isoformat())
        for d in outside
        if (start is not None and d < start) or (end is not None and d > end)
    ]
    return answer, texts, True


def _write_table(city, day) -> None:
    """Keep this city's collection days of ``day``'s year and the two after it for the next
    process (nothing when a holiday or closure can move a day, or the cache cannot be written)."""
    import datetime as dt
    import marshal
    import tempfile
    from array import array

    from core.garbage import calendar as cal
    from core.garbage.service import ValidityWarning, unreadable_categories
    from core.text import lookup_key

    g = city.garbage
    if any(c.on_holiday != "collect" or c.on_closure != "skip" for c in g.categories):
        return
    if cal.NEXT_HORIZON.days != _HORIZON:
        return
    path, key = _table_key(str(city.path), city.slug, day.year)
    try:
        with open(path, "rb") as fh:
            if marshal.load(fh).get("key") == key:
                return  # there (the engine answered for a reason of its own)
    except (OSError, EOFError, ValueError, TypeError, AttributeError):
        pass
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    except OSError:
        return
    if not os.access(os.path.dirname(path), os.W_OK):
        return  # a read-only cache: do not compute what cannot be kept
    first = dt.date(day.year, 1, 1)
    last = dt.date(day.year + _YEARS - 1, 12, 31)
    ids = [c.id for c in g.categories]
    days = []
    for area in g.areas:
        per: dict[str, list[int]] = {cid: [] for cid in ids}
        for d, cs in cal.collections(g, area, first, last).items():
            for c in cs:
                per[c.category.id].append(d.toordinal() - first.toordinal())
        days.append(tuple(array("H", per[cid]).tobytes() for cid in ids))
    v = g.validity
    table = {
        "key": key,
        "areas": [(a.id, lookup_key(a.name)) for a in g.areas],
        "unreadable": [i for i, a in enumerate(g.areas) if unreadable_categories(city, a)],
        "categories": ids,
        "first": first.toordinal(),
        "last": last.toordinal(),
        "validity": (v.start.toordinal() if v.start else None, v.end.toordinal() if v.end else None),
        "warning": str(ValidityWarning(dt.date.min, v.start, v.end)).replace(dt.date.min.isoformat(), "\0"),
        "days": days,
    }
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".next-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                marshal.dump(table, fh)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass


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
