"""Retention and removal: every period of MACHI_RETENTION_* deletes what it names and nothing
younger; a device not seen for MACHI_RETENTION_DEVICE_DAYS goes with everything stored for it;
unregistering leaves no row of the device in any table.  Time is passed in (``now``)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from backend import (
    models,  # noqa: F401  (every table on Base.metadata)
    scheduler,
)
from backend.app import Worker
from backend.db import Base, utcnow
from backend.delivery.dispatcher import deliver
from backend.devices.models import Device
from tests.backend.conftest import (
    clear_outbox,
    cli_env,
    machi,
    make_settings,
    register,
    subscribe,
    wait_until,
)

NOW = dt.datetime.fromisoformat("2014-05-07T19:00+09:00").astimezone(dt.UTC)
DAY = dt.timedelta(days=1)
REMINDERS = [
    {
        "occurrence_key": "tax:resident:2",
        "send_at": "2014-05-07T10:00:00Z",
        "template": "tax_due",
        "params": {"tax": "resident_tax", "due_date": "2014-08-31", "installment": 2},
    }
]


def device_tables() -> set[str]:
    """Every table that holds device data: devices and whatever refers to it, directly or not."""
    found = {"devices"}
    for table in Base.metadata.sorted_tables:  # parents before children
        if any(fk.column.table.name in found for fk in table.foreign_keys):
            found.add(table.name)
    return found


def rows_of(engine, device_id: str) -> dict[str, int]:
    """Rows of the device in each device table (by its id, or through its outbox rows)."""
    counts = {}
    with engine.connect() as conn:
        outbox_ids = select(Base.metadata.tables["outbox"].c.id).where(
            Base.metadata.tables["outbox"].c.device_id == device_id
        )
        for name in sorted(device_tables()):
            t = Base.metadata.tables[name]
            if name == "devices":
                cond = t.c.id == device_id
            elif "device_id" in t.c:
                cond = t.c.device_id == device_id
            elif "outbox_id" in t.c:
                cond = t.c.outbox_id.in_(outbox_ids)
            else:
                raise AssertionError(f"{name} holds device data in a way this test does not know: extend it")
            counts[name] = conn.execute(select(func.count()).select_from(t).where(cond)).scalar()
    return counts


def dump(engine) -> str:
    """Every value of every table, as text."""
    with engine.connect() as conn:
        return "\n".join(
            json.dumps([str(v) for v in row], ensure_ascii=False)
            for t in Base.metadata.sorted_tables
            for row in conn.execute(select(t))
        )


def full_device(client, token: str) -> tuple[str, dict]:
    device_id, headers = register(client, "en", token=token, platform="android")
    subscribe(client, device_id, headers)
    assert (
        client.put(f"/v1/devices/{device_id}/reminders", headers=headers, json=REMINDERS).status_code == 200
    )
    return device_id, headers


def total(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_unregister_deletes_every_row_of_the_device(client, engine, settings):
    gone, h_gone = full_device(client, "tok-gone")
    kept, _ = full_device(client, "tok-kept")
    clear_outbox(engine)
    deliver(engine, settings, NOW)  # outbox rows, their delivery attempts and inbox items for both
    before = rows_of(engine, gone)
    # The test reaches every table that holds device data (a new one must be added here).
    assert set(before) == device_tables() and all(before.values()), before
    assert all(rows_of(engine, kept).values())
    assert client.delete(f"/v1/devices/{gone}", headers=h_gone).status_code == 204
    assert rows_of(engine, gone) == {name: 0 for name in device_tables()}
    assert rows_of(engine, kept) == {name: n for name, n in before.items()}  # the other device is untouched
    stored = dump(engine)
    assert gone not in stored and "tok-gone" not in stored and "tok-kept" in stored


def test_each_retention_period_deletes_what_it_names_and_nothing_younger(client, engine, db_url, tmp_path):
    settings = make_settings(
        db_url,
        tmp_path,
        retention_outbox_days=30,
        retention_attempts_days=10,
        retention_inbox_days=20,
        retention_audit_days=365,
        retention_device_days=365,
    )
    a, _ = full_device(client, "tok-a")
    b, _ = full_device(client, "tok-b")
    clear_outbox(engine)
    deliver(engine, settings, NOW)
    assert total(engine, "outbox") == total(engine, "delivery_attempts") == total(engine, "inbox") == 4

    def run(now):
        return scheduler.run_all(engine=engine, settings=settings, now=now)

    expires = NOW + dt.timedelta(hours=12)  # the latest expiry among the rows (app reminders: 720 min late)
    zero = {j.name: 0 for j in scheduler.jobs()}  # every domain's job, this test's included
    assert {"devices", "app_reminders", "outbox", "delivery_attempts", "inbox", "audit_log"} <= set(zero)
    assert run(NOW + 9 * DAY) == zero
    assert run(NOW + 10 * DAY + dt.timedelta(hours=1)) == {**zero, "delivery_attempts": 4}
    assert run(NOW + 20 * DAY + dt.timedelta(hours=1)) == {**zero, "inbox": 4}
    assert run(expires + 29 * DAY) == zero
    assert run(expires + 30 * DAY + dt.timedelta(minutes=1)) == {**zero, "outbox": 4, "app_reminders": 2}
    assert total(engine, "garbage_subscriptions") == 2 and total(engine, "devices") == 2
    audit_before = total(engine, "audit_log")
    assert audit_before == 3  # one retention.purge entry per run that deleted anything
    # Devices: seen now; gone 365 days later with their subscription.  The audit log follows.
    seen = utcnow()
    with Session(engine) as s:
        s.execute(update(Device).where(Device.id == a).values(last_seen_at=seen - 300 * DAY))
        s.commit()
    assert run(seen + 65 * DAY + dt.timedelta(hours=1))["devices"] == 1
    assert rows_of(engine, a) == {name: 0 for name in device_tables()}
    assert rows_of(engine, b)["garbage_subscriptions"] == 1
    assert run(seen + 366 * DAY) == {**zero, "devices": 1, "audit_log": audit_before + 1}


def test_an_abandoned_registration_is_removed_by_the_cli(client, engine, db_url, tmp_path):
    """An app that re-registers after a 401 leaves its first device behind: it is seen no more."""
    old, _ = full_device(client, "tok-old")
    new, _ = full_device(client, "tok-new")
    with Session(engine) as s:
        s.execute(update(Device).where(Device.id == old).values(last_seen_at=utcnow() - 366 * DAY))
        s.commit()
    env = cli_env(db_url, tmp_path / "data")
    counts = json.loads(machi("admin", "purge", "--json", env=env).stdout)
    assert counts["devices"] == 1
    assert sum(rows_of(engine, old).values()) == 0 and rows_of(engine, new)["devices"] == 1
    later = (utcnow() + 366 * DAY).isoformat()
    assert json.loads(machi("admin", "purge", "--now", later, "--json", env=env).stdout)["devices"] == 1
    bad = machi("admin", "purge", "--now", "tomorrow", env=env, check=False)
    assert bad.returncode == 2 and "--now" in bad.stderr


def test_the_delivery_worker_runs_the_retention_jobs(client, engine, db_url, tmp_path):
    stale, _ = full_device(client, "tok-stale")
    with Session(engine) as s:
        s.execute(update(Device).where(Device.id == stale).values(last_seen_at=utcnow() - 400 * DAY))
        s.commit()
    worker = Worker(engine, make_settings(db_url, tmp_path, deliver_interval=0.05))
    worker.start()
    try:
        wait_until(lambda: total(engine, "devices") == 0, what="the worker's retention run")
    finally:
        worker.stop()
    assert sum(rows_of(engine, stale).values()) == 0
