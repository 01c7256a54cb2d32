"""The dispatcher: claim due outbox rows, send them through a transport, record every attempt.

PostgreSQL: one transaction per batch, ``SELECT ... FOR UPDATE SKIP LOCKED``, so any number
of dispatcher processes take disjoint batches.  The row locks are held while the batch is
sent and the results (and, for the inbox transport, the inbox items) are committed with
them.  If a dispatcher dies (kill -9) its transaction rolls back, its rows become due again
and the next run sends them.

SQLite has one writer, so the dispatcher holds no write lock while it waits on the network:
it claims a batch in one short ``BEGIN IMMEDIATE`` transaction (inbox items and paused rows
are settled right there; the FCM rows are marked ``sending`` with the worker ``host:pid``),
sends with no transaction open, and records the results in a second short transaction.
Registrations and the API's other writes go on meanwhile.  Rows left ``sending`` by a
dispatcher that died (its process is gone, or the claim is older than the lease) are made
due again at the start of the next run.

Either way only the in-flight batch can repeat, and every message carries its occurrence key
as Android tag / collapse key and apns-collapse-id (and, for Web Push, as the notification tag
and hashed Topic), so a repeat replaces the first notification instead of stacking.

Routes: a device with an FCM token goes to FCM (when configured), one with a Web Push
subscription to the Web Push transport (``backend/delivery/webpush.py``), every other device to
the inbox.  The inbox is also the fallback: a message Web Push gives up on (subscription gone,
refused, out of attempts) is put in the device's inbox in the same transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import os
import random
import socket
import time
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection, Engine, bindparam, case, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from backend.admin.models import AuditEntry
from backend.db import is_sqlite, utcnow
from backend.delivery.inbox import InboxTransport
from backend.delivery.models import (
    EXPIRED,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    DeliveryAttempt,
    OutboxRow,
    Pause,
)
from backend.delivery.transport import Outgoing, Result, Transport
from backend.devices.models import Device
from backend.security import hash_secret
from backend.settings import Settings

log = logging.getLogger("machi.dispatcher")

o_t, d_t, a_t, p_t = OutboxRow.__table__, Device.__table__, DeliveryAttempt.__table__, Pause.__table__
QUOTA_KEY = "quota"

# Recording a batch.  SQLite: executemany (sqlite3 loops in C).  PostgreSQL: one UPDATE and one
# INSERT per batch over unnested arrays instead of 500 statements each (less client and server CPU
# per message); timestamps are naive UTC like every UTCDateTime column.
_RECORD_MANY = (
    update(o_t)
    .where(o_t.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        attempts=bindparam("b_attempts"),
        next_attempt_at=bindparam("b_next"),
        transport=bindparam("b_transport"),
        message_id=bindparam("b_mid"),
        error_code=bindparam("b_err"),
        sent_at=bindparam("b_sent"),
        updated_at=bindparam("b_now"),
    )
)
_PG_RECORD = text(
    f"UPDATE {o_t.name} AS o SET status = v.status, attempts = v.attempts, next_attempt_at = v.nxt, "
    "transport = v.transport, message_id = v.mid, error_code = v.err, sent_at = v.sent, updated_at = :now "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:status AS varchar[]), CAST(:attempts AS integer[]), "
    "CAST(:nxt AS timestamp[]), CAST(:transport AS varchar[]), CAST(:mid AS varchar[]), "
    "CAST(:err AS varchar[]), CAST(:sent AS timestamp[])) "
    "AS v(id, status, attempts, nxt, transport, mid, err, sent) WHERE o.id = v.id"
)
_ATTEMPT_COLUMNS = (
    "outbox_id",
    "attempt",
    "at",
    "transport",
    "status",
    "message_id",
    "error_code",
    "detail",
    "worker",
)
_PG_ATTEMPTS = text(
    f"INSERT INTO {a_t.name} ({', '.join(_ATTEMPT_COLUMNS)}) SELECT * FROM unnest("
    "CAST(:outbox_id AS bigint[]), CAST(:attempt AS integer[]), CAST(:at AS timestamp[]), "
    "CAST(:transport AS varchar[]), CAST(:status AS varchar[]), CAST(:message_id AS varchar[]), "
    "CAST(:error_code AS varchar[]), CAST(:detail AS varchar[]), CAST(:worker AS varchar[]))"
)


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    """Naive UTC, as ``UTCDateTime`` stores it (for statements that bypass the column type)."""
    return None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None)


def make_transports(settings: Settings) -> tuple[Transport | None, InboxTransport]:
    inbox = InboxTransport()
    if settings.uses_fcm():
        from backend.delivery.fcm import FcmTransport

        return FcmTransport(settings), inbox
    return None, inbox


def make_webpush(settings: Settings) -> Transport | None:
    """The Web Push transport unless MACHI_WEBPUSH is off (its VAPID key is read on first send)."""
    if not settings.webpush:
        return None
    from backend.delivery.webpush import WebPushTransport

    return WebPushTransport(settings)


@dataclass
class DispatchReport:
    batches: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    paused: int = 0
    expired: int = 0
    tokens_deleted: int = 0
    seconds: float = 0.0
    cpu_seconds: float = (
        0.0  # CPU of the dispatching processes (this one, or the forked children and this one)
    )
    by_transport: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            k: getattr(self, k)
            for k in (
                "batches",
                "sent",
                "retried",
                "failed",
                "paused",
                "expired",
                "tokens_deleted",
                "seconds",
                "cpu_seconds",
                "by_transport",
            )
        }


def backoff_delay(attempt: int, retry_after: float | None, base: float = 2.0, cap: float = 3600.0) -> float:
    """Exponential back-off with full jitter, never shorter than the server's Retry-After."""
    delay = random.uniform(0.5, 1.0) * min(cap, base * 2 ** max(0, attempt - 1))
    return max(delay, retry_after or 0.0)


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        fcm: Transport | None = None,
        inbox: InboxTransport | None = None,
        worker: str | None = None,
        webpush: Transport | None = None,
    ):
        self.engine, self.settings = engine, settings
        self._own_transports = fcm is None and inbox is None
        if self._own_transports:
            fcm, inbox = make_transports(settings)
        self.fcm, self.inbox = fcm, inbox or InboxTransport()
        self.webpush = webpush if webpush is not None else make_webpush(settings)
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"

    # ------------------------------------------------------------------ housekeeping

    def expire(self, now: dt.datetime) -> int:
        with self.engine.begin() as conn:
            res = conn.execute(
                update(o_t)
                .where(o_t.c.status == PENDING, o_t.c.expires_at <= now)
                .values(status=EXPIRED, error_code="EXPIRED", updated_at=now)
            )
            return res.rowcount or 0

    def _pauses(self, conn: Connection, now: dt.datetime) -> dict[str, dt.datetime]:
        return {r.key: r.until for r in conn.execute(select(p_t).where(p_t.c.until > now))}

    # ------------------------------------------------------------------ one batch

    def _claim(self, conn: Connection, now: dt.datetime) -> list[Outgoing]:
        # The due ids first, from the outbox alone (narrow rows: a top-N sort in memory, no join),
        # locked with SKIP LOCKED on PostgreSQL; then the rows and their devices for those ids only.
        # Sorting the joined full rows instead spilled to disk and cost ~0.1 s per batch at 20,000 due.
        ids = (
            select(o_t.c.id)
            .where(o_t.c.status == PENDING, o_t.c.next_attempt_at <= now, o_t.c.expires_at > now)
            .order_by(o_t.c.priority.desc(), o_t.c.next_attempt_at, o_t.c.id)
            .limit(self.settings.batch_size)
        )
        if not is_sqlite(conn):
            ids = ids.with_for_update(skip_locked=True)
        q = (
            select(
                o_t.c.id,
                o_t.c.device_id,
                o_t.c.occurrence_key,
                o_t.c.kind,
                o_t.c.priority,
                o_t.c.title,
                o_t.c.body,
                o_t.c.data,
                o_t.c.expires_at,
                o_t.c.attempts,
                d_t.c.push_token,
                d_t.c.token_kind,
                d_t.c.platform,
                d_t.c.locale,
                d_t.c.webpush_p256dh,
                d_t.c.webpush_auth,
                d_t.c.push_retry_at,
            )
            .join(d_t, d_t.c.id == o_t.c.device_id)
            .where(o_t.c.id.in_(ids))
            .order_by(o_t.c.priority.desc(), o_t.c.next_attempt_at, o_t.c.id)
        )
        return [
            Outgoing(
                r.id,
                r.device_id,
                r.occurrence_key,
                r.kind,
                r.priority,
                r.title,
                r.body,
                r.data or {},
                r.expires_at,
                r.attempts,
                r.push_token,
                r.token_kind,
                r.platform,
                r.locale,
                r.webpush_p256dh,
                r.webpush_auth,
                r.push_retry_at,
            )
            for r in conn.execute(q)
        ]

    def _route(self, batch: list[Outgoing], pauses: dict[str, dt.datetime], now: dt.datetime):
        """({transport name: its rows}, to the inbox, held by a pause or back-off with its end)."""
        to_fcm, to_webpush, to_inbox, held = [], [], [], []
        for o in batch:
            if o.token_kind == "webpush" and o.push_token and self.webpush is not None:
                if o.push_retry_at is not None and o.push_retry_at > now:  # the endpoint backs off
                    held.append((o, o.push_retry_at))
                else:
                    to_webpush.append(o)
            elif o.token_kind != "webpush" and self.fcm is not None and o.push_token:
                waits = [u for u in (pauses.get(QUOTA_KEY), pauses.get(f"platform:{o.platform}")) if u]
                until = max(waits) if waits else None
                if until is not None and until > now:
                    held.append((o, until))
                else:
                    to_fcm.append(o)
            else:
                to_inbox.append(o)
        routes = {"fcm": (self.fcm, to_fcm), "webpush": (self.webpush, to_webpush)}
        return {k: v for k, v in routes.items() if v[1]}, to_inbox, held

    async def _push(
        self, conn: Connection | None, routes: dict, now: dt.datetime
    ) -> dict[int, tuple[str, Result]]:
        """Send each network route's rows through its transport; results by outbox id."""
        results: dict[int, tuple[str, Result]] = {}
        for name, (transport, rows) in routes.items():
            for o, r in zip(rows, await transport.send(conn, rows, now), strict=True):
                results[o.outbox_id] = (name, r)
        return results

    async def _fallback(
        self, conn: Connection, rows: list[Outgoing], results: dict[int, tuple[str, Result]], now: dt.datetime
    ) -> None:
        """Put the messages Web Push gave up on (subscription gone or refused, last attempt failed)
        in the inbox instead, recorded as inbox deliveries that keep the push error."""
        back = []
        for o in rows:
            name, r = results.get(o.outbox_id, ("", None))
            if name == "webpush" and (
                r.fallback or (r.outcome == "retry" and o.attempts + 1 >= self.settings.max_attempts)
            ):
                back.append(o)
        if not back:
            return
        for o, r in zip(back, await self.inbox.send(conn, back, now), strict=True):
            pushed = results[o.outbox_id][1]
            results[o.outbox_id] = (
                "inbox",
                replace(
                    r,
                    error_code=pushed.error_code,
                    detail=f"web push: {pushed.detail}; delivered to the inbox"[:500],
                    delete_token=pushed.delete_token,
                ),
            )

    async def _batch(self, now: dt.datetime, report: DispatchReport) -> int:
        if is_sqlite(self.engine):
            return await self._batch_sqlite(now, report)
        with self.engine.connect() as conn, conn.begin():
            batch = self._claim(conn, now)
            if not batch:
                return 0
            routes, to_inbox, held = self._route(batch, self._pauses(conn, now), now)
            results = await self._push(conn, routes, now)
            await self._fallback(conn, batch, results, now)
            if to_inbox:
                for o, r in zip(to_inbox, await self.inbox.send(conn, to_inbox, now), strict=True):
                    results[o.outbox_id] = ("inbox", r)
            self._record(conn, batch, results, held, now, report)
        report.batches += 1
        return len(batch)

    async def _batch_sqlite(self, now: dt.datetime, report: DispatchReport) -> int:
        """Claim (short write transaction), send with no transaction open, record (another one)."""
        worker = self.worker[:300]
        with self.engine.connect() as conn:
            conn = conn.execution_options(immediate=True)  # BEGIN IMMEDIATE: the write lock up front
            with conn.begin():
                batch = self._claim(conn, now)
                if not batch:
                    return 0
                routes, to_inbox, held = self._route(batch, self._pauses(conn, now), now)
                to_push = [o for _, rows in routes.values() for o in rows]
                results: dict[int, tuple[str, Result]] = {}
                if to_inbox:  # no network: delivered and recorded in the claim transaction
                    for o, r in zip(to_inbox, await self.inbox.send(conn, to_inbox, now), strict=True):
                        results[o.outbox_id] = ("inbox", r)
                if to_push:
                    conn.execute(
                        update(o_t)
                        .where(o_t.c.id.in_([o.outbox_id for o in to_push]))
                        .values(status=SENDING, message_id=worker, error_code="CLAIMED", updated_at=utcnow())
                    )
                self._record(conn, batch, results, held, now, report)
        if to_push:
            ids = [o.outbox_id for o in to_push]
            mine = (o_t.c.id.in_(ids), o_t.c.status == SENDING, o_t.c.message_id == worker)
            try:
                sent = await self._push(None, routes, now)
            except BaseException:
                with self.engine.connect() as conn, conn.execution_options(immediate=True).begin():
                    conn.execute(
                        update(o_t).where(*mine).values(status=PENDING, message_id=None, error_code=None)
                    )
                raise
            with self.engine.connect() as conn:
                conn = conn.execution_options(immediate=True)
                with conn.begin():
                    # Rows deleted meanwhile (device unregistered) or taken back are not recorded.
                    live = set(conn.scalars(select(o_t.c.id).where(*mine)))
                    rows = [o for o in to_push if o.outbox_id in live]
                    results = {o.outbox_id: sent[o.outbox_id] for o in rows}
                    await self._fallback(conn, rows, results, now)
                    self._record(conn, rows, results, held=[], now=now, report=report)
        report.batches += 1
        return len(batch)

    def recover(self) -> int:
        """Make rows due again that a dead dispatcher left ``sending`` (SQLite); returns how many."""
        lease = dt.timedelta(
            seconds=max(
                600.0,
                2
                * self.settings.fcm_timeout
                * math.ceil(self.settings.batch_size / max(1, self.settings.fcm_concurrency)),
            )
        )
        with self.engine.connect() as conn:
            conn = conn.execution_options(immediate=True)
            with conn.begin():
                claimed = conn.execute(
                    select(o_t.c.id, o_t.c.message_id, o_t.c.updated_at).where(o_t.c.status == SENDING)
                ).all()
                stale = [
                    r.id for r in claimed if r.updated_at < utcnow() - lease or _worker_gone(r.message_id)
                ]
                if stale:
                    conn.execute(
                        update(o_t)
                        .where(o_t.c.id.in_(stale), o_t.c.status == SENDING)
                        .values(status=PENDING, message_id=None, error_code=None)
                    )
                    log.warning(
                        "%d outbox row(s) left in flight by a dispatcher that stopped are due again",
                        len(stale),
                    )
        return len(stale)

    def _record(
        self,
        conn: Connection,
        batch: list[Outgoing],
        results: dict[int, tuple[str, Result]],
        held: list[tuple[Outgoing, dt.datetime]],
        now: dt.datetime,
        report: DispatchReport,
    ) -> None:
        updates, attempts, audits = [], [], []
        tokens_to_delete: dict[str, tuple[str, str, str]] = {}
        endpoint_waits: dict[str, tuple[str, dt.datetime]] = {}
        paused_platforms: dict[str, str] = {}
        quota_until: dt.datetime | None = None
        for o, until in held:  # a paused route: wait, no attempt is made or counted
            updates.append(
                {
                    "b_id": o.outbox_id,
                    "b_status": PENDING,
                    "b_attempts": o.attempts,
                    "b_next": until,
                    "b_transport": None,
                    "b_mid": None,
                    "b_err": "PAUSED",
                    "b_sent": None,
                }
            )
            report.paused += 1
        for o in batch:
            if o.outbox_id not in results:
                continue
            transport, r = results[o.outbox_id]
            report.by_transport[transport] = report.by_transport.get(transport, 0) + 1
            n = o.attempts + 1
            status, nxt, sent_at = PENDING, now, None
            if r.outcome == "sent":
                status, sent_at = SENT, now
                report.sent += 1
            elif r.outcome == "failed":
                status = FAILED
                report.failed += 1
            elif r.outcome == "paused":
                n = o.attempts  # not the row's fault
                nxt = now + dt.timedelta(minutes=self.settings.auth_pause_minutes)
                report.paused += 1
            else:  # retry
                delay = (
                    max(self.settings.quota_backoff_seconds, r.retry_after or 0)
                    if r.quota
                    else backoff_delay(n, r.retry_after)
                )
                nxt = now + dt.timedelta(seconds=delay)
                if n >= self.settings.max_attempts:
                    status = FAILED
                    report.failed += 1
                elif nxt >= o.expires_at:
                    status = EXPIRED
                    report.expired += 1
                else:
                    report.retried += 1
                if r.quota:
                    quota_until = max(quota_until or nxt, nxt)
            if r.delete_token and o.push_token:
                actor = "system:webpush" if o.token_kind == "webpush" else "system:fcm"
                tokens_to_delete[o.device_id] = (hash_secret(o.push_token), r.error_code or "", actor)
            if r.endpoint_backoff and o.push_token and status == PENDING:
                endpoint_waits[o.device_id] = (hash_secret(o.push_token), nxt)
            if r.pause_platform:
                paused_platforms[o.platform] = r.detail or r.error_code or ""
            updates.append(
                {
                    "b_id": o.outbox_id,
                    "b_status": status,
                    "b_attempts": n,
                    "b_next": nxt,
                    "b_transport": transport,
                    "b_mid": r.message_id,
                    "b_err": r.error_code,
                    "b_sent": sent_at,
                }
            )
            attempts.append(
                {
                    "outbox_id": o.outbox_id,
                    "attempt": n if r.outcome != "paused" else o.attempts + 1,
                    "at": now,
                    "transport": transport,
                    "status": r.outcome if status != EXPIRED else "expired",
                    "message_id": r.message_id,
                    "error_code": r.error_code,
                    "detail": (r.detail or None) and r.detail[:500],
                    "worker": self.worker[:64],
                }
            )
        if updates:
            if is_sqlite(conn):
                conn.execute(_RECORD_MANY, [{**u, "b_now": now} for u in updates])
            else:  # one statement for the batch: arrays unnested server-side
                conn.execute(
                    _PG_RECORD,
                    {
                        "ids": [u["b_id"] for u in updates],
                        "status": [u["b_status"] for u in updates],
                        "attempts": [u["b_attempts"] for u in updates],
                        "nxt": [_naive(u["b_next"]) for u in updates],
                        "transport": [u["b_transport"] for u in updates],
                        "mid": [u["b_mid"] for u in updates],
                        "err": [u["b_err"] for u in updates],
                        "sent": [_naive(u["b_sent"]) for u in updates],
                        "now": _naive(now),
                    },
                )
        if attempts:
            if is_sqlite(conn):
                conn.execute(insert(a_t), attempts)
            else:
                conn.execute(
                    _PG_ATTEMPTS,
                    {k: [_naive(a[k]) if k == "at" else a[k] for a in attempts] for k in _ATTEMPT_COLUMNS},
                )
        for device_id, (token_hash, code, actor) in tokens_to_delete.items():
            res = conn.execute(
                update(d_t)
                .where(d_t.c.id == device_id, d_t.c.token_hash == token_hash)
                .values(
                    push_token=None,
                    token_hash=None,
                    token_kind=None,
                    webpush_p256dh=None,
                    webpush_auth=None,
                    push_retry_at=None,
                    token_updated_at=now,
                )
            )
            if res.rowcount:
                report.tokens_deleted += 1
                audits.append(
                    {
                        "at": now,
                        "actor": actor,
                        "action": "token.delete",
                        "target": device_id,
                        "detail": {"error_code": code},
                    }
                )
                log.warning("deleted the push token of device %s after %s %s", device_id, actor, code)
        for device_id, (token_hash, until) in endpoint_waits.items():  # per-endpoint back-off
            conn.execute(
                update(d_t)
                .where(d_t.c.id == device_id, d_t.c.token_hash == token_hash)
                .values(push_retry_at=until)
            )
        for platform, detail in paused_platforms.items():
            until = now + dt.timedelta(minutes=self.settings.auth_pause_minutes)
            self._pause(conn, f"platform:{platform}", until, f"THIRD_PARTY_AUTH_ERROR: {detail}"[:300])
            audits.append(
                {
                    "at": now,
                    "actor": "system:fcm",
                    "action": "platform.pause",
                    "target": platform,
                    "detail": {"until": until.isoformat(), "error_code": "THIRD_PARTY_AUTH_ERROR"},
                }
            )
            log.critical(
                "FCM THIRD_PARTY_AUTH_ERROR for %s: APNs/web push credentials are broken; %s paused until "
                "%s, tokens kept. Fix the credentials in the Firebase console. (%s)",
                platform,
                platform,
                until.isoformat(),
                detail,
            )
        if quota_until is not None:
            self._pause(conn, QUOTA_KEY, quota_until, "FCM 429 QUOTA_EXCEEDED")
            log.warning("FCM quota exceeded: backing off until %s", quota_until.isoformat())
        if audits:
            conn.execute(insert(AuditEntry.__table__), audits)

    def _pause(self, conn: Connection, key: str, until: dt.datetime, reason: str) -> None:
        """Pause ``key`` until ``until`` (or keep a later pause): one upsert, so dispatchers that
        hit the same 429 at once never collide on the primary key."""
        dialect = sqlite if is_sqlite(conn) else postgresql
        stmt = dialect.insert(p_t).values(key=key, until=until, reason=reason)
        later = stmt.excluded.until > p_t.c.until
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[p_t.c.key],
                set_={
                    "until": case((later, stmt.excluded.until), else_=p_t.c.until),
                    "reason": case((later, stmt.excluded.reason), else_=p_t.c.reason),
                },
            )
        )

    # ------------------------------------------------------------------ runs

    async def run_async(
        self, now: dt.datetime | None = None, max_batches: int | None = None
    ) -> DispatchReport:
        t0, c0 = time.perf_counter(), time.process_time()
        now = now or utcnow()
        report = DispatchReport()
        if is_sqlite(self.engine):
            self.recover()
        report.expired += self.expire(now)
        while max_batches is None or report.batches < max_batches:
            if not await self._batch(now, report):
                break
        report.seconds = time.perf_counter() - t0
        report.cpu_seconds = time.process_time() - c0
        return report

    async def aclose(self) -> None:
        """Close the network transports' connections (inside the event loop that used them)."""
        for transport in (self.fcm, self.webpush):
            if transport is not None:
                await transport.aclose()

    def run(self, now: dt.datetime | None = None, max_batches: int | None = None) -> DispatchReport:
        """One run in a fresh event loop (CLI, tests); closes the transports afterwards.

        With ``MACHI_DISPATCH_PROCESSES`` > 1 on PostgreSQL (and transports made from the
        settings) the run is split over that many forked processes (``run_processes``)."""
        if (
            self.settings.dispatch_processes > 1
            and max_batches is None
            and self._own_transports
            and not is_sqlite(self.engine)
        ):
            return self.run_processes(now or utcnow(), self.settings.dispatch_processes)

        async def go():
            try:
                return await self.run_async(now, max_batches)
            finally:
                await self.aclose()

        try:
            return asyncio.run(go())
        finally:
            close = getattr(self.fcm, "close", None)
            if close:
                close()

    def run_processes(self, now: dt.datetime, processes: int) -> DispatchReport:
        """The same run in ``processes`` forked dispatcher processes (PostgreSQL only).

        Python spends about 1.3 ms of CPU per message in firebase-admin's httpx path, so one
        process cannot keep more than one core busy; several processes claim disjoint batches
        with ``FOR UPDATE SKIP LOCKED`` exactly as separate ``machi deliver`` processes would
        (tests/backend/test_processes.py).  Each child opens its own connections and its own
        firebase app; a child killed mid-batch loses nothing (its transaction rolls back and the
        next run sends the batch again, with its collapse key), and the parent reports the
        failure.  Returns the sum of the children's reports."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if is_sqlite(self.engine):
            raise ValueError("several dispatcher processes need PostgreSQL (SQLite has one writer)")
        t0, c0 = time.perf_counter(), time.process_time()
        report = DispatchReport()
        report.expired += self.expire(now)
        url = self.engine.url.render_as_string(hide_password=False)
        child_settings = self.settings.model_copy(update={"dispatch_processes": 1})
        # fork: the children inherit the imported modules (no second start-up); _child drops the
        # inherited connection pool without touching the parent's sockets.
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(processes, mp_context=ctx) as pool:
            futures = [pool.submit(_child_run, url, child_settings, now) for _ in range(processes)]
            for f in futures:
                part = f.result()
                for k in (
                    "batches",
                    "sent",
                    "retried",
                    "failed",
                    "paused",
                    "expired",
                    "tokens_deleted",
                    "cpu_seconds",
                ):
                    setattr(report, k, getattr(report, k) + part[k])
                for k, v in part["by_transport"].items():
                    report.by_transport[k] = report.by_transport.get(k, 0) + v
        report.seconds = time.perf_counter() - t0
        report.cpu_seconds += time.process_time() - c0
        return report


def _worker_gone(worker: str | None) -> bool:
    """True when ``worker`` (``host:pid``) was a process on this host that no longer runs."""
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False


def _child_run(url: str, settings: Settings, now: dt.datetime) -> dict:
    """One forked dispatcher process of ``Dispatcher.run_processes``; its report's CPU counts the
    whole task (engine, firebase app, closing), not only the run."""
    from backend.db import get_engine

    c0 = time.process_time()
    engine = get_engine(url)
    engine.dispose(close=False)  # the parent's pooled connections are not ours to use or close
    report = Dispatcher(engine, settings).run(now)
    report.cpu_seconds = time.process_time() - c0
    return report.as_dict()


def deliver(engine: Engine, settings: Settings, now: dt.datetime | None = None) -> tuple:
    """Plan, then dispatch once (``machi deliver``)."""
    from backend.delivery import planner

    plan_report = planner.plan(engine, settings, now)
    return plan_report, Dispatcher(engine, settings).run(now)
