"""``machi payslip …``: read a tax payment slip's barcode or eL-QR from its digits or a photo,
and the city's tax calendar.  Registered by cli/main.py (``register(app)``); the slip logic is
core/payslip (which holds no CLI).

JSON contract (README): ``parse``/``decode`` print the slip's fields and warning codes; a
rejected slip exits 2 with ``{"error": {"code", "message"}}`` on stdout.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from core.city import DEFAULT_CITY

payslip_app = typer.Typer(
    no_args_is_help=True, help="Tax payment slips: read the barcode or eL-QR, the city's tax calendar."
)
out = Console()
err = Console(stderr=True)

CityOpt = Annotated[
    str, typer.Option("--city", help="City slug (its payslip.json says which slips are its own).")
]
DataDirOpt = Annotated[Path | None, typer.Option("--data-dir", help="Read DIR/cities/<city> only.")]
LangOpt = Annotated[
    str, typer.Option("--lang", help="Language of messages: ja, ja@easy, en, pt_BR, vi, tl, zh_Hans, ko, es.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (the stable contract).")]
TodayOpt = Annotated[
    str | None, typer.Option("--today", help="Judge deadlines as of YYYY-MM-DD (default: the city's today).")
]


def register(app: typer.Typer) -> None:
    app.add_typer(payslip_app, name="payslip")


def _emit(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def _fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _reject(code: str, message: str, as_json: bool) -> NoReturn:
    if as_json:
        _emit({"error": {"code": code, "message": message}})
        raise typer.Exit(2)
    _fail(message)


def _lang(lang: str) -> str:
    from core.i18n import UnknownLanguage, normalize_language

    try:
        return normalize_language(lang)
    except UnknownLanguage as exc:
        _fail(str(exc))


def _facts(city: str, data_dir: Path | None):
    from core.payslip.facts import PayslipDataError, load_facts

    try:
        return load_facts(city, data_dir)
    except PayslipDataError as exc:
        _fail(str(exc))


def _today(facts, today: str | None) -> dt.date:
    if today:
        try:
            return dt.date.fromisoformat(today)
        except ValueError:
            _fail(f"--today: {today!r} is not a date (expected YYYY-MM-DD)")
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(facts.timezone)).date()


def _show(slip, facts, day: dt.date, lang: str, as_json: bool) -> None:
    from core.i18n import Translator
    from core.payslip.assess import assess, explain
    from core.payslip.messages import yen

    a = assess(slip, facts, day)
    if as_json:
        _emit(slip.to_json(a.codes))
        return
    t = Translator(lang)
    table = Table(show_header=False, box=None)
    table.add_row(t("Kind"), t("eL-QR code") if slip.kind == "elqr" else t("Convenience-store barcode"))
    table.add_row(t("Amount"), yen(slip.amount, lang))
    if a.tax:
        table.add_row(t("Tax"), facts.tax_name(a.tax, lang))
    if slip.due_date:
        table.add_row(t("Due date"), t.long_day(slip.due_date))
    table.add_row(t("Pay by"), t.long_day(slip.pay_by) if slip.pay_by else t("No deadline in the barcode"))
    if a.days_left is not None and a.days_left >= 0:
        table.add_row("", t.plural("{n} day left", "{n} days left", a.days_left))
    methods = [o.method.name(lang) for o in a.methods if o.available]
    table.add_row(t("Pay with"), t.join(methods) if methods else "–")
    out.print(table)
    for w in a.warnings:
        out.print(
            f"[yellow]{escape(w.severity)}:[/] {escape(explain(w, facts, t))}",
            highlight=False,
            soft_wrap=True,
        )


@payslip_app.command("parse")
def parse_cmd(
    text: Annotated[
        str,
        typer.Argument(
            help="The 44 digits under the barcode (spaces, hyphens, "
            "(91) and full-width digits are fine), or an eL-QR's 255."
        ),
    ],
    city: CityOpt = DEFAULT_CITY,
    data_dir: DataDirOpt = None,
    lang: LangOpt = "en",
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check and read a slip's digits; exit 2 naming what is wrong."""
    from core.payslip.model import PayslipError
    from core.payslip.parse import parse

    lang = _lang(lang)
    facts = _facts(city, data_dir)
    try:
        slip = parse(text)
    except PayslipError as exc:
        _reject(exc.code, exc.message(lang), as_json)
    _show(slip, facts, _today(facts, today), lang, as_json)


@payslip_app.command("decode")
def decode_cmd(
    image: Annotated[Path, typer.Argument(help="A photo or scan of the slip (JPEG, PNG, WebP…).")],
    city: CityOpt = DEFAULT_CITY,
    data_dir: DataDirOpt = None,
    lang: LangOpt = "en",
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Find the barcode or eL-QR in an image and read it (zxing-cpp, else pyzbar)."""
    from core.i18n import Translator
    from core.payslip.decode import ImageError, best_slip, local_decoder
    from core.payslip.model import PayslipError

    lang = _lang(lang)
    facts = _facts(city, data_dir)
    t = Translator(lang)
    try:
        data = image.read_bytes()
    except OSError as exc:
        _reject("file", f"{image}: {exc.strerror or exc}", as_json)
    decoder = local_decoder()
    if decoder is None:
        _fail("no barcode decoder installed: pip install zxing-cpp (or pyzbar with libzbar0)")
    try:
        slip, _others = best_slip(decoder.decode(data))
    except ImageError as exc:
        _reject(exc.code, str(exc), as_json)
    except LookupError:
        _reject(
            "no_barcode",
            t(
                "No slip barcode or eL-QR code was found in the picture. Take the photo again "
                "closer, flat and in good light, or type the number."
            ),
            as_json,
        )
    except PayslipError as exc:
        _reject(exc.code, exc.message(lang), as_json)
    _show(slip, facts, _today(facts, today), lang, as_json)


@payslip_app.command("calendar")
def calendar_cmd(
    start: Annotated[str | None, typer.Option("--from", help="First day (default: today).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (default: a year on).")] = None,
    city: CityOpt = DEFAULT_CITY,
    data_dir: DataDirOpt = None,
    lang: LangOpt = "en",
    as_json: JsonOpt = False,
) -> None:
    """The city's tax due dates (納期限) per tax and instalment: [{"date", "tax", "instalment", "name"}]."""
    from core.i18n import Translator
    from core.payslip.ics import instalment_title

    lang = _lang(lang)
    facts = _facts(city, data_dir)
    first = _today(facts, start)
    last = _today(facts, end) if end else first + dt.timedelta(days=365)
    t = Translator(lang)
    rows = facts.calendar.between(first, last)
    if as_json:
        _emit(
            [
                {
                    "date": i.due.isoformat(),
                    "tax": i.tax,
                    "instalment": i.number or None,
                    "name": instalment_title(facts, i, t),
                }
                for i in rows
            ]
        )
    else:
        for i in rows:
            out.print(f"{t.day(i.due)}  {escape(instalment_title(facts, i, t))}", highlight=False)
    if facts.calendar.example:
        err.print(
            f"[yellow]warning:[/] {escape(t('The city has not confirmed these dates: check the date printed on your slip.'))}",
            highlight=False,
            soft_wrap=True,
        )


@payslip_app.command("ics")
def ics_cmd(
    start: Annotated[str | None, typer.Option("--from", help="First day (default: today).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (default: a year on).")] = None,
    remind: Annotated[
        int | None,
        typer.Option("--remind", min=0, max=30, help="An alarm this many days before each due date."),
    ] = None,
    tax: Annotated[
        list[str] | None, typer.Option("--tax", help="Only these taxes (ids; repeatable).")
    ] = None,
    city: CityOpt = DEFAULT_CITY,
    data_dir: DataDirOpt = None,
    lang: LangOpt = "en",
) -> None:
    """The tax calendar as iCalendar on stdout (machi payslip ics --remind 3 > taxes.ics)."""
    from core.payslip.ics import tax_calendar

    lang = _lang(lang)
    facts = _facts(city, data_dir)
    for x in tax or []:
        if x not in facts.taxes:
            _fail(f"--tax: unknown tax {x!r}; known: {', '.join(facts.taxes)}")
    first = _today(facts, start)
    last = _today(facts, end) if end else first + dt.timedelta(days=365)
    sys.stdout.buffer.write(
        tax_calendar(facts, first, last, lang, taxes=tax or None, remind_days=remind).to_ical()
    )
