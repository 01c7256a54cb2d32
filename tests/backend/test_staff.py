"""City staff: scoped hashed tokens, announcements (language fallback, areas, categories),
disaster alerts (high priority, time-sensitive, through quiet hours), the audit log, CLI."""

from __future__ import annotations

import datetime as dt
import shutil

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.admin import service as admin_service
from backend.admin.models import ApiToken
from backend.db import utcnow
from backend.delivery.dispatcher import Dispatcher
from tests.backend.conftest import REPO, TESTTOWN, TESTTOWN_DAILY, cli_env, machi, register, subscribe
from tests.backend.test_api import assert_error, inbox


def token(engine, scope: str) -> dict:
    with Session(engine) as s:
        _, raw = admin_service.create_token(s, scope, f"test {scope}")
    return {"Authorization": f"Bearer {raw}"}


ANN = {
    "city": "matsusaka",
    "category": "general",
    "title": {"ja": "断水のお知らせ", "en": "Water outage"},
    "body": {"ja": "明日9時から断水します。", "en": "No water from 9:00 tomorrow."},
}


def announcements(client, device_id: str, headers: dict) -> list[dict]:
    """The device's inbox without garbage reminders: the subscriptions below run on the real
    clock, so on an evening before a collection day a reminder is due as well."""
    return [i for i in inbox(client, device_id, headers) if i["kind"] != "garbage"]


def test_tokens_are_hashed_scoped_and_revocable(client, engine):
    h = token(engine, "announce")
    raw = h["Authorization"].split()[1]
    with Session(engine) as s:
        t = s.scalars(select(ApiToken)).one()
        assert raw not in (t.token_hash, t.id) and len(t.token_hash) == 64
    assert client.post("/v1/admin/announcements", json=ANN, headers=h).status_code == 201
    assert_error(
        client.post(
            "/v1/admin/alerts",
            headers=h,
            json={
                "severity": "Severe",
                "event": "heavy_rain",
                "headline": {"ja": "大雨"},
                "expires": (utcnow() + dt.timedelta(hours=1)).isoformat(),
            },
        ),
        403,
        "forbidden",
    )
    assert_error(client.get("/v1/admin/audit", headers=h), 403)
    assert_error(client.post("/v1/admin/announcements", json=ANN), 401)
    assert_error(
        client.post("/v1/admin/announcements", json=ANN, headers={"Authorization": raw[:-1] + "x"}), 401
    )
    with Session(engine) as s:
        assert admin_service.revoke_token(s, raw.split("_")[1])
    assert_error(client.post("/v1/admin/announcements", json=ANN, headers=h), 401)


def test_announcement_language_fallback_categories_and_areas(client, engine, settings):
    en, hen = register(client, "en")
    vi, hvi = register(client, "vi")
    other_area, ho = register(client, "en")
    no_news, hn = register(client, "en")
    for d, h in ((en, hen), (vi, hvi), (no_news, hn)):
        subscribe(client, d, h)
    subscribe(client, other_area, ho, area="a77cafc11")
    client.put(f"/v1/devices/{no_news}/subscriptions/news", headers=hn, json={"categories": ["events"]})
    r = client.post(
        "/v1/admin/announcements", headers=token(engine, "announce"), json={**ANN, "areas": ["a198c8301"]}
    )
    assert r.status_code == 201 and r.json()["devices"] == 2
    Dispatcher(engine, settings).run()
    assert [i["title"] for i in announcements(client, en, hen)] == ["Water outage"]
    assert [i["title"] for i in announcements(client, vi, hvi)] == [
        "断水のお知らせ"
    ]  # no Vietnamese text: Japanese
    assert announcements(client, other_area, ho) == [] and announcements(client, no_news, hn) == []
    assert_error(
        client.post(
            "/v1/admin/announcements", headers=token(engine, "admin"), json={**ANN, "title": {"en": "x"}}
        ),
        422,
        field="title",
    )
    assert_error(
        client.post(
            "/v1/admin/announcements", headers=token(engine, "admin"), json={**ANN, "areas": ["atlantis"]}
        ),
        422,
        "unknown_area",
        "areas.0",
    )


def test_alert_high_priority_through_quiet_hours_to_fcm(client, engine, fcm_settings, fake_fcm):
    dev, h = register(client, "ja", token="tok-alert", platform="ios")
    subscribe(client, dev, h)
    off, ho = register(client, "en", token="tok-off")
    client.put(f"/v1/devices/{off}/subscriptions/alerts", headers=ho, json={"enabled": False})
    now_local = utcnow().astimezone(dt.timezone(dt.timedelta(hours=9)))
    start = (now_local - dt.timedelta(hours=1)).strftime("%H:%M")
    end = (now_local + dt.timedelta(hours=2)).strftime("%H:%M")
    client.put(f"/v1/devices/{dev}/subscriptions/quiet-hours", headers=h, json={"start": start, "end": end})
    r = client.post(
        "/v1/admin/alerts",
        headers=token(engine, "alert"),
        json={
            "city": "matsusaka",
            "severity": "Extreme",
            "event": "heavy_rain",
            "headline": {"ja": "大雨特別警報が発表されました"},
            "description": {"ja": "直ちに命を守る行動をとってください。"},
            "areas": ["旭ヶ丘"],
            "expires": (utcnow() + dt.timedelta(hours=3)).isoformat(),
        },
    )
    assert r.status_code == 201 and r.json()["devices"] == 1
    Dispatcher(engine, fcm_settings).run()
    [m] = [m["message"] for m in fake_fcm.delivered]
    assert m["token"] == "tok-alert" and m["notification"]["title"] == "特別警報：大雨"
    assert m["android"]["priority"] == "high" and m["apns"]["headers"]["apns-priority"] == "10"
    assert m["apns"]["payload"]["aps"]["interruption-level"] == "time-sensitive"
    audit = client.get("/v1/admin/audit", headers=token(engine, "admin")).json()
    assert "alert.create" in [e["action"] for e in audit] and "token.create" in [e["action"] for e in audit]


def test_cli_create_token_and_announce(client, engine, db_url, tmp_path):
    dev, h = register(client, "en")
    subscribe(client, dev, h)  # the device's city: announcements reach the devices of their city
    env = cli_env(db_url, tmp_path / "data")
    out = machi("admin", "create-token", "--scope", "announce", "--name", "city hall", env=env).stdout.strip()
    assert out.startswith("machi_")
    r = client.post("/v1/admin/announcements", json=ANN, headers={"Authorization": f"Bearer {out}"})
    assert r.status_code == 201
    bad = machi("admin", "create-token", "--scope", "root", env=env, check=False)
    assert bad.returncode == 2 and "scope must be one of" in bad.stderr
    machi(
        "admin",
        "announce",
        "--city",
        "matsusaka",
        "--title",
        "ja=お知らせ",
        "--title",
        "en=Notice",
        "--body",
        "ja=本文",
        "--body",
        "en=Text",
        env=env,
    )
    missing_ja = machi("admin", "announce", "--title", "en=Notice", "--body", "en=Text", env=env, check=False)
    assert missing_ja.returncode == 2 and "ja" in missing_ja.stderr
    machi("deliver", env=env)
    assert sorted(i["title"] for i in announcements(client, dev, h)) == ["Notice", "Water outage"]
    log = machi("admin", "audit", "--json", env=env).stdout
    assert "announcement.create" in log and "token.create" in log


def test_an_announcement_without_areas_reaches_its_own_city_only(client, engine, settings, tmp_path):
    """A second city on the same server (the data directory): an announcement or alert for one
    city never reaches the devices of the other, nor devices that chose no city."""
    shutil.copytree(REPO / "assets" / "cities" / "matsusaka", tmp_path / "data" / "cities" / "othertown")
    here, hh = register(client, "en")
    subscribe(client, here, hh)
    there, ht = register(client, "en")
    r = client.put(
        f"/v1/devices/{there}/subscriptions/garbage",
        headers=ht,
        json={"city": "othertown", "area_id": "a198c8301", "time": "19:00", "day_offset": -1},
    )
    assert r.status_code == 200, r.text
    nowhere, hn = register(client, "en")
    staff = token(engine, "admin")
    r = client.post("/v1/admin/announcements", headers=staff, json={**ANN, "city": "othertown"})
    assert r.status_code == 201 and r.json()["devices"] == 1 and r.json()["city"] == "othertown"
    alert = {
        "severity": "Severe",
        "event": "heavy_rain",
        "headline": {"ja": "大雨"},
        "city": "othertown",
        "expires": (utcnow() + dt.timedelta(hours=1)).isoformat(),
    }
    assert client.post("/v1/admin/alerts", headers=staff, json=alert).json()["devices"] == 1
    Dispatcher(engine, settings).run()
    assert sorted(i["kind"] for i in announcements(client, there, ht)) == ["alert", "announcement"]
    assert announcements(client, here, hh) == [] and announcements(client, nowhere, hn) == []
    # With two cities on the server, the city must be named; the error says which there are.
    r = client.post(
        "/v1/admin/announcements", headers=staff, json={k: v for k, v in ANN.items() if k != "city"}
    )
    assert_error(r, 422, "city_required", "city")
    assert "matsusaka" in r.json()["error"]["message"] and "othertown" in r.json()["error"]["message"]
    assert_error(
        client.post("/v1/admin/announcements", headers=staff, json={**ANN, "city": "atlantis"}),
        422,
        "unknown_city",
        "city",
    )


def test_the_city_of_an_announcement_defaults_to_the_only_city_installed(
    client, engine, monkeypatch, tmp_path
):
    monkeypatch.setenv(
        "MACHI_ASSETS_DIR", str(tmp_path / "no-bundled-cities")
    )  # the data directory's testtown only
    device, h = register(client, "en")
    r = client.put(
        f"/v1/devices/{device}/subscriptions/garbage",
        headers=h,
        json={"city": TESTTOWN, "area_id": TESTTOWN_DAILY, "time": "19:00", "day_offset": -1},
    )
    assert r.status_code == 200, r.text
    ann = {k: v for k, v in ANN.items() if k != "city"}
    r = client.post("/v1/admin/announcements", headers=token(engine, "announce"), json=ann)
    assert r.status_code == 201, r.text
    assert r.json()["city"] == TESTTOWN and r.json()["devices"] == 1
