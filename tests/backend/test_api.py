"""Devices, subscriptions, app reminders, inbox and API hygiene over HTTP (TestClient)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend.app import create_app
from backend.delivery import planner
from backend.delivery.dispatcher import deliver
from backend.delivery.models import OutboxRow
from backend.devices.models import Device
from tests.backend.conftest import clear_outbox, make_settings, register, subscribe

NOW = dt.datetime.fromisoformat("2014-05-07T19:00+09:00").astimezone(dt.UTC)


def inbox(client, device_id, headers):
    r = client.get(f"/v1/devices/{device_id}/inbox", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def assert_error(r, status, code=None, field=None):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]) <= {"code", "message", "field"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    if field:
        assert body["error"].get("field") == field


def test_register_stores_only_a_hash_of_the_secret(client, engine):
    r = client.post("/v1/devices", json={"push_token": "tok-1", "platform": "ios", "locale": "pt-BR",
                                         "timezone": "Asia/Tokyo", "app_version": "1.0"})
    assert r.status_code == 201
    d = r.json()
    with Session(engine) as s:
        dev = s.get(Device, d["id"])
        assert dev.secret_hash != d["secret"] and len(dev.secret_hash) == 64 and dev.locale == "pt_BR"
    with engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(select(Device.__table__)) for v in row)
    assert d["secret"] not in dump


@pytest.mark.parametrize("patch,field", [({"platform": "nokia"}, "platform"), ({"locale": "xx"}, "locale"),
                                         ({"timezone": "Mars/Base"}, "timezone"), ({"app_version": "1 0"}, "app_version"),
                                         ({"push_token": "has space"}, "push_token")])
def test_register_rejects_bad_fields_with_their_name(client, patch, field):
    body = {"push_token": "t", "platform": "android", "locale": "en", "timezone": "Asia/Tokyo", "app_version": "1"}
    body.update(patch)
    assert_error(client.post("/v1/devices", json=body), 422, "invalid", field)


def test_missing_or_wrong_secret_is_401(client):
    device_id, headers = register(client)
    other_id, other_headers = register(client)
    for h in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}, other_headers):
        assert_error(client.get(f"/v1/devices/{device_id}/inbox", headers=h), 401, "unauthorized")
    assert_error(client.get("/v1/devices/unknown/inbox", headers=headers), 401)
    assert client.get(f"/v1/devices/{device_id}", headers=headers).status_code == 200


def test_token_refresh_and_moving_a_token_between_devices(client, engine):
    a, ha = register(client, token="tok-shared")
    b, hb = register(client, token="tok-b")
    r = client.put(f"/v1/devices/{b}/token", headers=hb, json={"push_token": "tok-shared"})
    assert r.status_code == 200 and r.json()["has_push_token"]
    with Session(engine) as s:
        assert s.get(Device, a).push_token is None and s.get(Device, b).push_token == "tok-shared"
    r = client.patch(f"/v1/devices/{a}", headers=ha, json={"push_token": "tok-new", "locale": "ko"})
    assert r.json()["locale"] == "ko" and r.json()["has_push_token"]


def test_garbage_subscription_contract_and_validation(client):
    device_id, headers = register(client)
    url = f"/v1/devices/{device_id}/subscriptions/garbage"
    good = {"city": "matsusaka", "area_id": "a198c8301", "time": "07:00", "day_offset": 0, "categories": ["burnable"]}
    r = client.put(url, headers=headers, json=good)
    assert r.status_code == 200 and r.json()["area_name"] == "旭ヶ丘" and r.json()["categories"] == ["burnable"]
    for patch, field in [({"city": "atlantis"}, "city"), ({"area_id": "nowhere"}, "area_id"),
                         ({"categories": ["plutonium"]}, "categories"), ({"time": "25:00"}, "time"),
                         ({"day_offset": 1}, "day_offset"), ({"categories": []}, "categories")]:
        assert_error(client.put(url, headers=headers, json={**good, **patch}), 422, field=field)
    assert client.get(url, headers=headers).json()["time"] == "07:00"  # bad input changed nothing


def test_reminder_in_each_language_and_only_subscribed_categories(client, engine, settings):
    expected = {"ja": "明日はごみの日です", "ja@easy": "あしたは ごみの 日(ひ)です", "es": "Mañana es día de recogida de basura",
                "ko": "내일은 쓰레기 배출일입니다", "zh_Hans": "明天是垃圾收集日", "tl": "Bukas ay araw ng basura",
                "pt_BR": "Amanhã é dia de coleta de lixo", "en": "Garbage day tomorrow"}
    devices = {}
    for lang in expected:
        devices[lang] = register(client, lang)
        subscribe(client, *devices[lang])
    only_bottles = register(client, "en")
    subscribe(client, *only_bottles, categories=["bottles"])  # no bottles on 2014-05-08
    deliver(engine, settings, NOW)
    for lang, title in expected.items():
        items = inbox(client, *devices[lang])
        assert [i["title"] for i in items] == [title]
    assert "燃(も)えるごみ" in inbox(client, *devices["ja@easy"])[0]["body"]
    assert inbox(client, *only_bottles) == []


def test_quiet_hours_hold_a_reminder_and_late_reminders_expire(client, engine, settings):
    device_id, headers = register(client, "en")
    subscribe(client, device_id, headers, time_="06:00", day_offset=0)  # on the day (Thu 2014-05-08)
    r = client.put(f"/v1/devices/{device_id}/subscriptions/quiet-hours", headers=headers,
                   json={"start": "22:00", "end": "07:00"})
    assert r.status_code == 200 and r.json()["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    six = dt.datetime.fromisoformat("2014-05-08T06:00+09:00")
    deliver(engine, settings, six)
    assert inbox(client, device_id, headers) == []  # held by quiet hours
    deliver(engine, settings, six + dt.timedelta(hours=1))
    assert [i["title"] for i in inbox(client, device_id, headers)] == ["Garbage day today"]
    # A dispatcher that comes back after the put-out deadline drops the reminder.
    late_id, late_h = register(client, "en")
    subscribe(client, late_id, late_h, time_="07:30", day_offset=0)
    planner.plan(engine, settings, six)
    deliver(engine, settings, dt.datetime.fromisoformat("2014-05-08T08:31+09:00"))
    assert inbox(client, late_id, late_h) == []
    with Session(engine) as s:
        assert s.scalars(select(OutboxRow.status).where(
            OutboxRow.device_id == late_id, OutboxRow.occurrence_key.like("%2014-05-08"))).one() == "expired"


def test_planning_is_idempotent(client, engine, settings):
    for _ in range(3):
        subscribe(client, *register(client))
    clear_outbox(engine)
    first = planner.plan(engine, settings, NOW)
    again = planner.plan(engine, settings, NOW)
    assert first.inserted == 3 and first.candidates == 3
    assert again.inserted == 0 and again.candidates == 3
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() == 3


def test_app_reminders_replace_atomically_and_render_templates(client, engine, settings):
    device_id, headers = register(client, "ja")
    url = f"/v1/devices/{device_id}/reminders"
    at = "2014-05-07T10:00:00Z"
    good = [{"occurrence_key": "vacc:c1:mr:1", "send_at": at, "template": "vaccination_due",
             "params": {"vaccine": "mr", "dose": 1}},
            {"occurrence_key": "tax:resident:2", "send_at": at, "template": "tax_due",
             "params": {"tax": "resident_tax", "due_date": "2014-08-31", "installment": 2}}]
    r = client.put(url, headers=headers, json=good)
    assert r.status_code == 200 and r.json()["count"] == 2
    bad = good + [{"occurrence_key": "x", "send_at": at, "template": "vaccination_due",
                   "params": {"vaccine": "mr", "dose": 1, "child_name": "Taro"}}]
    assert_error(client.put(url, headers=headers, json=bad), 422, "invalid_template", "2.params.child_name")
    assert_error(client.put(url, headers=headers, json=[{**good[0], "send_at": "2014-05-07T10:00:00"}]), 422)
    assert_error(client.put(url, headers=headers, json=[good[0], good[0]]), 422, "duplicate_key")
    assert client.get(url, headers=headers).json()["count"] == 2  # unchanged by the failed PUTs
    deliver(engine, settings, NOW)
    items = {i["occurrence_key"]: i for i in inbox(client, device_id, headers)}
    assert items["app:vacc:c1:mr:1"]["title"] == "予防接種のお知らせ"
    assert "麻しん風しん混合（MR）（1回目）" in items["app:vacc:c1:mr:1"]["body"]
    assert items["app:tax:resident:2"]["body"] == "市県民税（第2期）の納期限は8月31日(日)です。"
    # Replacing with an empty set removes them; nothing new is planned.
    assert client.put(url, headers=headers, json=[]).json() == {"count": 0, "reminders": []}


def test_body_limit_rate_limits_and_cors(db_url, tmp_path, engine):
    settings = make_settings(db_url, tmp_path, rate_register_burst=2, rate_device_per_minute=3,
                             max_body_bytes=2048, web_origin="https://app.machi.example")
    with TestClient(create_app(settings, engine)) as c:
        device_id, headers = register(c)
        register(c)
        r = c.post("/v1/devices", json={"push_token": None, "platform": "web", "locale": "en",
                                        "timezone": "Asia/Tokyo", "app_version": "1"})
        assert_error(r, 429, "rate_limited")
        assert int(r.headers["Retry-After"]) >= 1
        big = [{"occurrence_key": f"k{i}", "send_at": "2014-05-07T10:00:00Z", "template": "tax_due",
                "params": {"tax": "resident_tax", "due_date": "2014-08-31"}} for i in range(50)]
        assert_error(c.put(f"/v1/devices/{device_id}/reminders", headers=headers, json=big), 413,
                     "payload_too_large")
        for _ in range(3):
            assert c.get(f"/v1/devices/{device_id}", headers=headers).status_code == 200
        assert_error(c.get(f"/v1/devices/{device_id}", headers=headers), 429)
        ok = c.options("/v1/devices", headers={"Origin": "https://app.machi.example",
                                               "Access-Control-Request-Method": "POST"})
        assert ok.headers.get("access-control-allow-origin") == "https://app.machi.example"
        evil = c.options("/v1/devices", headers={"Origin": "https://evil.example",
                                                 "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in evil.headers


def test_unknown_route_and_bad_json_use_the_error_shape(client):
    assert_error(client.get("/v1/nothing"), 404, "not_found")
    r = client.post("/v1/devices", content=b"{bad", headers={"Content-Type": "application/json"})
    assert_error(r, 400, "bad_json")
