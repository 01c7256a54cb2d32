"""The FastAPI application: routers of every domain, one error shape, body limits, rate
limits, CORS for the web app's origin only, and (in ``machi serve``) the delivery worker."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel
from sqlalchemy import Engine, text
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend import errors
from backend.db import get_engine, utcnow
from backend.ratelimit import RateLimiter
from backend.settings import Settings, get_settings

log = logging.getLogger("machi.backend")


class BodyLimit:
    """ASGI middleware: 413 for a body larger than the limit (declared or streamed)."""

    def __init__(self, app, limit: int, paths: dict[str, int] | None = None):
        self.app, self.default, self.paths = app, limit, paths or {}  # paths: a larger limit per path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.paths.get(scope.get("path", ""), self.default)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > limit
                except ValueError:
                    too_big = False
                if too_big:
                    return await self._reject(scope, receive, send, limit)
        seen = 0
        started = False

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooBig(limit)
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooBig:
            if not started:
                await self._reject(scope, receive, send, limit)

    async def _reject(self, scope, receive, send, limit: int):
        resp = errors.error_json(413, "payload_too_large", f"request body is larger than {limit} bytes")
        await resp(scope, receive, send)


class _TooBig(StarletteHTTPException):
    """Raised while the body streams in; an HTTPException, so FastAPI passes it on instead of
    turning it into "400 error parsing the body", and the error handler answers 413."""

    def __init__(self, limit: int):
        super().__init__(413, f"request body is larger than {limit} bytes")


class Health(BaseModel):
    status: str
    database: str
    transport: str


class Worker:
    """Planner + dispatcher on a timer, and every domain's periodic jobs (backend/scheduler.py,
    retention) each MACHI_RETENTION_INTERVAL s, in one thread with its own event loop."""

    def __init__(self, engine: Engine, settings: Settings):
        self.engine, self.settings = engine, settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="machi-delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _main(self) -> None:
        asyncio.run(self._loop())

    async def _loop(self) -> None:
        from backend import scheduler
        from backend.delivery import planner
        from backend.delivery.dispatcher import Dispatcher

        dispatcher = Dispatcher(self.engine, self.settings)
        from backend.alerts.scheduled import poller  # JMA feed (#12): only with MACHI_JMA_FEED_URL

        jma = poller(self.engine)
        last_plan = last_scheduled = -float("inf")  # both run at once (monotonic may start near 0)
        try:
            while not self._stop.is_set():
                if time.monotonic() - last_scheduled >= self.settings.retention_interval:
                    last_scheduled = time.monotonic()
                    try:
                        await asyncio.to_thread(
                            scheduler.run_all, engine=self.engine, settings=self.settings, now=utcnow()
                        )
                    except Exception:
                        log.exception(
                            "periodic jobs failed; next try in %.0f s", self.settings.retention_interval
                        )
                if jma is not None:  # at most once a minute (the poller keeps the time)
                    try:
                        await asyncio.to_thread(jma.poll)
                    except Exception:
                        log.exception("JMA feed poll failed; next try in a minute")
                try:
                    if time.monotonic() - last_plan >= self.settings.plan_interval:
                        await asyncio.to_thread(planner.plan, self.engine, self.settings, utcnow())
                        last_plan = time.monotonic()
                    report = await dispatcher.run_async(utcnow())
                    if report.sent or report.failed or report.retried:
                        log.info("delivery: %s", report.as_dict())
                except Exception:
                    log.exception("delivery run failed; retrying in %.0f s", self.settings.deliver_interval)
                await asyncio.to_thread(self._stop.wait, self.settings.deliver_interval)
        finally:
            await dispatcher.aclose()


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, worker: bool = False
) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or get_engine(settings.db_url())
    transport = "fcm" if settings.uses_fcm() else "inbox"

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.webpush:  # the VAPID key is made at first start (docs/backend.md, Web Push)
            from backend.delivery.webpush import vapid_public_key

            try:
                vapid_public_key(settings)
            except (OSError, ValueError):
                log.exception("no VAPID key: Web Push devices get the inbox until it can be read")
        w = Worker(engine, settings) if worker else None
        if w:
            w.start()
        try:
            yield
        finally:
            if w:
                w.stop()

    app = FastAPI(
        title="Machi push service",
        version="1.0.0",
        lifespan=lifespan,
        description="Devices, subscriptions, app-owned reminders, an inbox, staff announcements and "
        'disaster alerts. Errors: {"error": {"code", "message", "field"?}}.',
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.trusted_proxies = settings.trusted_networks()
    app.state.register_limiter = RateLimiter.per_hour(
        burst=settings.rate_register_burst, per_hour=settings.rate_register_per_hour
    )
    app.state.device_limiter = RateLimiter.per_minute(settings.rate_device_per_minute)
    app.state.auth_failure_limiter = RateLimiter.per_minute(settings.rate_auth_failures_per_minute)
    app.state.admin_limiter = RateLimiter.per_minute(settings.rate_admin_per_minute)
    errors.install(app)

    from backend.admin.router import router as admin_router
    from backend.announcements.router import router as announcements_router
    from backend.delivery.router import push_router
    from backend.delivery.router import router as inbox_router
    from backend.devices.router import router as devices_router
    from backend.payslips.router import router as payslips_router
    from backend.reminders.router import router as reminders_router
    from backend.subscriptions.router import router as subscriptions_router

    for r in (
        devices_router,
        subscriptions_router,
        reminders_router,
        inbox_router,
        push_router,
        announcements_router,
        admin_router,
        payslips_router,
    ):
        app.include_router(r)
    from backend.city.router import router as city_router  # bundles, news, events, places (#11)

    app.include_router(city_router)
    from backend.alerts.router import router as alerts_router  # disaster alerts (#12)

    app.include_router(alerts_router)

    @app.get("/v1/health", response_model=Health, tags=["service"], summary="Liveness and database check")
    def health() -> Health:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return Health(status="ok", database=engine.dialect.name, transport=transport)

    if settings.web_origin:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[settings.web_origin],
            allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    app.add_middleware(
        BodyLimit, limit=settings.max_body_bytes, paths={"/v1/payslips/decode": settings.payslip_max_bytes}
    )
    from backend.webapp import mount_site, site_dir  # the static web app at / ($MACHI_WEB_DIR, machi up)

    if site := site_dir():
        mount_site(app, site)
    return app
