"""Devices, subscriptions, app reminders, inbox and API hygiene over HTTP (TestClient)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
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
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]) <= {
        "code",
        "message",
        "field",
    }
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    if field:
        assert body["error"].get("field") == field


def test_register_stores_only_a_hash_of_the_secret(client, engine):
    r = client.post(
        "/v1/devices",
        json={
            "push_token": "tok-1",
            "platform": "ios",
            "locale": "pt-BR",
            "timezone": "Asia/Tokyo",
            "app_version": "1.0",
        },
    )
    assert r.status_code == 201
    d = r.json()
    with Session(engine) as s:
        dev = s.get(Device, d["id"])
        assert dev.secret_hash != d["secret"] and len(dev.secret_hash) == 64 and dev.locale == "pt_BR"
    with engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(select(Device.__table__)) for v in row)
    assert d["secret"] not in dump


@pytest.mark.parametrize(
    "patch,field",
    [
        ({"platform": "nokia"}, "platform"),
        ({"locale": "xx"}, "locale"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"app_version": "1 0"}, "app_version"),
        ({"push_token": "has space"}, "push_token"),
    ],
)
def test_register_rejects_bad_fields_with_their_name(client, patch, field):
    body = {
        "push_token": "t",
        "platform": "android",
        "locale": "en",
        "timezone": "Asia/Tokyo",
        "app_version": "1",
    }
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
    good = {
        "city": "matsusaka",
        "area_id": "a198c8301",
        "time": "07:00",
        "day_offset": 0,
        "categories": ["burnable"],
    }
    r = client.put(url, headers=headers, json=good)
    assert (
        r.status_code == 200 and r.json()["area_name"] == "旭ヶ丘" and r.json()["categories"] == ["burnable"]
    )
    for patch, field in [
        ({"city": "atlantis"}, "city"),
        ({"area_id": "nowhere"}, "area_id"),
        ({"categories": ["plutonium"]}, "categories"),
        ({"time": "25:00"}, "time"),
        ({"day_offset": 1}, "day_offset"),
        ({"categories": []}, "categories"),
    ]:
        assert_error(client.put(url, headers=headers, json={**good, **patch}), 422, field=field)
    assert client.get(url, headers=headers).json()["time"] == "07:00"  # bad input changed nothing


def test_reminder_in_each_language_and_only_subscribed_categories(client, engine, settings):
    expected = {
        "ja": "明日はごみの日です",
        "ja@easy": "あしたは ごみの 日(ひ)です",
        "es": "Mañana es día de recogida de basura",
        "ko": "내일은 쓰레기 배출일입니다",
        "zh_Hans": "明天是垃圾收集日",
        "tl": "Bukas ay araw ng basura",
        "pt_BR": "Amanhã é dia de coleta de lixo",
        "en": "Garbage day tomorrow",
    }
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
    r = client.put(
        f"/v1/devices/{device_id}/subscriptions/quiet-hours",
        headers=headers,
        json={"start": "22:00", "end": "07:00"},
    )
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
        assert (
            s.scalars(
                select(OutboxRow.status).where(
                    OutboxRow.device_id == late_id, OutboxRow.occurrence_key.like("%2014-05-08")
                )
            ).one()
            == "expired"
        )


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
    good = [
        {
            "occurrence_key": "vacc:c1:mr:1",
            "send_at": at,
            "template": "vaccination_due",
            "params": {"vaccine": "mr", "dose": 1},
        },
        {
            "occurrence_key": "tax:resident:2",
            "send_at": at,
            "template": "tax_due",
            "params": {"tax": "resident_tax", "due_date": "2014-08-31", "installment": 2},
        },
    ]
    r = client.put(url, headers=headers, json=good)
    assert r.status_code == 200 and r.json()["count"] == 2
    bad = good + [
        {
            "occurrence_key": "x",
            "send_at": at,
            "template": "vaccination_due",
            "params": {"vaccine": "mr", "dose": 1, "child_name": "Taro"},
        }
    ]
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
    settings = make_settings(
        db_url,
        tmp_path,
        rate_register_burst=2,
        rate_device_per_minute=3,
        max_body_bytes=2048,
        web_origin="https://app.machi.example",
    )
    with TestClient(create_app(settings, engine)) as c:
        device_id, headers = register(c)
        register(c)
        r = c.post(
            "/v1/devices",
            json={
                "push_token": None,
                "platform": "web",
                "locale": "en",
                "timezone": "Asia/Tokyo",
                "app_version": "1",
            },
        )
        assert_error(r, 429, "rate_limited")
        assert int(r.headers["Retry-After"]) >= 1
        big = [
            {
                "occurrence_key": f"k{i}",
                "send_at": "2014-05-07T10:00:00Z",
                "template": "tax_due",
                "params": {"tax": "resident_tax", "due_date": "2014-08-31"},
            }
            for i in range(50)
        ]
        assert_error(
            c.put(f"/v1/devices/{device_id}/reminders", headers=headers, json=big), 413, "payload_too_large"
        )
        for _ in range(3):
            assert c.get(f"/v1/devices/{device_id}", headers=headers).status_code == 200
        assert_error(c.get(f"/v1/devices/{device_id}", headers=headers), 429)
        ok = c.options(
            "/v1/devices",
            headers={"Origin": "https://app.machi.example", "Access-Control-Request-Method": "POST"},
        )
        assert ok.headers.get("access-control-allow-origin") == "https://app.machi.example"
        evil = c.options(
            "/v1/devices", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
        )
        assert "access-control-allow-origin" not in evil.headers


def test_unknown_route_and_bad_json_use_the_error_shape(client):
    assert_error(client.get("/v1/nothing"), 404, "not_found")
    r = client.post("/v1/devices", content=b"{bad", headers={"Content-Type": "application/json"})
    assert_error(r, 400, "bad_json")


# ----------------------------------------------------------------------------- the data period (issue 8)


def _jst(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value + "+09:00").astimezone(dt.UTC)


def _keys(engine, device_id: str) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.scalars(select(OutboxRow.occurrence_key).where(OutboxRow.device_id == device_id)))


def test_no_reminder_outside_the_data_period_and_one_paused_notice(client, engine, settings):
    """testtown's data ends on 2027-12-31: the reminder for 2028-01-01 is never planned; each
    device is told once, in its language, when that reminder would have gone out."""
    from tests.backend.conftest import TESTTOWN, TESTTOWN_DAILY

    devices = {lang: register(client, lang) for lang in ("en", "ja@easy")}
    for device in devices.values():
        subscribe(client, *device, city=TESTTOWN, area=TESTTOWN_DAILY)
    clear_outbox(engine)  # the rows planned on the real clock (2026-2027 are inside the period)
    deliver(engine, settings, _jst("2027-12-30T19:00"))
    for device in devices.values():
        assert len(inbox(client, *device)) == 1
    deliver(engine, settings, _jst("2027-12-31T19:00"))
    for day in ("2028-01-01T19:00", "2028-01-05T19:00"):  # replanning later sends nothing more
        deliver(engine, settings, _jst(day))
    en, easy = (
        sorted(inbox(client, *devices[lang]), key=lambda i: i["created_at"]) for lang in ("en", "ja@easy")
    )
    assert [i["title"] for i in en] == ["Garbage day tomorrow", "Garbage reminders paused"]
    assert "December 31, 2027" in en[1]["body"] and "Testtown" in en[1]["body"]
    assert en[1]["created_at"].startswith("2027-12-31T10:00:00")  # 19:00 JST, when the reminder was due
    assert easy[1]["title"] == "ごみの お知(し)らせを 止(と)めています"
    for device_id, _ in devices.values():
        assert _keys(engine, device_id) == [
            f"garbage-paused:{TESTTOWN}:2027-12-31",
            f"garbage:{TESTTOWN}:{TESTTOWN_DAILY}:2027-12-31",
        ]
    with engine.connect() as conn:
        assert dict(
            conn.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all()
        ) == {"sent": 4}


def test_subscribing_to_data_that_has_ended_is_told_at_once_but_not_at_night(client, engine, settings):
    """Matsusaka's bundled data ends on 2014-09-30: no reminder in 2015, one notice right away
    in the day, and at 06:00 when the subscription is planned at night."""
    day_id, day_h = register(client, "en")
    night_id, night_h = register(client, "en")
    subscribe(client, day_id, day_h)
    subscribe(client, night_id, night_h)
    clear_outbox(engine)
    with engine.begin() as conn:  # only the night device is planned at 23:00
        conn.execute(
            text("UPDATE garbage_subscriptions SET city = 'none' WHERE device_id = :d"), {"d": day_id}
        )
    planner.plan(engine, settings, _jst("2015-03-02T23:00"))
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE garbage_subscriptions SET city = 'matsusaka' WHERE device_id = :d"), {"d": day_id}
        )
        night_row = conn.execute(
            select(OutboxRow.occurrence_key, OutboxRow.send_at).where(OutboxRow.device_id == night_id)
        ).one()
    assert night_row == ("garbage-paused:matsusaka:2014-09-30", _jst("2015-03-03T06:00"))
    deliver(engine, settings, _jst("2015-03-03T10:00"))
    for device_id, headers in ((day_id, day_h), (night_id, night_h)):
        items = inbox(client, device_id, headers)
        assert [i["title"] for i in items] == ["Garbage reminders paused"], items
        assert "September 30, 2014" in items[0]["body"]
        assert _keys(engine, device_id) == ["garbage-paused:matsusaka:2014-09-30"]
    assert inbox(client, day_id, day_h)[0]["created_at"].startswith(
        "2015-03-03T01:00:00"
    )  # at once: 10:00 JST


def test_next_reminder_at_is_from_the_calendar_beyond_the_planning_horizon(client, engine, settings):
    from backend.subscriptions import service
    from backend.subscriptions.models import GarbageSubscription
    from tests.backend.conftest import TESTTOWN, TESTTOWN_NORTH

    device_id, headers = register(client, "en")
    # 北町: recyclables on Fridays only; reminded on Thursday evenings at 19:00.
    body = subscribe(
        client, device_id, headers, city=TESTTOWN, area=TESTTOWN_NORTH, categories=["recyclable"]
    )
    now = dt.datetime.now(dt.UTC)
    got = body["next_reminder_at"]
    if now.date() <= dt.date(2027, 12, 24):
        at = dt.datetime.fromisoformat(got).astimezone(dt.timezone(dt.timedelta(hours=9)))
        assert (at.weekday(), at.time()) == (3, dt.time(19, 0)) and at > now
    with Session(engine) as db:
        sub, device = db.get(GarbageSubscription, device_id), db.get(Device, device_id)
        # Monday 20:00 -> Thursday 19:00, three days away (the planner looks 26 hours ahead).
        assert service.next_reminder_at(
            sub=sub, device=device, settings=settings, now=_jst("2026-05-04T20:00")
        ) == _jst("2026-05-07T19:00")
        # The last Friday of the data is 2027-12-31; after its reminder there is none.
        assert service.next_reminder_at(
            sub=sub, device=device, settings=settings, now=_jst("2027-12-24T20:00")
        ) == _jst("2027-12-30T19:00")
        assert (
            service.next_reminder_at(sub=sub, device=device, settings=settings, now=_jst("2027-12-30T19:01"))
            is None
        )
        # Before the data starts: the first Friday of 2026 is 2026-01-02.
        assert service.next_reminder_at(
            sub=sub, device=device, settings=settings, now=_jst("2025-06-01T12:00")
        ) == _jst("2026-01-01T19:00")
    r = client.put(
        f"/v1/devices/{device_id}/subscriptions/garbage",
        headers=headers,
        json={
            "city": "matsusaka",
            "area_id": "a198c8301",
            "time": "19:00",
            "day_offset": -1,
            "categories": None,
        },
    )
    assert r.json()["next_reminder_at"] is None  # the bundled data ended in 2014
    assert (
        client.get(f"/v1/devices/{device_id}/subscriptions", headers=headers).json()["garbage"][
            "next_reminder_at"
        ]
        is None
    )


def test_staff_are_warned_30_days_before_a_city_s_data_ends():
    from backend.delivery import coverage

    def status(now: str) -> tuple[str, int]:
        entry = next(e for e in coverage.data_coverage(now=_jst(now)) if e["city"] == "testtown")
        return entry["status"], entry["days_left"]

    assert status("2027-11-30T12:00") == ("ok", 31)
    assert status("2027-12-01T12:00") == ("ending", 30)
    assert status("2027-12-31T23:00") == ("ending", 0)
    assert status("2028-01-01T00:30") == ("ended", -1)
    warnings = coverage.warnings(now=_jst("2027-12-01T12:00"))
    assert any(
        w.startswith("testtown: the garbage data ends on 2027-12-31 (30 day(s) left)") for w in warnings
    )
    assert any(w.startswith("matsusaka: the garbage data ended on 2014-09-30") for w in warnings)
