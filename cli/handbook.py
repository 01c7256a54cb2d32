"""``machi vaccines plan``, ``machi growth`` and ``machi handbook export|import`` (the handbook's CLI
contract, see README.md).  Added to the one ``machi`` command by ``register`` (cli/main.py).

The CLI's handbook lives in ``$MACHI_DATA_DIR/handbook/`` (default ~/.local/share/machi/handbook),
encrypted like the app's (app/services/vault.py).  A terminal has no platform key store here, so
the key is a file beside the data (mode 0600): the vault says ``protection: none`` and the CLI
says so on stderr.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape

from core.city import default_data_dir

# Own console helpers (same output as cli.main's): importing cli.main here would be circular
# when the CLI runs as ``python -m cli.main``.
out = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


def emit_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date (expected YYYY-MM-DD)")


def _lang(lang: str) -> str:
    from core.i18n import UnknownLanguage, normalize_language

    try:
        return normalize_language(lang)
    except UnknownLanguage as exc:
        fail(str(exc))


TOKYO = ZoneInfo("Asia/Tokyo")
Fmt = Annotated[str, typer.Option("--format", help="json (Machi handbook) or fhir (FHIR R4 Bundle).")]
Store = Annotated[Path | None, typer.Option("--store", help="Handbook folder (default: data dir/handbook).")]
DOC = "handbook"


def _today() -> dt.date:
    return dt.datetime.now(TOKYO).date()


class _KeyFile:
    """The vault key in a 0600 file (terminal use only)."""

    def __init__(self, path: Path):
        self.path = path

    async def get(self, key: str) -> str | None:
        try:
            return json.loads(self.path.read_text()).get(key)
        except FileNotFoundError:
            return None

    async def set(self, key: str, value: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({key: value}, f)


def store_dir(store: Path | None) -> Path:
    return store or default_data_dir() / "handbook"


async def open_vault(store: Path):
    from app.services.vault import FileBlobStore, Vault

    return await Vault.open(FileBlobStore(store), None, fallback=_KeyFile(store / "vault.key"))


def register(app: typer.Typer) -> None:
    vaccines_app = typer.Typer(no_args_is_help=True, help="Routine immunization schedule (定期接種).")
    app.add_typer(vaccines_app, name="vaccines")
    handbook_app = typer.Typer(
        no_args_is_help=True, help="The maternal-and-child handbook stored on this machine."
    )
    app.add_typer(handbook_app, name="handbook")

    @vaccines_app.command("plan")
    def vaccines_plan(
        birth: Annotated[str, typer.Option("--birth", help="Birth date YYYY-MM-DD.")],
        given: Annotated[
            list[str] | None,
            typer.Option("--given", help="A dose given: VACCINE:DOSE:YYYY-MM-DD[:PRODUCT] (repeat)."),
        ] = None,
        on: Annotated[str | None, typer.Option("--on", help="Today (default: today in Asia/Tokyo).")] = None,
        lang: Annotated[str, typer.Option("--lang", help="Language of the reasons.")] = "ja",
        sex: Annotated[str | None, typer.Option("--sex", help="male|female (HPV is for girls).")] = None,
        illness_ended: Annotated[
            str | None,
            typer.Option("--illness-ended", help="The day a long illness ended (長期療養特例), YYYY-MM-DD."),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    ) -> None:
        """Every routine dose: earliest legal date, recommended window, last eligible date, status, reason."""
        from core.handbook import schedule
        from core.i18n import Translator

        born = _date(birth, "--birth")
        today = _date(on, "--on") if on else _today()
        if sex not in (None, "male", "female"):
            fail(f"--sex: {sex!r} is not male or female")
        if today < born:
            fail(f"--on {today.isoformat()} is before --birth {born.isoformat()}")
        tr = Translator(_lang(lang))
        records = []
        for text in given or []:
            try:
                records.append(schedule.parse_given(text))
            except schedule.ScheduleError as exc:
                fail(str(exc))
        try:
            ended = _date(illness_ended, "--illness-ended") if illness_ended else None
            doses = schedule.plan(born, records, today, sex=sex, illness_ended=ended)
        except schedule.ScheduleError as exc:
            label = exc.record.label() if exc.record else ""
            message = str(exc)
            fail(message if message.startswith("--given") else f"--given {message}" if label else message)
        rows = [d.to_json(tr) for d in doses]
        if as_json:
            emit_json(rows)
            return
        from rich.table import Table

        table = Table("vaccine", "dose", "status", "date", "eligible until", "reason")
        for d, row in zip(doses, rows, strict=True):
            table.add_row(
                schedule.vaccine_name(d.vaccine, tr),
                str(d.dose),
                d.status,
                row["given"] or row["proposed"] or "",
                row["eligible_until"] or "",
                row["reason"],
            )
        out.print(table)

    @app.command("growth")
    def growth_command(
        sex: Annotated[str, typer.Option("--sex", help="male|female")],
        birth: Annotated[str, typer.Option("--birth", help="Birth date YYYY-MM-DD.")],
        on: Annotated[str, typer.Option("--on", help="Measurement date YYYY-MM-DD.")],
        weight_kg: Annotated[float | None, typer.Option("--weight-kg", help="Weight in kg.")] = None,
        height_cm: Annotated[float | None, typer.Option("--height-cm", help="Length/height in cm.")] = None,
        head_cm: Annotated[float | None, typer.Option("--head-cm", help="Head circumference in cm.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    ) -> None:
        """Percentile band of each measurement against the 2023 乳幼児身体発育調査 (+ WHO z-score)."""
        from core.handbook import growth

        if sex not in growth.SEXES:
            fail(f"--sex: {sex!r} is not male or female")
        born, day = _date(birth, "--birth"), _date(on, "--on")
        if day < born:
            fail(f"--on {day.isoformat()} is before --birth {born.isoformat()}")
        values = {
            "weight": (weight_kg, "--weight-kg"),
            "height": (height_cm, "--height-cm"),
            "head": (head_cm, "--head-cm"),
        }
        if all(v is None for v, _ in values.values()):
            fail("give at least one of --weight-kg, --height-cm, --head-cm")
        months = growth.age_months(born, day)
        result = {}
        for measure, (value, option) in values.items():
            if value is None:
                continue
            try:
                band = growth.band(measure, sex, months, value)
            except growth.GrowthError as exc:
                fail(f"{option} {value:g}: {exc}")
            entry = {"value": value, "band": band, "unit": growth.UNITS[measure]}
            try:
                z = growth.who_z(measure, sex, (day - born).days, value)
                entry["who_z"] = round(z, 2)
            except growth.GrowthError:
                pass
            result[measure] = entry
        if as_json:
            emit_json(result)
        else:
            for measure, entry in result.items():
                out.print(
                    f"{measure}: {entry['value']:g} {entry['unit']}  {entry['band']}"
                    + (f"  WHO z {entry['who_z']:+.2f}" if "who_z" in entry else "")
                )

    def _fmt(fmt: str) -> str:
        if fmt not in ("json", "fhir"):
            fail(f"--format: {fmt!r} is not json or fhir")
        return fmt

    @handbook_app.command("export")
    def handbook_export(
        file: Annotated[Path, typer.Argument(help="File to write ('-' for stdout).")],
        fmt: Fmt = "json",
        store: Store = None,
    ) -> None:
        """Write the stored handbook to FILE as JSON or a FHIR R4 Bundle."""
        import asyncio

        from app.services.vault import VaultError
        from core.handbook import fhir
        from core.handbook.model import Handbook, HandbookError, load_handbook

        _fmt(fmt)
        folder = store_dir(store)

        async def read():
            vault = await open_vault(folder)
            return await vault.load(DOC)

        try:
            raw = asyncio.run(read())
            book = load_handbook(raw) if raw is not None else Handbook()
        except (VaultError, HandbookError) as exc:
            fail(f"stored handbook in {folder}: {exc}", code=1)
        data = book.to_dict() if fmt == "json" else fhir.to_bundle(book)
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=fmt == "json") + "\n"
        if str(file) == "-":
            sys.stdout.write(text)
        else:
            tmp = file.with_name(f".{file.name}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, file)
            err.print(f"exported {len(book.children)} child(ren) to {file}", highlight=False)

    @handbook_app.command("import")
    def handbook_import(
        file: Annotated[Path, typer.Argument(help="A handbook file (JSON or FHIR R4 Bundle).")],
        fmt: Fmt = "json",
        store: Store = None,
    ) -> None:
        """Replace the stored handbook with FILE, after validating all of it (a broken file changes nothing)."""
        import asyncio

        from app.services.vault import VaultError
        from core.handbook import fhir
        from core.handbook.model import HandbookError, load_handbook

        _fmt(fmt)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"{file}: cannot read ({exc})")
        try:
            raw = json.loads(text)
        except ValueError as exc:
            fail(f"{file}: not JSON ({exc}); nothing was changed")
        try:
            book = (
                fhir.from_bundle(raw, today=_today()) if fmt == "fhir" else load_handbook(raw, today=_today())
            )
        except HandbookError as exc:
            fail(f"{file}: {exc}; nothing was changed")
        folder = store_dir(store)

        async def write():
            vault = await open_vault(folder)
            await vault.save(DOC, book.to_dict())
            return vault.protection

        try:
            protection = asyncio.run(write())
        except VaultError as exc:
            fail(f"{folder}: {exc}", code=1)
        if protection == "none":
            warn(f"the key is a file in {folder} (no platform key store from a terminal)")
        err.print(f"imported {len(book.children)} child(ren) into {folder}", highlight=False)
