"""``machi alerts parse|replay`` and ``machi admin shelter open|close`` (disaster alerts, issue #12).

``parse`` needs city data only; ``replay`` runs stored JMA documents through the live path of the
push service (state, alerts, push), for tests and drills.
"""

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    from cli.common import CityOpt, DataDirOpt, JsonOpt, emit_json, err, fail, out

    alerts = typer.Typer(no_args_is_help=True, help="JMA weather warnings: read and replay documents.")
    app.add_typer(alerts, name="alerts")

    @alerts.command("parse")
    def parse(
        file: Annotated[Path, typer.Argument(help="A JMA 防災情報XML document (気象警報・注意報).")],
        city: CityOpt = "matsusaka",
        data_dir: DataDirOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """The warnings of one document for the city's JMA area (one per kind; [] when none concern it)."""
        from core.alerts import jma
        from core.city import CityNotFound, load_city

        try:
            meta = load_city(city, data_dir).meta.get("jma") or {}
        except CityNotFound as exc:
            fail(str(exc))
        code = str(meta.get("area_code") or "")
        if not code:
            fail(f"the city {city!r} has no JMA area code (jma.area_code in its city.json)")
        try:
            data = file.read_bytes()
        except OSError as exc:
            fail(f"{file}: {exc.strerror or exc}")
        try:
            warnings = jma.parse(data).for_area(code)
        except jma.OtherJmaDocument as exc:
            err.print(f"{file}: {exc}; nothing to read for {city}", highlight=False, soft_wrap=True)
            warnings = []
        except jma.NotJmaDocument as exc:
            fail(f"{file}: not a JMA document: {exc}")
        rows = [
            {"event": w.event, "level": w.level, "status": w.status, "name": w.name, "area_code": w.area_code}
            for w in warnings
        ]
        if as_json:
            emit_json(rows)
            return
        if not rows:
            out.print(f"nothing for {city} ({code})")
        for r in rows:
            level = f"level {r['level']}" if r["level"] else "no level"
            out.print(f"{r['name']}  {r['event']}  {level}  {r['status']}", highlight=False)

    @alerts.command("replay")
    def replay(
        files: Annotated[list[Path], typer.Argument(help="JMA documents, applied in this order.")],
        drill: Annotated[bool, typer.Option("--drill", help="Mark the alerts as a drill (訓練).")] = False,
        data_dir: Annotated[
            Path | None, typer.Option("--data-dir", help="Data directory (SQLite file, cities).")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Run stored documents through the live path: state, alerts, push (idempotent: a document counts once)."""
        from sqlalchemy.orm import Session

        from backend.alerts import service
        from backend.cli import _migrated_engine, _settings
        from core.alerts import jma

        blobs = []
        for f in files:  # read and check them all first: a bad file changes nothing
            try:
                data = f.read_bytes()
                jma.parse(data)
            except OSError as exc:
                fail(f"{f}: {exc.strerror or exc}")
            except jma.NotJmaDocument as exc:
                fail(f"{f}: {exc}")
            blobs.append((f, data))
        engine = _migrated_engine(_settings(data_dir))
        report = []
        with Session(engine, expire_on_commit=False) as db:
            for f, data in blobs:
                r = service.ingest(db_session=db, data=data, drill=drill)
                report.append(
                    {
                        "file": str(f),
                        "status": r.status,
                        "alerts": [
                            {
                                "id": a.id,
                                "city": a.city,
                                "event": a.event,
                                "change": a.change,
                                "level": a.level,
                                "devices": a.devices,
                            }
                            for a in r.alerts
                        ],
                    }
                )
        if as_json:
            emit_json(report)
            return
        for r in report:
            err.print(f"{r['file']}: {r['status']}", highlight=False)
            for a in r["alerts"]:
                err.print(
                    f"  alert {a['id']} {a['city']} {a['event']} {a['change']} level {a['level']}: "
                    f"{a['devices']} device(s)",
                    highlight=False,
                )

    admin = next((g.typer_instance for g in app.registered_groups if g.name == "admin"), None)
    if admin is None:  # the backend is not in this checkout
        return
    shelter = typer.Typer(no_args_is_help=True, help="Open or close a shelter of the city's places data.")
    admin.add_typer(shelter, name="shelter")

    def _set(place_id: str, is_open: bool, city: str | None, data_dir: Path | None) -> None:
        from sqlalchemy.orm import Session

        from backend.alerts import service
        from backend.announcements.service import city_slug
        from backend.cli import _migrated_engine, _settings
        from backend.errors import ApiError

        engine = _migrated_engine(_settings(data_dir))
        with Session(engine, expire_on_commit=False) as db:
            try:
                row = service.set_shelter(
                    db_session=db, city=city_slug(city), place_id=place_id, is_open=is_open, actor="cli"
                )
            except ApiError as exc:
                fail(f"{exc.field + ': ' if exc.field else ''}{exc.message}")
        err.print(f"shelter {row.place_id} of {row.city} is now {'open' if row.open else 'closed'}")

    CityArg = Annotated[
        str | None, typer.Option("--city", help="City slug (default: the only city installed).")
    ]
    DataArg = Annotated[Path | None, typer.Option("--data-dir", help="Data directory (SQLite file, cities).")]

    @shelter.command("open")
    def shelter_open(
        place_id: Annotated[str, typer.Argument(metavar="ID", help="Place id (places data).")],
        city: CityArg = None,
        data_dir: DataArg = None,
    ) -> None:
        """Open a shelter: the app shows it as a place to go."""
        _set(place_id, True, city, data_dir)

    @shelter.command("close")
    def shelter_close(
        place_id: Annotated[str, typer.Argument(metavar="ID", help="Place id (places data).")],
        city: CityArg = None,
        data_dir: DataArg = None,
    ) -> None:
        """Close a shelter."""
        _set(place_id, False, city, data_dir)
