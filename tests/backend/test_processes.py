"""Real dispatcher processes (`machi deliver --now`) on one database, the real SDK and the
fake FCM server: two processes never send an occurrence twice; kill -9 mid-batch loses
nothing and repeats at most the in-flight batch, which carries its collapse key."""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import signal

from sqlalchemy import func, insert, select, text

from backend.delivery.models import DeliveryAttempt, OutboxRow, Pause
from backend.devices.models import Device
from backend.security import hash_secret
from tests.backend.conftest import cli_env, machi, machi_popen, wait_until

NOW = dt.datetime.fromisoformat("2014-05-07T19:00+09:00").astimezone(dt.UTC)
NOW_ARG = "2014-05-07T19:00+09:00"


def _seed(engine, n: int) -> list[str]:
    devices, rows = [], []
    for i in range(n):
        did = f"dev{i:05d}"
        devices.append(
            {
                "id": did,
                "secret_hash": hash_secret(did),
                "push_token": f"tok-{i:05d}",
                "token_hash": hash_secret(f"tok-{i:05d}"),
                "token_kind": "token",
                "platform": "android",
                "locale": "en",
                "timezone": "Asia/Tokyo",
                "app_version": "1",
                "disaster_alerts": True,
                "news_categories": [],
                "created_at": NOW,
                "updated_at": NOW,
                "last_seen_at": NOW,
            }
        )
        rows.append(
            {
                "device_id": did,
                "occurrence_key": f"garbage:test:{i:05d}",
                "kind": "garbage",
                "priority": 0,
                "title": "t",
                "body": "b",
                "data": {},
                "send_at": NOW,
                "expires_at": NOW + dt.timedelta(hours=2),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": NOW,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(Device.__table__), devices)
        conn.execute(insert(OutboxRow.__table__), rows)
    return [r["occurrence_key"] for r in rows]


def _env(db_url, tmp_path, fake, batch: int):
    # A generous FCM timeout: tests hold the fake's answers until both processes are in flight.
    return cli_env(
        db_url,
        tmp_path / "data",
        MACHI_TRANSPORT="fcm",
        MACHI_FCM_ENDPOINT=fake.url,
        MACHI_FCM_PROJECT_ID="machi-dev",
        MACHI_BATCH_SIZE=str(batch),
        MACHI_FCM_TIMEOUT="100",
    )


def _both_in_flight(fake, procs, n: int) -> None:
    """Wait until the fake holds ``n`` answers (each process has a batch on the wire)."""

    def ready():
        dead = [p for p in procs if p.poll() is not None]
        if dead:
            raise AssertionError(f"a dispatcher exited early: {dead[0].communicate()}")
        return fake.held >= n

    wait_until(ready, 120, f"{n} requests held by the fake FCM")


def _statuses(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all())


def test_two_dispatcher_processes_never_double_send(engine, db_url, tmp_path, fake_fcm):
    """Both processes deliver (each holds a batch on the wire at the same moment: on SQLite too,
    because no write lock is held while sending) and no occurrence goes out twice."""
    keys = _seed(engine, 600)
    env = _env(db_url, tmp_path, fake_fcm, batch=25)
    fake_fcm.hold()
    procs = [machi_popen("deliver", "--now", NOW_ARG, "--json", env=env) for _ in range(2)]
    _both_in_flight(fake_fcm, procs, 2 * 25)
    fake_fcm.release()
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    counts = fake_fcm.delivered_keys()
    assert set(counts) == set(keys)
    assert max(counts.values()) == 1, [k for k, c in counts.items() if c > 1][:5]
    assert _statuses(engine) == {"sent": 600}
    sent = [json.loads(out.strip().splitlines()[-1])["sent"] for out, _ in outs]
    assert sum(sent) == 600
    assert min(sent) >= 25, sent  # both processes delivered


def test_two_dispatchers_get_429_at_once(engine, db_url, tmp_path, fake_fcm):
    """Both processes' batches get 429 QUOTA_EXCEEDED at the same moment and both write the
    quota pause: one upsert, no unique violation, nothing rolled back or sent again.

    On PostgreSQL the test holds a SHARE lock on ``pauses`` until both processes wait to write
    their pause, so both have read "no pause yet" before either commits (the old read-then-insert
    failed here every time)."""
    keys = _seed(engine, 100)
    for i in range(100):
        fake_fcm.script(f"tok-{i:05d}", ["quota"], sticky=True)
    env = _env(db_url, tmp_path, fake_fcm, batch=20)
    fake_fcm.hold()
    procs = [machi_popen("deliver", "--now", NOW_ARG, "--json", env=env) for _ in range(2)]
    _both_in_flight(fake_fcm, procs, 2 * 20)
    if db_url.startswith("postgresql"):
        with engine.connect() as lock, lock.begin():
            lock.execute(text("LOCK TABLE pauses IN SHARE MODE"))
            fake_fcm.release()
            waiting = text(
                "SELECT count(*) FROM pg_locks WHERE relation = 'pauses'::regclass AND NOT granted"
            )
            wait_until(
                lambda: lock.execute(waiting).scalar() >= 2, 120, "both dispatchers to write the pause"
            )
    else:
        fake_fcm.release()
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    assert len(fake_fcm.requests) == 40 and not fake_fcm.delivered  # each first batch once, then paused
    assert len({r["target"] for r in fake_fcm.requests}) == 40
    until = NOW + dt.timedelta(seconds=fake_fcm.retry_after)
    with engine.connect() as conn:
        assert [(p.key, p.until) for p in conn.execute(select(Pause.key, Pause.until))] == [("quota", until)]
        rows = conn.execute(
            select(OutboxRow.status, OutboxRow.attempts, OutboxRow.error_code, OutboxRow.next_attempt_at)
        ).all()
        attempts = conn.execute(select(DeliveryAttempt.status, DeliveryAttempt.error_code)).all()
    assert len(rows) == len(keys) and {r.status for r in rows} == {"pending"}
    assert (
        sorted((r.attempts, r.error_code) for r in rows)
        == [(0, "PAUSED")] * 60 + [(1, "QUOTA_EXCEEDED")] * 40
    )
    assert {r.next_attempt_at for r in rows} == {until}
    assert sorted(attempts) == [("retry", "QUOTA_EXCEEDED")] * 40
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    assert [r["retried"] for r in reports] == [20, 20]


def test_kill_9_mid_batch_then_restart_delivers_everything(engine, db_url, tmp_path, fake_fcm):
    keys = _seed(engine, 200)
    batch = 20
    fake_fcm.delay = 0.3
    env = _env(db_url, tmp_path, fake_fcm, batch=batch)
    proc = machi_popen("deliver", "--now", NOW_ARG, env=env)
    # Wait until the third batch is on the wire (two batches committed), then kill -9.
    wait_until(lambda: len(fake_fcm.requests) >= 2 * batch + 5, 120, "the third batch to reach FCM")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    before_kill = {m["message"]["data"]["occurrence_key"] for m in fake_fcm.delivered}
    with engine.connect() as conn:
        committed = set(conn.scalars(select(OutboxRow.occurrence_key).where(OutboxRow.status == "sent")))
    assert 0 < len(committed) < len(keys)
    in_flight = before_kill - committed
    assert len(in_flight) <= batch  # at most the one batch that was being sent

    fake_fcm.delay = 0.0
    machi("deliver", "--now", NOW_ARG, env=env)
    counts = fake_fcm.delivered_keys()
    assert set(counts) == set(keys)  # nothing lost
    repeated = {k for k, c in counts.items() if c > 1}
    assert repeated <= in_flight  # only the in-flight batch may repeat...
    for m in fake_fcm.delivered:  # ...and every copy carries its collapse key
        key = m["message"]["data"]["occurrence_key"]
        assert m["message"]["android"]["collapse_key"] == key
        assert m["message"]["apns"]["headers"]["apns-collapse-id"] == key
    assert _statuses(engine) == {"sent": 200}
    per_key = collections.Counter(counts.values())
    assert per_key[1] + per_key[2] == len(keys)


def test_forked_dispatchers_share_a_slot_without_double_sends(engine, db_url, tmp_path, fake_fcm):
    """MACHI_DISPATCH_PROCESSES forks dispatchers inside one `machi deliver` (PostgreSQL only)."""
    import pytest

    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: deliver always dispatches in one process")
    keys = _seed(engine, 300)
    fake_fcm.delay = 0.02
    env = _env(db_url, tmp_path, fake_fcm, batch=20)
    env["MACHI_DISPATCH_PROCESSES"] = "3"
    out = machi("deliver", "--now", NOW_ARG, "--json", env=env).stdout
    report = json.loads(out.strip().splitlines()[-1])
    assert report["sent"] == 300 and report["batches"] >= 15
    counts = fake_fcm.delivered_keys()
    assert set(counts) == set(keys) and max(counts.values()) == 1
    assert _statuses(engine) == {"sent": 300}
