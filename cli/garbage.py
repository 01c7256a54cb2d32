"""``machi garbage areas|categories|calendar|next|search|ics|import``: collection days and the
sorting dictionary from city data, no server needed (the JSON contract is in README.md).  Added to
the one ``machi`` command by ``register`` (cli/main.py); the light read-only commands with
``--json`` are usually answered by ``cli/fast.py`` before this module is imported, with the same
output.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import unicodedata
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.common import (
    AreaOpt,
    CityOpt,
    DataDirOpt,
    JsonOpt,
    LangOpt,
    _city,
    _date,
    _lang,
    _slug,
    emit_json,
    err,
    fail,
    out,
    warn,
)
from core.city import DEFAULT_CITY, City, CityNotFound, default_data_dir

garbage_app = typer.Typer(
    no_args_is_help=True, help="Garbage collection days, sorting dictionary, ICS and imports."
)


def register(app: typer.Typer) -> None:
    app.add_typer(garbage_app, name="garbage")


def _area(city: City, query: str):
    from core.garbage.service import AreaNotFound, find_area

    try:
        return find_area(city, query)
    except AreaNotFound as exc:
        fail(str(exc))


def _check_validity(city: City, *days: dt.date) -> None:
    from core.garbage.service import validity_warnings

    for w in validity_warnings(city, *dict.fromkeys(days)):
        warn(str(w))


def _today(city: City) -> dt.date:
    """Today in the city (its time zone), whatever the host's clock zone is."""
    from core.garbage.service import city_today

    return city_today(city)


def _check_unreadable(city: City, area) -> None:
    """Say which schedules of the area the import could not read (rather than showing nothing)."""
    from core.garbage.service import unreadable_categories

    for cid, where in unreadable_categories(city, area).items():
        warn(
            f"the {city.garbage.category(cid).label} ({cid}) schedule of {area.name} could not be read when the "
            f"data was imported ({where}): its collection days are unknown"
        )


# ----------------------------------------------------------------------------- garbage


@garbage_app.command("areas")
def garbage_areas(
    city: CityOpt = DEFAULT_CITY, data_dir: DataDirOpt = None, as_json: JsonOpt = False
) -> None:
    """List the city's collection areas."""
    from core.garbage import service

    c = _city(city, data_dir)
    rows = service.areas(c)
    if as_json:
        return emit_json(rows)
    table = Table("id", "name", "center", title=f"{c.name()} — {len(rows)} areas")
    for r in rows:
        table.add_row(r["id"], r["name"], r["center"])
    out.print(table)


@garbage_app.command("categories")
def garbage_categories(
    city: CityOpt = DEFAULT_CITY, data_dir: DataDirOpt = None, lang: LangOpt = "ja", as_json: JsonOpt = False
) -> None:
    """List the garbage categories with their colours."""
    from core.garbage import service

    c = _city(city, data_dir)
    rows = service.categories(c, _lang(lang))
    if as_json:
        return emit_json([{"id": r["id"], "name": r["name"], "color": r["color"]} for r in rows])
    table = Table("id", "name", "color")
    for r in rows:
        table.add_row(r["id"], r["name"], f"[on {r['color']}]    [/] {r['color']}")
    out.print(table)


@garbage_app.command("calendar")
def garbage_calendar(
    area: AreaOpt,
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    city: CityOpt = DEFAULT_CITY,
    data_dir: DataDirOpt = None,
    lang: LangOpt = "ja",
    as_json: JsonOpt = False,
) -> None:
    """Collection days of an area between two dates (only days with a collection)."""
    from core.garbage import service
    from core.i18n import Translator

    c = _city(city, data_dir)
    a = _area(c, area)
    first, last = _date(start, "--from"), _date(end, "--to")
    if last < first:
        fail(f"--to {last} is before --from {first}")
    if (last - first).days > 3660:
        fail("the range is longer than ten years")
    language = _lang(lang)
    _check_validity(c, first, last)
    _check_unreadable(c, a)
    days = service.calendar(c, a, first, last, language)
    if as_json:
        return emit_json(days)
    t = Translator(language)
    table = Table(t("Date"), t("Garbage"), title=f"{a.name} ({c.garbage.validity})")
    for d in days:
        table.add_row(t.day(dt.date.fromisoformat(d["date"])), t.join([x["name"] for x in d["categories"]]))
    out.print(table)


@garbage_app.command("next")
def garbage_next(
    area: AreaOpt,
    on: Annotated[str, typer.Option("--on", help="Day to count from, YYYY-MM-DD (default: today).")] = "",
    city: CityOpt = DEFAULT_CITY,
    data_dir: DataDirOpt = None,
    lang: LangOpt = "ja",
    as_json: JsonOpt = False,
) -> None:
    """The next collection day of every category, on or after a date."""
    from core.garbage import service
    from core.i18n import Translator

    c = _city(city, data_dir)
    a = _area(c, area)
    day = _date(on, "--on") if on else _today(c)
    nexts = service.next_dates(c, a, day)
    _check_validity(c, day, *(dt.date.fromisoformat(v) for v in nexts.values() if v))
    _check_unreadable(c, a)
    if as_json:
        return emit_json(nexts)
    t = Translator(_lang(lang))
    table = Table(t("Garbage"), t("Next collection"), title=a.name)
    for cat in c.garbage.categories:
        value = nexts[cat.id]
        shown = t.day(dt.date.fromisoformat(value)) if value else ("?" if cat.id in a.unreadable else "—")
        table.add_row(service.category_name(c, cat, t.lang), shown)
    out.print(table)


@garbage_app.command("search")
def garbage_search(
    query: Annotated[str, typer.Argument(help="Item name in any script, romaji or your language.")],
    city: CityOpt = DEFAULT_CITY,
    data_dir: DataDirOpt = None,
    lang: LangOpt = "ja",
    limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 10,
    as_json: JsonOpt = False,
) -> None:
    """何ごみ検索: how to throw an item away."""
    from core.garbage import service
    from core.i18n import Translator

    if not unicodedata.normalize("NFKC", query).strip():
        fail("the search query is empty: give an item name, e.g. 'machi garbage search petto'")
    c = _city(city, data_dir)
    hits = service.search(c, query, _lang(lang), limit)
    if as_json:
        return emit_json(
            [{"name": h["name"], "category": h["category"], "notice": h["notice"]} for h in hits]
        )
    t = Translator(_lang(lang))
    if not hits:
        out.print(t("No item found for “{query}”.", query=query))
        return
    table = Table(t("Item"), t("Category"), t("Notes"))
    for h in hits:
        table.add_row(h["name"], h["category"], h["notice"])
    out.print(table)


@garbage_app.command("ics")
def garbage_ics(
    area: AreaOpt,
    city: CityOpt = DEFAULT_CITY,
    data_dir: DataDirOpt = None,
    lang: LangOpt = "ja",
    remind: Annotated[
        str, typer.Option("--remind", help="Alarm, e.g. '-1d 19:00' (day before) or 'none'.")
    ] = "-1d 19:00",
    start: Annotated[
        str, typer.Option("--from", help="First day (default: start of the data's validity).")
    ] = "",
    end: Annotated[str, typer.Option("--to", help="Last day (default: end of validity, or a year).")] = "",
) -> None:
    """The area's collection days as an iCalendar document on stdout."""
    from core.garbage.ics import Reminder, area_calendar

    c = _city(city, data_dir)
    a = _area(c, area)
    v = c.garbage.validity
    first = _date(start, "--from") if start else (v.start or _today(c))
    last = _date(end, "--to") if end else (v.end or first + dt.timedelta(days=365))
    if last < first:
        fail(f"--to {last} is before --from {first}")
    reminder = None
    if remind.strip().lower() not in ("", "none", "off"):
        try:
            reminder = Reminder.parse(remind)
        except ValueError as exc:
            fail(f"--remind: {exc}")
    _check_validity(c, first, last)
    _check_unreadable(c, a)
    sys.stdout.buffer.write(area_calendar(c, a, first, last, _lang(lang), reminder).to_ical())


@garbage_app.command("import")
def garbage_import(
    path: Annotated[Path, typer.Argument(help="A 5374 folder or a ゴミ分別 CSV file.")],
    fmt: Annotated[str, typer.Option("--format", help="5374 or odgarbage.")],
    city: CityOpt = DEFAULT_CITY,
    data_dir: DataDirOpt = None,
    closure: Annotated[
        str, typer.Option("--closure", help="5374: skip or move collection days in a closure.")
    ] = "skip",
    valid_from: Annotated[
        str,
        typer.Option(
            "--valid-from",
            help="First day the data is valid for, YYYY-MM-DD (default: from the dates it lists).",
        ),
    ] = "",
    valid_to: Annotated[
        str,
        typer.Option(
            "--valid-to",
            help="Last day the data is valid for, YYYY-MM-DD (default: from the dates it lists).",
        ),
    ] = "",
    lenient: Annotated[
        bool,
        typer.Option(
            "--lenient",
            help="Import what can be read; skip (and list) every unreadable cell instead of failing.",
        ),
    ] = False,
) -> None:
    """Import city garbage data; a failed import writes nothing (--lenient skips unreadable cells)."""
    from contextlib import nullcontext

    from rich.progress import Progress

    from core.city import find_city_dir, write_json_atomic
    from core.csvread import ImportFailed
    from core.garbage.importers import import_5374, import_odgarbage
    from core.garbage.model import CityGarbage, Validity

    _slug(city)
    if fmt not in ("5374", "odgarbage"):
        fail(f"--format must be 5374 or odgarbage, not {fmt!r}")
    if closure not in ("skip", "move"):
        fail(f"--closure must be skip or move, not {closure!r}")
    root = Path(data_dir) if data_dir else default_data_dir()
    target = root / "cities" / city
    meta_file = target / "city.json"
    try:
        existing = find_city_dir(city, data_dir)
    except CityNotFound:
        existing = None
    meta_source = (existing or target) / "city.json"
    meta = json.loads(meta_source.read_text("utf-8")) if meta_source.is_file() else {}
    validity = None
    if valid_from or valid_to:
        validity = Validity(
            _date(valid_from, "--valid-from") if valid_from else None,
            _date(valid_to, "--valid-to") if valid_to else None,
        )
        if validity.start and validity.end and validity.end < validity.start:
            fail(f"--valid-to {validity.end} is before --valid-from {validity.start}")
    # A progress spinner only on a terminal: redirected stderr gets the messages and nothing else.
    progress = Progress(console=err, transient=True) if err.is_terminal else nullcontext()
    with progress:
        if isinstance(progress, Progress):
            progress.add_task(f"importing {path}", total=None)
        try:
            if fmt == "5374":
                conf = meta.get("garbage", {})
                garbage, report = import_5374(
                    path,
                    city,
                    closure=closure,
                    validity=validity,
                    category_ids=conf.get("category_ids"),
                    policies=conf.get("policies"),
                    service_weekdays=conf.get("service_weekdays"),
                    lenient=lenient,
                )
            else:
                base = None
                if existing is not None:
                    base = CityGarbage.from_json(json.loads((existing / "garbage.json").read_text("utf-8")))
                garbage, report = import_odgarbage(path, city, base)
                if validity:
                    garbage.validity = Validity(
                        validity.start or garbage.validity.start, validity.end or garbage.validity.end
                    )
        except ImportFailed as exc:
            if isinstance(progress, Progress):
                progress.stop()
            for issue in exc.errors:
                err.print(f"[red]{escape(str(issue))}[/]", highlight=False, soft_wrap=True)
            hint = "" if lenient or fmt != "5374" else " (--lenient imports what can be read)"
            fail(f"import failed with {len(exc.errors)} error(s); nothing was written{hint}")
    for w in report.warnings:
        warn(str(w))
    for issue in report.skipped:
        warn(f"skipped {issue}")
    if not meta_file.exists():
        write_json_atomic(meta_file, meta or {"slug": city, "name": {"ja": city}, "timezone": "Asia/Tokyo"})
    write_json_atomic(target / "garbage.json", garbage.to_json())
    stats = ", ".join(f"{k} {v}" for k, v in report.stats.items())
    err.print(
        f"[green]imported[/] {city} into {target} ({stats}; {len(report.warnings)} warning(s)); "
        f"valid {garbage.validity}",
        highlight=False,
        soft_wrap=True,
    )
