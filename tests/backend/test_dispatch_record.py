"""One batch with every outcome is recorded column by column (on PostgreSQL by one UPDATE and one
INSERT over arrays, on SQLite by executemany), and the run reports the CPU it spent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.delivery.dispatcher import Dispatcher
from backend.delivery.models import DeliveryAttempt, OutboxRow
from tests.backend.test_fcm import NOW, _setup


def test_mixed_batch_recorded_column_by_column(client, engine, fcm_settings, fake_fcm):
    ids = _setup(
        client,
        engine,
        fcm_settings,
        {"ok": ("tok-ok", "android"), "busy": ("tok-busy", "android"), "dead": ("tok-dead", "ios")},
    )
    fake_fcm.script("tok-busy", ["unavailable"], sticky=True)
    fake_fcm.script("tok-dead", ["unregistered"])
    report = Dispatcher(engine, fcm_settings, worker="host-a:42").run(NOW)
    assert (report.sent, report.retried, report.failed, report.tokens_deleted) == (1, 1, 1, 1)
    assert report.as_dict()["cpu_seconds"] == report.cpu_seconds > 0
    with Session(engine) as s:
        rows = {r.device_id: r for r in s.scalars(select(OutboxRow))}
        tries = {a.outbox_id: a for a in s.scalars(select(DeliveryAttempt))}
    ok, busy, dead = rows[ids["ok"]], rows[ids["busy"]], rows[ids["dead"]]
    assert (ok.status, ok.attempts, ok.transport, ok.error_code, ok.sent_at, ok.next_attempt_at) == (
        "sent",
        1,
        "fcm",
        None,
        NOW,
        NOW,
    )
    assert ok.message_id.startswith("projects/machi-dev/messages/")
    assert (busy.status, busy.attempts, busy.error_code, busy.sent_at, busy.message_id) == (
        "pending",
        1,
        "UNAVAILABLE",
        None,
        None,
    )
    assert NOW < busy.next_attempt_at <= NOW + dt.timedelta(seconds=2)  # first back-off: 1-2 s
    assert (dead.status, dead.attempts, dead.error_code, dead.sent_at) == ("failed", 1, "UNREGISTERED", None)
    assert {r.updated_at for r in rows.values()} == {NOW}
    assert {(tries[r.id].status, tries[r.id].error_code) for r in rows.values()} == {
        ("sent", None),
        ("retry", "UNAVAILABLE"),
        ("failed", "UNREGISTERED"),
    }
    for r in rows.values():
        a = tries[r.id]
        assert (a.attempt, a.at, a.transport, a.worker) == (1, NOW, "fcm", "host-a:42")
    assert tries[ok.id].message_id == ok.message_id and tries[dead.id].detail
