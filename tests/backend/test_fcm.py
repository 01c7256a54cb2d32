"""Each scripted FCM error leads to the action of issue 3 point 6 — the real firebase-admin
SDK against the fake FCM v1 server (nothing mocked)."""

from __future__ import annotations

import datetime as dt

import firebase_admin
import httpx
import pytest
from firebase_admin import messaging
from sqlalchemy import select

from backend.admin.models import AuditEntry
from backend.delivery import planner
from backend.delivery.dispatcher import Dispatcher
from backend.delivery.models import DeliveryAttempt, OutboxRow, Pause
from backend.devices.models import Device
from tests.backend.conftest import clear_outbox, register, subscribe

NOW = dt.datetime.fromisoformat("2014-05-07T19:00+09:00").astimezone(dt.UTC)


def test_canary_sdk_patch_points_exist():
    """Fails loudly when a firebase-admin upgrade moves what the fake-server wiring patches."""
    assert firebase_admin.__version__.startswith("7.7."), firebase_admin.__version__
    from backend.delivery.fcm import REAL_FCM_URL

    svc_cls = messaging._MessagingService
    assert hasattr(svc_cls, "FCM_URL")
    # The SDK's own value, taken when backend.delivery.fcm was imported (earlier tests may have
    # pointed the class at a fake server since).
    assert "{0}" in REAL_FCM_URL and REAL_FCM_URL.startswith("https://fcm.googleapis.com/v1/projects/")
    assert callable(getattr(messaging, "_get_messaging_service", None))
    from backend.delivery.fcm import StaticCredential

    app = firebase_admin.initialize_app(StaticCredential(), {"projectId": "canary"}, name="canary")
    try:
        svc = messaging._get_messaging_service(app)
        for attr in ("_fcm_url", "_fcm_topic_url", "_async_client", "_fcm_headers"):
            assert hasattr(svc, attr), f"firebase-admin moved {attr}"
        assert svc._fcm_headers.get("X-GOOG-API-FORMAT-VERSION") == "2"
    finally:
        firebase_admin.delete_app(app)


def _setup(client, engine, settings, tokens: dict[str, tuple[str, str]]) -> dict[str, str]:
    """tokens: name -> (push token, platform); returns name -> device id, all planned for NOW."""
    ids = {}
    for name, (token, platform) in tokens.items():
        device_id, headers = register(client, "en", token=token, platform=platform)
        subscribe(client, device_id, headers)
        ids[name] = device_id
    clear_outbox(engine)
    planner.plan(engine, settings, NOW)
    return ids


def _row(engine, device_id) -> OutboxRow:
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        return s.scalars(select(OutboxRow).where(OutboxRow.device_id == device_id)).one()


def _device(engine, device_id) -> Device:
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        return s.get(Device, device_id)


def _audit(engine) -> list[AuditEntry]:
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_success_carries_collapse_keys_and_is_recorded(client, engine, fcm_settings, fake_fcm):
    ids = _setup(
        client, engine, fcm_settings, {"a": ("tok-ok-a", "android"), "b": ("cAbcdefghijklmnopqrstu", "ios")}
    )
    report = Dispatcher(engine, fcm_settings).run(NOW)
    assert report.sent == 2 and report.by_transport == {"fcm": 2}
    assert not fake_fcm.rejected
    msgs = {m["target"]: m["message"] for m in fake_fcm.delivered}
    key = "garbage:matsusaka:a198c8301:2014-05-08"
    a = msgs["tok-ok-a"]
    assert (
        a["token"] == "tok-ok-a"
        and a["android"]["collapse_key"] == key
        and a["android"]["notification"]["tag"] == key
    )
    assert a["apns"]["headers"]["apns-collapse-id"] == key and a["data"]["occurrence_key"] == key
    assert "fid" in msgs["cAbcdefghijklmnopqrstu"]  # a Firebase installation id goes out as fid
    row = _row(engine, ids["a"])
    assert (
        row.status == "sent"
        and row.attempts == 1
        and row.message_id.startswith("projects/machi-dev/messages/")
    )


@pytest.mark.parametrize(
    "reply,code",
    [
        ("unregistered", "UNREGISTERED"),
        ("sender_id_mismatch", "SENDER_ID_MISMATCH"),
        ("invalid_token", "INVALID_TOKEN"),
    ],
)
def test_dead_tokens_are_deleted_and_audited(client, engine, fcm_settings, fake_fcm, reply, code):
    ids = _setup(client, engine, fcm_settings, {"dead": ("tok-dead", "android"), "ok": ("tok-ok", "android")})
    fake_fcm.script("tok-dead", [reply])
    report = Dispatcher(engine, fcm_settings).run(NOW)
    assert report.sent == 1 and report.failed == 1 and report.tokens_deleted == 1
    assert _device(engine, ids["dead"]).push_token is None
    assert _device(engine, ids["ok"]).push_token == "tok-ok"
    row = _row(engine, ids["dead"])
    assert row.status == "failed" and row.error_code == code
    entries = [e for e in _audit(engine) if e.action == "token.delete"]
    assert [(e.target, e.detail["error_code"], e.actor) for e in entries] == [
        (ids["dead"], code, "system:fcm")
    ]


def test_invalid_argument_on_payload_keeps_token_and_does_not_retry(client, engine, fcm_settings, fake_fcm):
    ids = _setup(client, engine, fcm_settings, {"x": ("tok-x", "android")})
    fake_fcm.script("tok-x", ["invalid_argument"])
    Dispatcher(engine, fcm_settings).run(NOW)
    row = _row(engine, ids["x"])
    assert row.status == "failed" and row.error_code == "INVALID_ARGUMENT"
    assert _device(engine, ids["x"]).push_token == "tok-x"


def test_third_party_auth_error_pauses_platform_keeps_tokens(client, engine, fcm_settings, fake_fcm, caplog):
    ids = _setup(
        client,
        engine,
        fcm_settings,
        {"ios1": ("tok-ios1", "ios"), "ios2": ("tok-ios2", "ios"), "droid": ("tok-droid", "android")},
    )
    fake_fcm.script("tok-ios1", ["third_party_auth"], sticky=True)
    fake_fcm.script("tok-ios2", ["third_party_auth"], sticky=True)
    settings = fcm_settings.model_copy(update={"batch_size": 1})  # ios1 first, then the pause holds ios2
    with caplog.at_level("CRITICAL", logger="machi.dispatcher"):
        Dispatcher(engine, settings).run(NOW)
    assert any("THIRD_PARTY_AUTH_ERROR" in r.message for r in caplog.records if r.levelname == "CRITICAL")
    assert all(_device(engine, ids[n]).push_token for n in ids)  # tokens kept
    assert _row(engine, ids["droid"]).status == "sent"
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        pause = s.get(Pause, "platform:ios")
    assert pause is not None and pause.until >= NOW + dt.timedelta(minutes=fcm_settings.auth_pause_minutes)
    for n in ("ios1", "ios2"):
        row = _row(engine, ids[n])
        assert row.status == "pending" and row.next_attempt_at == pause.until
    assert (
        len({r["target"] for r in fake_fcm.requests if r["target"].startswith("tok-ios")}) == 1
    )  # ios2 held
    # After the pause (and with APNs fixed) the held reminders go out.
    fake_fcm.reset()
    later = pause.until + dt.timedelta(seconds=1)
    report = Dispatcher(engine, fcm_settings).run(later)
    assert report.sent == 2 and {m["target"] for m in fake_fcm.delivered} == {"tok-ios1", "tok-ios2"}


def test_quota_429_backs_off_at_least_retry_after_without_stalling(client, engine, fcm_settings, fake_fcm):
    ids = _setup(client, engine, fcm_settings, {"q": ("tok-q", "android"), "other": ("tok-other", "android")})
    fake_fcm.script("tok-q", ["quota"])  # 429 with Retry-After: 120
    settings = fcm_settings.model_copy(update={"batch_size": 1})
    report = Dispatcher(engine, settings).run(NOW)
    assert len(fake_fcm.requests_for("tok-q")) == 1  # the async path does not retry 429 (no 240-s stall)
    row = _row(engine, ids["q"])
    assert row.status == "pending" and row.error_code == "QUOTA_EXCEEDED" and row.attempts == 1
    assert row.next_attempt_at >= NOW + dt.timedelta(seconds=120)
    # The whole transport backs off: the other reminder waits for the quota window too.
    assert fake_fcm.requests_for("tok-other") == [] and report.paused == 1
    assert _row(engine, ids["other"]).next_attempt_at >= NOW + dt.timedelta(seconds=120)
    report = Dispatcher(engine, settings).run(NOW + dt.timedelta(seconds=121))
    assert report.sent == 2


def test_quota_without_retry_after_still_waits_60s(client, engine, fcm_settings, fake_fcm):
    fake_fcm.retry_after = 1
    ids = _setup(client, engine, fcm_settings, {"q": ("tok-q", "android")})
    fake_fcm.script("tok-q", ["quota"])
    Dispatcher(engine, fcm_settings).run(NOW)
    assert _row(engine, ids["q"]).next_attempt_at >= NOW + dt.timedelta(seconds=60)


def test_503_then_success_is_delivered(client, engine, fcm_settings, fake_fcm):
    ids = _setup(client, engine, fcm_settings, {"u": ("tok-u", "android")})
    fake_fcm.script("tok-u", ["unavailable"])
    report = Dispatcher(engine, fcm_settings).run(NOW)
    assert report.sent == 1 and _row(engine, ids["u"]).status == "sent"
    assert [r["reply"] for r in fake_fcm.requests_for("tok-u")] == ["unavailable", "ok"]


def test_persistent_503_and_html_502_back_off_exponentially_with_jitter(
    client, engine, fcm_settings, fake_fcm
):
    ids = _setup(client, engine, fcm_settings, {"u": ("tok-u", "android"), "h": ("tok-h", "android")})
    fake_fcm.script("tok-u", ["unavailable"], sticky=True)
    fake_fcm.script("tok-h", ["html_502"], sticky=True)
    t = NOW
    delays = {"u": [], "h": []}
    for _ in range(3):
        Dispatcher(engine, fcm_settings).run(t)
        for n in ("u", "h"):
            row = _row(engine, ids[n])
            assert row.status == "pending"
            delays[n].append((row.next_attempt_at - t).total_seconds())
        t = max(_row(engine, ids["u"]).next_attempt_at, _row(engine, ids["h"]).next_attempt_at)
    for n in ("u", "h"):
        d = delays[n]
        assert 0 < d[0] <= 2 and 1 <= d[1] <= 4 and 2 <= d[2] <= 8, d  # base 2 s x 2^(n-1), jitter 0.5-1
    assert (
        _row(engine, ids["h"]).error_code == "UNKNOWN" and _row(engine, ids["u"]).error_code == "UNAVAILABLE"
    )
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        attempts = s.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.outbox_id == _row(engine, ids["h"]).id)
            .order_by(DeliveryAttempt.attempt)
        ).all()
    assert [(a.attempt, a.status, a.error_code) for a in attempts] == [
        (1, "retry", "UNKNOWN"),
        (2, "retry", "UNKNOWN"),
        (3, "retry", "UNKNOWN"),
    ]


def test_batches_never_exceed_500(client, engine, fcm_settings, fake_fcm):
    from sqlalchemy import insert

    device_id, headers = register(client, "en", token="tok-many")
    rows = [
        {
            "device_id": device_id,
            "occurrence_key": f"k{i}",
            "kind": "app",
            "priority": 0,
            "title": "t",
            "body": "b",
            "data": {},
            "send_at": NOW,
            "expires_at": NOW + dt.timedelta(hours=1),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": NOW,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for i in range(1001)
    ]
    with engine.begin() as conn:
        conn.execute(insert(OutboxRow.__table__), rows)
    report = Dispatcher(engine, fcm_settings).run(NOW)
    assert report.sent == 1001 and report.batches == 3


def test_expired_rows_are_dropped_not_sent(client, engine, fcm_settings, fake_fcm):
    ids = _setup(client, engine, fcm_settings, {"a": ("tok-a", "android")})
    report = Dispatcher(engine, fcm_settings).run(
        NOW + dt.timedelta(hours=3, minutes=1)
    )  # 22:01: past its expiry
    assert report.sent == 0 and report.expired == 1 and fake_fcm.requests == []
    assert _row(engine, ids["a"]).status == "expired"


# ----------------------------------------------------------------------------- the fake's own validation


def _post(fake, body, headers=None, project="machi-dev"):
    h = {"Authorization": "Bearer x", "X-GOOG-API-FORMAT-VERSION": "2"}
    h.update(headers or {})
    return httpx.post(f"{fake.url}/v1/projects/{project}/messages:send", json=body, headers=h)


@pytest.mark.parametrize(
    "body,headers,status,needle",
    [
        ({"message": {"token": "t"}}, {"Authorization": ""}, 401, "authentication"),
        ({"message": {"token": "t"}}, {"X-GOOG-API-FORMAT-VERSION": "1"}, 400, "FORMAT-VERSION"),
        ({"message": {"token": "t", "topic": "x"}}, None, 400, "exactly one"),
        ({"message": {}}, None, 400, "exactly one"),
        ({"message": {"token": "t", "data": {"n": 1}}}, None, 400, "strings"),
        ({"message": {"token": "t", "data": {"from": "x"}}}, None, 400, "reserved"),
        ({"message": {"token": "t", "android": {"ttl": "3600"}}}, None, 400, "ttl"),
        ({"message": {"token": "t", "android": {"priority": "urgent"}}}, None, 400, "priority"),
        ({"message": {"topic": "bad topic!"}}, None, 400, "topic"),
        (
            {"message": {"condition": " || ".join(f"'t{i}' in topics" for i in range(6))}},
            None,
            400,
            "condition",
        ),
        ({"message": {"token": "t", "data": {"x": "y" * 5000}}}, None, 400, "too big"),
        ({"message": {"token": "t"}, "extra": 1}, None, 400, "Unknown name"),
    ],
)
def test_fake_validates_like_fcm(fake_fcm, body, headers, status, needle):
    r = _post(fake_fcm, body, headers)
    assert r.status_code == status, r.text
    assert needle.lower() in r.text.lower()
    assert fake_fcm.delivered == []


def test_fake_accepts_valid_and_does_not_deliver_validate_only(fake_fcm):
    assert _post(fake_fcm, {"message": {"token": "t", "data": {"a": "b"}}}).status_code == 200
    assert _post(fake_fcm, {"message": {"token": "t2"}, "validate_only": True}).status_code == 200
    assert _post(fake_fcm, {"message": {"token": "t"}}, project="other").status_code == 403
    assert [m["target"] for m in fake_fcm.delivered] == ["t"]


def test_registration_does_not_wait_for_a_send_in_flight(client, engine, fcm_settings, fake_fcm):
    """The dispatcher holds no write lock while FCM answers (SQLite: claim, send, record in
    separate transactions): the fake holds the answer until a registration has completed."""
    import threading

    from tests.backend.conftest import wait_until

    ids = _setup(client, engine, fcm_settings, {"a": ("tok-inflight", "android")})
    fake_fcm.hold()
    reports = []
    slow = fcm_settings.model_copy(
        update={"fcm_timeout": 100}
    )  # the answer waits for the test, not a timeout
    worker = threading.Thread(target=lambda: reports.append(Dispatcher(engine, slow).run(NOW)))
    worker.start()
    try:
        wait_until(lambda: fake_fcm.held == 1, 60, "the send to be in flight")
        r = client.post(
            "/v1/devices",
            json={
                "push_token": None,
                "platform": "web",
                "locale": "ja",
                "timezone": "Asia/Tokyo",
                "app_version": "1.0.0",
            },
        )
        assert r.status_code == 201, r.text
        assert fake_fcm.held == 1 and worker.is_alive()  # the send is still waiting for its answer
    finally:
        fake_fcm.release()
        worker.join(60)
    assert reports and reports[0].sent == 1
    assert _row(engine, ids["a"]).status == "sent"
    assert fake_fcm.delivered_keys()[_row(engine, ids["a"]).occurrence_key] == 1


def test_a_dispatcher_killed_while_sending_leaves_its_batch_due_again(client, engine, fcm_settings, fake_fcm):
    """SQLite: rows claimed by a worker whose process is gone are sent by the next run."""
    import socket
    import subprocess
    import sys

    from sqlalchemy import update

    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps the claim in the open transaction: a dead dispatcher's rolls back")
    ids = _setup(client, engine, fcm_settings, {"a": ("tok-orphan", "android")})
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    worker = f"{socket.gethostname()}:{gone.stdout.strip()}"  # a process that has exited
    with engine.begin() as conn:
        conn.execute(
            update(OutboxRow).values(
                status="sending", message_id=worker, error_code="CLAIMED", updated_at=dt.datetime.now(dt.UTC)
            )
        )
    report = Dispatcher(engine, fcm_settings).run(NOW)
    assert report.sent == 1 and _row(engine, ids["a"]).status == "sent"
