"""Web Push (issue 14 point 3): the real transport against a fake push service on 127.0.0.1 that
decrypts every message with the subscription's private key (RFC 8291) and verifies the VAPID JWT
(RFC 8292) -- a cryptographic round trip, nothing mocked."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.admin.models import AuditEntry
from backend.app import create_app
from backend.delivery import planner, webpush
from backend.delivery.dispatcher import Dispatcher
from backend.delivery.fakepush import FakePushService, decrypt, unb64url, verify_vapid
from backend.delivery.models import DeliveryAttempt, InboxItem, OutboxRow
from backend.delivery.transport import Outgoing, webpush_topic
from backend.devices.models import Device
from tests.backend.conftest import clear_outbox, make_settings, subscribe
from tests.backend.test_api import assert_error

NOW = dt.datetime.fromisoformat("2014-05-07T19:00+09:00").astimezone(dt.UTC)
KEY = "garbage:matsusaka:a198c8301:2014-05-08"

# RFC 8291 Appendix A (the line breaks of the RFC removed).
RFC = {
    "plaintext": b"When I grow up, I want to be a watermelon",
    "as_private": "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
    "ua_private": "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
    "ua_public": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
    "auth": "BTBZMqHH6r4Tts7J_aSIgg",
    "salt": "DGv6ra1nlYgDCS1FRnbzlw",
    "body": "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8"
    "wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
}


def _private(b64: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(unb64url(b64), "big"), ec.SECP256R1())


@pytest.fixture
def push():
    server = FakePushService().start()
    yield server
    server.stop()


@pytest.fixture
def wp_settings(db_url, tmp_path):
    return make_settings(db_url, tmp_path, webpush_hosts="127.0.0.1")


@pytest.fixture
def wp_client(wp_settings, engine):
    with TestClient(create_app(wp_settings, engine)) as c:
        yield c


def server_key(client) -> str:
    r = client.get("/v1/push/vapid-public-key")
    assert r.status_code == 200, r.text
    return r.json()["public_key"]


def register_web(client, sub, locale: str = "en", city: str | None = None) -> tuple[str, dict]:
    body = {
        "platform": "web",
        "locale": locale,
        "timezone": "Asia/Tokyo",
        "app_version": "1.0.0",
        "web_push": sub.to_json(),
    }
    if city:
        body["city"] = city
    r = client.post("/v1/devices", json=body)
    assert r.status_code == 201, r.text
    d = r.json()
    return d["id"], {"Authorization": f"Bearer {d['secret']}"}


def setup_devices(client, engine, settings, push, n: int = 1, **kw) -> list[tuple[str, object]]:
    """n web devices subscribed to the fake push service with the server's key, a garbage
    reminder planned for each at NOW."""
    key = server_key(client)
    out = []
    for _ in range(n):
        sub = push.subscribe(key)
        device_id, headers = register_web(client, sub, **kw)
        subscribe(client, device_id, headers)
        out.append((device_id, sub))
    clear_outbox(engine)
    planner.plan(engine, settings, NOW)
    return out


def _one(engine, model, *where):
    with Session(engine) as s:
        return s.scalars(select(model).where(*where)).one()


def _all(engine, model, *where):
    with Session(engine) as s:
        return list(s.scalars(select(model).where(*where)))


# ---------------------------------------------------------------------------- the cryptography


def test_the_fake_decrypts_the_rfc8291_example_and_the_sender_reproduces_it():
    ua = _private(RFC["ua_private"])
    assert webpush.b64url_decode(RFC["ua_public"]) == ua.public_key().public_bytes(*webpush_encoding())
    assert decrypt(unb64url(RFC["body"]), ua, unb64url(RFC["auth"])) == RFC["plaintext"]
    # The sender (http_ece) with the RFC's salt and sender key gives the RFC's bytes exactly.
    body = webpush.encrypt(
        RFC["plaintext"],
        RFC["ua_public"],
        RFC["auth"],
        salt=unb64url(RFC["salt"]),
        sender=_private(RFC["as_private"]),
    )
    assert webpush.b64url(body) == RFC["body"]
    # One flipped bit anywhere, or another subscription's keys: refused.
    broken = bytearray(unb64url(RFC["body"]))
    broken[-1] ^= 1
    with pytest.raises(ValueError):
        decrypt(bytes(broken), ua, unb64url(RFC["auth"]))
    with pytest.raises(ValueError):
        decrypt(unb64url(RFC["body"]), ec.generate_private_key(ec.SECP256R1()), unb64url(RFC["auth"]))


def webpush_encoding():
    from cryptography.hazmat.primitives import serialization

    return serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint


def test_vapid_verification_checks_signature_audience_expiry_and_subject(tmp_path):
    from py_vapid import Vapid02

    key = ec.generate_private_key(ec.SECP256R1())
    public = webpush.public_key_b64(key)
    endpoint = "http://127.0.0.1:1234/push/abcdefgh"
    now = 1_900_000_000

    def header(**claims):
        base = {"aud": "http://127.0.0.1:1234", "exp": now + 3600, "sub": "mailto:ops@example.jp"}
        return Vapid02(private_key=key, conf={"no-strict": True}).sign(base | claims)["Authorization"]

    assert verify_vapid(header(), endpoint, public, now)["sub"] == "mailto:ops@example.jp"
    for bad in (
        header(aud="http://127.0.0.1:9999"),
        header(exp=now - 1),
        header(exp=now + 25 * 3600),
        header(sub="ops"),
        header().replace("t=", "t=x"),
    ):
        with pytest.raises(Exception) as err:
            verify_vapid(bad, endpoint, public, now)
        assert err.value.status == 401, bad
    other = webpush.public_key_b64(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(Exception) as err:
        verify_vapid(header(), endpoint, other, now)
    assert err.value.status == 403


# ---------------------------------------------------------------------------- key and registration


def test_vapid_key_is_made_at_first_start_kept_private_and_reused(db_url, tmp_path, engine):
    settings = make_settings(db_url, tmp_path)
    path = tmp_path / "data" / "vapid" / "private_key.pem"
    assert not path.exists()
    with TestClient(create_app(settings, engine)) as c:
        assert path.exists()  # made when the server started, before anyone asked
        first = server_key(c)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(unb64url(first)) == 65 and unb64url(first)[0] == 4  # an uncompressed P-256 point
    with TestClient(create_app(settings, engine)) as c:
        assert server_key(c) == first
    off = make_settings(db_url, tmp_path, webpush=False)
    with TestClient(create_app(off, engine)) as c:
        assert_error(c.get("/v1/push/vapid-public-key"), 404, "webpush_off")


def test_a_subscription_registers_as_a_push_token_kind_and_is_checked(wp_client, push):
    sub = push.subscribe(server_key(wp_client))
    dev, h = register_web(wp_client, sub)
    body = wp_client.get(f"/v1/devices/{dev}", headers=h).json()
    assert body["push_kind"] == "webpush" and body["has_push_token"]
    base = {"platform": "web", "locale": "en", "timezone": "Asia/Tokyo", "app_version": "1"}
    elsewhere = sub.to_json() | {"endpoint": "https://push.example.net/x/abcdefgh"}
    assert_error(
        wp_client.post("/v1/devices", json=base | {"web_push": elsewhere}), 422, "push_service_not_allowed"
    )
    plain_http = sub.to_json() | {"endpoint": sub.endpoint.replace("127.0.0.1", "localhost")}
    assert_error(
        wp_client.post("/v1/devices", json=base | {"web_push": plain_http}), 422, "push_service_not_allowed"
    )
    bad_key = sub.to_json() | {"keys": {"p256dh": "B" + "A" * 86, "auth": sub.to_json()["keys"]["auth"]}}
    assert_error(
        wp_client.post("/v1/devices", json=base | {"web_push": bad_key}), 422, "invalid_subscription"
    )
    assert_error(
        wp_client.post("/v1/devices", json=base | {"web_push": sub.to_json(), "push_token": "tok"}), 422
    )
    # The same browser registering again (a new device id) takes the subscription over.
    again, h2 = register_web(wp_client, sub)
    assert wp_client.get(f"/v1/devices/{dev}", headers=h).json()["push_kind"] is None
    moved = [e for e in _all(wp_client.app.state.engine, AuditEntry) if e.action == "token.moved"]
    assert [(e.target, e.detail["to_device"]) for e in moved] == [(dev, again)]
    # Refresh through PUT /token, back to an FCM token, and to none.
    fresh = push.subscribe(server_key(wp_client))
    r = wp_client.put(f"/v1/devices/{again}/token", headers=h2, json={"web_push": fresh.to_json()})
    assert r.status_code == 200 and r.json()["push_kind"] == "webpush"
    assert _one(wp_client.app.state.engine, Device, Device.id == again).push_token == fresh.endpoint
    r = wp_client.patch(f"/v1/devices/{again}", headers=h2, json={"push_token": "tok-fcm"})
    assert r.json()["push_kind"] == "token"
    assert _one(wp_client.app.state.engine, Device, Device.id == again).webpush_auth is None
    assert (
        wp_client.put(f"/v1/devices/{again}/token", headers=h2, json={"push_token": None}).json()["push_kind"]
        is None
    )


# ---------------------------------------------------------------------------- delivery


def test_a_garbage_reminder_arrives_encrypted_signed_and_tagged(wp_client, engine, wp_settings, push):
    [(dev, sub)] = setup_devices(wp_client, engine, wp_settings, push, locale="pt-BR")
    report = Dispatcher(engine, wp_settings).run(NOW)
    assert report.sent == 1 and report.by_transport == {"webpush": 1}
    [msg] = push.messages_for(sub)
    row = _one(engine, OutboxRow, OutboxRow.device_id == dev)
    assert msg["payload"]["title"] == row.title and msg["payload"]["body"] == row.body
    assert msg["payload"] | {"title": "", "body": ""} == {
        "title": "",
        "body": "",
        "tag": KEY,
        "url": "./garbage",
        "lang": "pt-BR",
        "kind": "garbage",
        "data": {k: str(v) for k, v in row.data.items()},
    }
    assert msg["topic"] == webpush_topic(KEY) and msg["urgency"] == "normal"
    assert 0 < msg["ttl"] <= int((row.expires_at - NOW).total_seconds())
    assert msg["claims"]["aud"] == push.url and msg["claims"]["sub"] == wp_settings.vapid_subject
    assert row.status == "sent" and row.transport == "webpush" and row.message_id.startswith(push.url)
    assert _all(engine, InboxItem) == []  # pushed, not put in the inbox


def test_an_alert_is_urgent_and_a_repeat_replaces_the_first(wp_client, engine, wp_settings, push):
    from tests.backend.test_alerts import ingest

    key = server_key(wp_client)
    sub = push.subscribe(key)
    dev, _ = register_web(wp_client, sub, city="matsusaka")  # no garbage subscription
    clear_outbox(engine)
    assert ingest(engine, "mie-r06-ooame-lv4-hatsuho.xml").alerts[0].devices == 1
    Dispatcher(engine, wp_settings).run()
    # A dispatcher that died after the push service accepted the batch sends it again.
    with Session(engine) as s, s.begin():
        s.execute(update(OutboxRow).values(status="pending", next_attempt_at=NOW))
    Dispatcher(engine, wp_settings).run()
    first, second = push.messages_for(sub)
    assert (
        first["urgency"] == "high" and first["payload"]["url"] == "./" and first["payload"]["kind"] == "alert"
    )
    assert first["payload"]["tag"] == second["payload"]["tag"] == _one(engine, OutboxRow).occurrence_key
    assert first["topic"] == second["topic"]
    assert push.queue(sub) == [second]  # the push service replaced the undelivered first one


@pytest.mark.parametrize(
    "reply,code", [("gone", "GONE"), ("not_found", "NOT_FOUND"), ("forbidden", "VAPID_KEY_MISMATCH")]
)
def test_a_dead_subscription_is_removed_audited_and_the_message_goes_to_the_inbox(
    wp_client, engine, wp_settings, push, reply, code
):
    (dead, dead_sub), (ok, ok_sub) = setup_devices(wp_client, engine, wp_settings, push, n=2)
    push.script(dead_sub.id, [reply])
    report = Dispatcher(engine, wp_settings).run(NOW)
    assert report.sent == 2 and report.tokens_deleted == 1
    assert report.by_transport == {"webpush": 1, "inbox": 1}
    device = _one(engine, Device, Device.id == dead)
    assert (device.push_token, device.token_kind, device.webpush_p256dh, device.webpush_auth) == (None,) * 4
    assert _one(engine, Device, Device.id == ok).token_kind == "webpush"
    [item] = _all(engine, InboxItem)
    assert item.device_id == dead and item.occurrence_key == KEY
    row = _one(engine, OutboxRow, OutboxRow.device_id == dead)
    assert row.status == "sent" and row.transport == "inbox" and row.error_code == code
    [entry] = [e for e in _all(engine, AuditEntry) if e.action == "token.delete"]
    assert (entry.actor, entry.target, entry.detail["error_code"]) == ("system:webpush", dead, code)
    assert len(push.messages_for(ok_sub)) == 1 and push.messages_for(dead_sub) == []


def test_a_key_mismatch_is_real_not_scripted(wp_client, engine, wp_settings, push):
    """A subscription made for another VAPID key (the key file was lost): the fake's own check."""
    sub = push.subscribe(webpush.public_key_b64(ec.generate_private_key(ec.SECP256R1())))
    dev, h = register_web(wp_client, sub)
    subscribe(wp_client, dev, h)
    clear_outbox(engine)
    planner.plan(engine, wp_settings, NOW)
    Dispatcher(engine, wp_settings).run(NOW)
    assert [r["status"] for r in push.requests_for(sub)] == [403]
    assert _one(engine, Device, Device.id == dev).push_token is None
    assert len(_all(engine, InboxItem)) == 1


@pytest.mark.parametrize("reply", ["quota", "unavailable"])
def test_429_and_5xx_back_the_endpoint_off_honouring_retry_after(wp_client, engine, wp_settings, push, reply):
    (slow, slow_sub), (ok, ok_sub) = setup_devices(wp_client, engine, wp_settings, push, n=2)
    push.script(slow_sub.id, [reply])  # Retry-After: 120
    report = Dispatcher(engine, wp_settings).run(NOW)
    assert report.sent == 1 and report.retried == 1
    row = _one(engine, OutboxRow, OutboxRow.device_id == slow)
    assert row.status == "pending" and row.next_attempt_at >= NOW + dt.timedelta(seconds=120)
    assert _one(engine, Device, Device.id == slow).push_retry_at == row.next_attempt_at
    # Another message for the same endpoint during the back-off waits without a request.
    with Session(engine) as s, s.begin():
        extra = planner.outbox_row(
            slow, "announce:1", "announcement", "T", "B", {}, NOW, NOW + dt.timedelta(hours=6), NOW
        )
        planner.insert_rows(s.connection(), [extra])
    report = Dispatcher(engine, wp_settings).run(NOW + dt.timedelta(seconds=30))
    assert report.sent == 0 and report.paused == 1 and len(push.requests_for(slow_sub)) == 1
    later = row.next_attempt_at + dt.timedelta(seconds=1)
    report = Dispatcher(engine, wp_settings).run(later)
    assert report.sent == 2 and len(push.messages_for(slow_sub)) == 2
    attempts = _all(engine, DeliveryAttempt, DeliveryAttempt.outbox_id == row.id)
    assert [a.status for a in sorted(attempts, key=lambda a: a.attempt)] == ["retry", "sent"]
    assert len(push.messages_for(ok_sub)) == 1


def test_the_last_failed_attempt_falls_back_to_the_inbox(db_url, tmp_path, engine, push):
    settings = make_settings(db_url, tmp_path, webpush_hosts="127.0.0.1", max_attempts=1)
    with TestClient(create_app(settings, engine)) as c:
        [(dev, sub)] = setup_devices(c, engine, settings, push)
    push.script(sub.id, ["internal"], sticky=True)
    report = Dispatcher(engine, settings).run(NOW)
    assert report.sent == 1 and report.by_transport == {"inbox": 1}
    [item] = _all(engine, InboxItem)
    assert item.device_id == dev and _one(engine, Device, Device.id == dev).token_kind == "webpush"


def test_web_push_off_sends_subscriptions_to_the_inbox(wp_client, engine, db_url, tmp_path, push):
    settings = make_settings(db_url, tmp_path, webpush_hosts="127.0.0.1", webpush=False)
    [(dev, sub)] = setup_devices(wp_client, engine, settings, push)
    assert Dispatcher(engine, settings).run(NOW).by_transport == {"inbox": 1}
    assert push.requests_for(sub) == []


def test_a_long_text_is_shortened_to_fit_one_record():
    o = Outgoing(
        1,
        "d",
        "announce:9",
        "announcement",
        0,
        "お知らせ",
        "長" * 2000,
        {"kind": "announcement"},
        NOW,
        0,
        "https://x",
        "webpush",
        "web",
        "ja",
    )
    raw = webpush.payload(o)
    assert len(raw) <= webpush.MAX_PLAINTEXT
    import json

    doc = json.loads(raw)
    assert doc["tag"] == "announce:9" and doc["body"].endswith("…") and doc["title"] == "お知らせ"
    assert len(webpush.encrypt(raw, RFC["ua_public"], RFC["auth"])) <= 4096


def test_the_apps_typed_client_registers_its_city_and_subscription(wp_client, push):
    import asyncio

    import httpx

    from app.services.backend import BackendClient, DeviceRegistration

    async def main():
        transport = httpx.ASGITransport(wp_client.app, client=("127.0.0.1", 50000))
        client = BackendClient("http://backend", transport=transport)
        try:
            sub = push.subscribe(await client.vapid_public_key())
            reg = DeviceRegistration(
                None, "web", "vi", "Asia/Tokyo", "1.0.0", city="matsusaka", web_push=sub.to_json()
            )
            creds = await client.register_device(reg)
            assert (await client.patch_device(creds, locale="en"))["city"] == "matsusaka"
            return creds, await client.patch_device(creds, city=None)
        finally:
            await client.aclose()

    creds, after = asyncio.run(main())
    assert after["city"] is None and after["push_kind"] == "webpush" and after["locale"] == "en"
