"""Commands of the push service: ``machi serve``, ``machi deliver``, ``machi admin ...``,
``machi dev fake-fcm`` (added to the one ``machi`` CLI by ``register``)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

err = Console(stderr=True)
out = Console()

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (SQLite file; MACHI_DATA_DIR).")
]


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _settings(data_dir: Path | None):
    from pydantic import ValidationError

    from backend.settings import get_settings

    if data_dir is not None:
        os.environ["MACHI_DATA_DIR"] = str(data_dir)  # the city loader reads the same directory
    get_settings.cache_clear()
    try:
        settings = get_settings()
        settings.uses_fcm()
    except (ValidationError, ValueError) as exc:
        fail(f"bad settings: {exc}")
    return settings


def _migrated_engine(settings):
    from sqlalchemy.exc import OperationalError

    from backend.db import get_engine, migrate

    url = settings.db_url()
    try:
        migrate(url)
    except OperationalError as exc:
        fail(f"cannot open the database {_safe_url(url)}: {exc.orig}")
    return get_engine(url)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable URL>"


def _parse_now(value: str) -> dt.datetime:
    try:
        now = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(f"--now: {value!r} is not a time like 2014-05-07T19:00+09:00")
    if now.tzinfo is None:
        fail("--now needs a UTC offset, e.g. 2014-05-07T19:00+09:00")
    return now.astimezone(dt.UTC)


def _texts(values: list[str], option: str) -> dict[str, str]:
    outd = {}
    for v in values:
        lang, sep, text = v.partition("=")
        if not sep or not text.strip():
            fail(f"{option} takes LANG=TEXT (e.g. ja=本日は…), not {v!r}")
        outd[lang.strip()] = text
    return outd


def _pydantic_fail(exc) -> NoReturn:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    fail(f"{where}: {first.get('msg')}")


def register(app: typer.Typer) -> None:
    admin = typer.Typer(
        no_args_is_help=True, help="City staff: API tokens, announcements, disaster alerts, audit."
    )
    dev = typer.Typer(no_args_is_help=True, help="Developer tools (fake FCM server).")
    app.add_typer(admin, name="admin")
    app.add_typer(dev, name="dev")

    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
        data_dir: DataDir = None,
        worker: Annotated[
            bool,
            typer.Option("--worker/--no-worker", help="Run the planner and dispatcher inside the server."),
        ] = True,
    ) -> None:
        """Apply migrations and serve the push API (inbox transport without Firebase credentials)."""
        import uvicorn

        from backend.app import create_app

        settings = _settings(data_dir)
        engine = _migrated_engine(settings)
        transport = "FCM" if settings.uses_fcm() else "inbox (no Firebase credentials)"
        err.print(
            f"[green]machi push service[/] on http://{host}:{port} — database {engine.dialect.name} "
            f"({_safe_url(settings.db_url())}), transport {transport}",
            highlight=False,
            soft_wrap=True,
        )
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        from backend.delivery import coverage

        for warning in coverage.warnings(now=dt.datetime.now(dt.UTC)):
            logging.getLogger("machi.serve").warning("garbage data: %s", warning)
        uvicorn.run(create_app(settings, engine, worker=worker), host=host, port=port, log_level="info")

    @app.command("deliver")
    def deliver(
        now: Annotated[
            str, typer.Option("--now", help="Act as if the clock read NOW (YYYY-MM-DDTHH:MM+09:00).")
        ] = "",
        data_dir: DataDir = None,
        loop: Annotated[
            bool, typer.Option("--loop", help="Keep running (a worker) instead of once.")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    ) -> None:
        """Run the planner and the dispatcher once (as of --now), then exit."""
        from backend.delivery import planner
        from backend.delivery.dispatcher import Dispatcher

        settings = _settings(data_dir)
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        when = _parse_now(now) if now else None
        if loop and when:
            fail("--loop runs on the real clock; drop --now")
        engine = _migrated_engine(settings)
        if loop:
            import time

            from backend.app import Worker

            w = Worker(engine, settings)
            w.start()
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                w.stop()
            return
        plan = planner.plan(engine, settings, when)
        report = Dispatcher(engine, settings).run(when)
        result = {
            "now": (when or dt.datetime.now(dt.UTC)).isoformat(),
            "planned": plan.inserted,
            "candidates": plan.candidates,
            "plan_seconds": round(plan.seconds, 3),
            **report.as_dict(),
        }
        if as_json:
            sys.stdout.write(json.dumps(result) + "\n")
            return
        table = Table(
            "planned",
            "sent",
            "retry",
            "failed",
            "paused",
            "expired",
            "tokens deleted",
            "batches",
            title=f"deliver as of {result['now']}",
        )
        table.add_row(
            *(
                str(result[k])
                for k in (
                    "planned",
                    "sent",
                    "retried",
                    "failed",
                    "paused",
                    "expired",
                    "tokens_deleted",
                    "batches",
                )
            )
        )
        out.print(table)

    @admin.command("create-token")
    def create_token(
        scope: Annotated[str, typer.Option("--scope", help="announce | alert | admin")],
        name: Annotated[
            str, typer.Option("--name", help="Who or what uses it (kept in the audit log).")
        ] = "staff",
        data_dir: DataDir = None,
    ) -> None:
        """Create a staff API token; it is printed once and stored only as a hash."""
        from sqlalchemy.orm import Session

        from backend.admin import service

        settings = _settings(data_dir)
        engine = _migrated_engine(settings)
        with Session(engine, expire_on_commit=False) as db:
            try:
                token, raw = service.create_token(db, scope, name)
            except ValueError as exc:
                fail(str(exc))
        err.print(f"[green]created[/] token {token.id} (scope {token.scope}); it is shown only now:")
        sys.stdout.write(raw + "\n")

    @admin.command("revoke-token")
    def revoke_token(
        token_id: Annotated[str, typer.Argument(help="Token id (the part after machi_).")],
        data_dir: DataDir = None,
    ) -> None:
        """Revoke a staff token."""
        from sqlalchemy.orm import Session

        from backend.admin import service

        engine = _migrated_engine(_settings(data_dir))
        with Session(engine, expire_on_commit=False) as db:
            if not service.revoke_token(db, token_id):
                fail(f"no live token {token_id!r}")
        err.print(f"[green]revoked[/] {token_id}")

    @admin.command("tokens")
    def tokens(data_dir: DataDir = None) -> None:
        """List staff tokens (never their secrets)."""
        from sqlalchemy import select
        from sqlalchemy.orm import Session

        from backend.admin.models import ApiToken

        engine = _migrated_engine(_settings(data_dir))
        table = Table("id", "scope", "name", "created", "last used", "revoked")
        with Session(engine, expire_on_commit=False) as db:
            for t in db.scalars(select(ApiToken).order_by(ApiToken.created_at)):
                table.add_row(
                    t.id,
                    t.scope,
                    t.name,
                    str(t.created_at)[:19],
                    str(t.last_used_at or "")[:19],
                    str(t.revoked_at or "")[:19],
                )
        out.print(table)

    @admin.command("announce")
    def announce(
        title: Annotated[list[str], typer.Option("--title", help="LANG=TEXT, repeatable; ja is required.")],
        body: Annotated[list[str], typer.Option("--body", help="LANG=TEXT, repeatable; ja is required.")],
        category: Annotated[str, typer.Option("--category", help="News category.")] = "general",
        area: Annotated[
            list[str] | None,
            typer.Option("--area", help="Area id or name (repeatable); default: every device of the city."),
        ] = None,
        city: Annotated[
            str | None, typer.Option("--city", help="City slug (default: the only city installed).")
        ] = None,
        data_dir: DataDir = None,
    ) -> None:
        """Send an announcement to every device of the city (or of some of its areas)."""
        from pydantic import ValidationError
        from sqlalchemy.orm import Session

        from backend.announcements import service
        from backend.announcements.schemas import AnnouncementIn
        from backend.errors import ApiError

        settings = _settings(data_dir)
        try:
            data = AnnouncementIn(
                city=city,
                category=category,
                title=_texts(title, "--title"),
                body=_texts(body, "--body"),
                areas=area or None,
            )
        except ValidationError as exc:
            _pydantic_fail(exc)
        engine = _migrated_engine(settings)
        with Session(engine, expire_on_commit=False) as db:
            try:
                ann = service.create_announcement(db, settings, data, "cli")
            except ApiError as exc:
                fail(f"{exc.field + ': ' if exc.field else ''}{exc.message}")
        err.print(
            f"[green]announcement {ann.id}[/] queued for {ann.devices} device(s); "
            f"it goes out with the next delivery run"
        )

    @admin.command("alert")
    def alert(
        severity: Annotated[str, typer.Option("--severity", help="Extreme | Severe | Moderate | Minor")],
        event: Annotated[
            str,
            typer.Option(
                "--event",
                help="earthquake, tsunami, heavy_rain, flood, landslide, typhoon, heat, evacuation, other",
            ),
        ],
        headline: Annotated[
            list[str], typer.Option("--headline", help="LANG=TEXT, repeatable; ja is required.")
        ],
        description: Annotated[list[str] | None, typer.Option("--description", help="LANG=TEXT")] = None,
        expires: Annotated[
            str, typer.Option("--expires", help="ISO time with offset, or hours from now (e.g. 6).")
        ] = "6",
        area: Annotated[
            list[str] | None, typer.Option("--area", help="Area id or name (repeatable).")
        ] = None,
        city: Annotated[
            str | None, typer.Option("--city", help="City slug (default: the only city installed).")
        ] = None,
        level: Annotated[
            int | None,
            typer.Option(
                "--level",
                help="Evacuation information (--event evacuation): "
                "3 高齢者等避難, 4 避難指示, 5 緊急安全確保.",
            ),
        ] = None,
        drill: Annotated[
            bool, typer.Option("--drill", help="A drill: shown as 訓練 everywhere (needs --level).")
        ] = False,
        lift: Annotated[
            bool, typer.Option("--lift", help="Lift the evacuation information of --level.")
        ] = False,
        data_dir: DataDir = None,
    ) -> None:
        """Send a disaster alert (high priority, time-sensitive, ignores quiet hours)."""
        from pydantic import ValidationError
        from sqlalchemy.orm import Session

        from backend.announcements import service
        from backend.announcements.schemas import AlertIn
        from backend.errors import ApiError

        settings = _settings(data_dir)
        try:
            hours = float(expires)
            until = dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)
        except ValueError:
            until = _parse_now(expires)
        try:
            data = AlertIn(
                city=city,
                severity=severity,
                event=event,
                headline=_texts(headline, "--headline"),
                description=_texts(description, "--description") if description else None,
                areas=area or None,
                expires=until,
                level=level,
                drill=drill,
                lift=lift,
            )
        except ValidationError as exc:
            _pydantic_fail(exc)
        engine = _migrated_engine(settings)
        with Session(engine, expire_on_commit=False) as db:
            try:
                ann = service.create_alert(db, data, "cli")
            except ApiError as exc:
                fail(f"{exc.field + ': ' if exc.field else ''}{exc.message}")
        err.print(f"[bold red]alert {ann.id}[/] queued for {ann.devices} device(s) until {ann.expires_at}")

    @admin.command("purge")
    def purge(
        now: Annotated[
            str, typer.Option("--now", help="Act as if the clock read NOW (YYYY-MM-DDTHH:MM+09:00).")
        ] = "",
        data_dir: DataDir = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
    ) -> None:
        """Apply the retention periods now (MACHI_RETENTION_*): delete old notifications, attempts, inbox
        items and audit entries, and devices not seen for MACHI_RETENTION_DEVICE_DAYS."""
        from backend import scheduler

        settings = _settings(data_dir)
        when = _parse_now(now) if now else dt.datetime.now(dt.UTC)
        counts = scheduler.run_all(engine=_migrated_engine(settings), settings=settings, now=when)
        if as_json:
            sys.stdout.write(json.dumps(counts) + "\n")
            return
        table = Table(*counts, title=f"deleted as of {when.isoformat(timespec='seconds')}")
        table.add_row(*(str(v) for v in counts.values()))
        out.print(table)

    @admin.command("audit")
    def audit_log(
        limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 50,
        data_dir: DataDir = None,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    ) -> None:
        """Show the audit log (newest first)."""
        from sqlalchemy.orm import Session

        from backend.admin import service

        engine = _migrated_engine(_settings(data_dir))
        table = Table("at", "actor", "action", "target", "detail")
        with Session(engine, expire_on_commit=False) as db:
            for e in service.entries(db, limit):
                if as_json:
                    sys.stdout.write(
                        json.dumps(
                            {
                                "at": e.at.isoformat(),
                                "actor": e.actor,
                                "action": e.action,
                                "target": e.target,
                                "detail": e.detail,
                            },
                            ensure_ascii=False,
                        )
                        + "\n"
                    )
                    continue
                table.add_row(
                    str(e.at)[:19],
                    e.actor,
                    e.action,
                    e.target or "",
                    json.dumps(e.detail, ensure_ascii=False),
                )
        if not as_json:
            out.print(table)

    @admin.command("stats")
    def stats(
        data_dir: DataDir = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    ) -> None:
        """Devices, notifications by status, paused routes, and how long each city's garbage data lasts
        (a warning 30 days before it ends)."""
        from sqlalchemy.orm import Session

        from backend.admin import service

        engine = _migrated_engine(_settings(data_dir))
        with Session(engine) as db:
            figures = service.stats(db_session=db, now=dt.datetime.now(dt.UTC))
        if as_json:
            sys.stdout.write(json.dumps(figures, ensure_ascii=False) + "\n")
            return
        out.print(
            f"devices {figures['devices']} ({figures['devices_with_push_token']} with a push token); "
            f"notifications {json.dumps(figures['outbox'])}; paused {json.dumps(figures['paused'])}",
            highlight=False,
            soft_wrap=True,
        )
        table = Table("city", "valid from", "valid to", "days left", "status", title="garbage data")
        for c in figures["garbage_data"]:
            table.add_row(
                c["city"],
                c["valid_from"] or "…",
                c["valid_to"] or "…",
                "" if c["days_left"] is None else str(c["days_left"]),
                c["status"],
            )
        out.print(table)
        for warning in figures["warnings"]:
            err.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)

    @dev.command("fake-fcm")
    def fake_fcm(
        host: Annotated[str, typer.Option("--host", help="Loopback address only.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=0, max=65535)] = 9099,
        project: Annotated[
            str, typer.Option("--project", help="Firebase project id it accepts.")
        ] = "machi-dev",
        delay: Annotated[float, typer.Option("--delay", min=0, help="Seconds before every answer.")] = 0.0,
    ) -> None:
        """A fake FCM v1 server on 127.0.0.1 for development and tests.

        Point the service at it: MACHI_FCM_ENDPOINT=http://127.0.0.1:9099 MACHI_FCM_PROJECT_ID=machi-dev.
        Tokens starting with fail-unregistered-, fail-sender-, fail-invalid-, fail-quota-, fail-unavailable-,
        fail-auth- or fail-html- get that error; scripting and inspection under /_fake/ (see docs/backend.md).
        """
        from backend.delivery.fakefcm import serve_forever

        if host not in ("127.0.0.1", "localhost", "::1"):
            fail("the fake FCM server listens on loopback only")
        err.print(
            f"[green]fake FCM[/] on http://{host}:{port} (project {project}); "
            f"MACHI_FCM_ENDPOINT=http://{host}:{port} MACHI_FCM_PROJECT_ID={project}",
            highlight=False,
        )
        serve_forever(host, port, project, delay)
