"""Real dispatcher processes (`machi deliver --now`) on one database, the real SDK and the
fake FCM server: two processes never send an occurrence twice; kill -9 mid-batch loses
nothing and repeats at most the in-flight batch, which carries its collapse key."""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal

from sqlalchemy import func, insert, select

from backend.delivery.models import OutboxRow
from backend.devices.models import Device
from backend.security import hash_secret
from tests.backend.conftest import cli_env, machi, machi_popen, wait_until

NOW = dt.datetime.fromisoformat("2014-05-07T19:00+09:00").astimezone(dt.UTC)
NOW_ARG = "2014-05-07T19:00+09:00"


def _seed(engine, n: int) -> list[str]:
    devices, rows = [], []
    for i in range(n):
        did = f"dev{i:05d}"
        devices.append({"id": did, "secret_hash": hash_secret(did), "push_token": f"tok-{i:05d}",
                        "token_hash": hash_secret(f"tok-{i:05d}"), "token_kind": "token", "platform": "android",
                        "locale": "en", "timezone": "Asia/Tokyo", "app_version": "1", "disaster_alerts": True,
                        "news_categories": [], "created_at": NOW, "updated_at": NOW, "last_seen_at": NOW})
        rows.append({"device_id": did, "occurrence_key": f"garbage:test:{i:05d}", "kind": "garbage", "priority": 0,
                     "title": "t", "body": "b", "data": {}, "send_at": NOW, "expires_at": NOW + dt.timedelta(hours=2),
                     "status": "pending", "attempts": 0, "next_attempt_at": NOW, "created_at": NOW, "updated_at": NOW})
    with engine.begin() as conn:
        conn.execute(insert(Device.__table__), devices)
        conn.execute(insert(OutboxRow.__table__), rows)
    return [r["occurrence_key"] for r in rows]


def _env(db_url, tmp_path, fake, batch: int):
    return cli_env(db_url, tmp_path / "data", MACHI_TRANSPORT="fcm", MACHI_FCM_ENDPOINT=fake.url,
                   MACHI_FCM_PROJECT_ID="machi-dev", MACHI_BATCH_SIZE=str(batch))


def _statuses(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all())


def test_two_dispatcher_processes_never_double_send(engine, db_url, tmp_path, fake_fcm):
    keys = _seed(engine, 600)
    fake_fcm.delay = 0.02  # keep batches in flight so the two processes overlap
    env = _env(db_url, tmp_path, fake_fcm, batch=25)
    procs = [machi_popen("deliver", "--now", NOW_ARG, "--json", env=env) for _ in range(2)]
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    counts = fake_fcm.delivered_keys()
    assert set(counts) == set(keys)
    assert max(counts.values()) == 1, [k for k, c in counts.items() if c > 1][:5]
    assert _statuses(engine) == {"sent": 600}
    import json

    sent = [json.loads(out.strip().splitlines()[-1])["sent"] for out, _ in outs]
    assert sum(sent) == 600


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
    import json

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
