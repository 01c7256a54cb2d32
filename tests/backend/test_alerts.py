"""Disaster alerts through the live path: JMA documents -> state -> alerts -> outbox -> inbox / FCM.

Documents: tests/fixtures/jma (the mie-* ones are derived from real documents, see its README).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend.alerts import service
from backend.alerts.models import Alert, AlertState
from backend.db import utcnow
from backend.delivery.dispatcher import Dispatcher
from core.alerts import texts
from core.city import load_city
from core.i18n import LANGUAGES, Translator
from tests.backend.conftest import TESTTOWN, TESTTOWN_DAILY, cli_env, machi, register, subscribe
from tests.backend.test_api import assert_error, inbox
from tests.backend.test_staff import token

JMA = Path(__file__).resolve().parents[1] / "fixtures" / "jma"


def ingest(engine, name: str, **kw) -> service.IngestResult:
    with Session(engine, expire_on_commit=False) as db:
        return service.ingest(db_session=db, data=(JMA / name).read_bytes(), **kw)


def alerts_of(client, device_id: str, headers: dict) -> list[dict]:
    return [i for i in inbox(client, device_id, headers) if i["kind"] == "alert"]


def expected_headline(lang: str, change: str, level: int, rank: int, name: str) -> str:
    return texts.jma_alert(
        lang,
        change=change,
        event="heavy_rain",
        rank=rank,
        level=level,
        jma_name=name,
        area=load_city("matsusaka").name(lang),
    ).headline


def test_level4_reaches_every_subscribed_device_once_in_its_language_and_a_lift_once(
    client, engine, settings
):
    devices = {}
    for lang in LANGUAGES:
        dev, h = register(client, lang)
        subscribe(client, dev, h)
        devices[lang] = (dev, h)
    other, ho = register(client, "en")  # another city
    subscribe(client, other, ho, area=TESTTOWN_DAILY, city=TESTTOWN)
    off, hf = register(client, "en")  # alerts turned off
    subscribe(client, off, hf)
    client.put(f"/v1/devices/{off}/subscriptions/alerts", headers=hf, json={"enabled": False})

    r = ingest(engine, "mie-r06-ooame-lv4-hatsuho.xml")
    assert r.status == "applied" and [(a.event, a.change, a.level) for a in r.alerts] == [
        ("heavy_rain", "issued", 4)
    ]
    assert r.alerts[0].devices == len(LANGUAGES)
    assert ingest(engine, "mie-r06-ooame-lv4-hatsuho.xml").status == "duplicate"
    Dispatcher(engine, settings).run()
    for lang, (dev, h) in devices.items():
        [item] = alerts_of(client, dev, h)
        assert item["title"] == expected_headline(lang, "issued", 4, 4, "レベル４大雨危険警報")
        assert texts.action(Translator(lang), level=4, rank=4) in item["body"]
        assert item["priority"] == "high" and item["data"]["time_sensitive"] == "1"
    assert alerts_of(client, other, ho) == [] and alerts_of(client, off, hf) == []
    assert devices["ja"] and "出典：気象庁" in alerts_of(client, *devices["ja"])[0]["body"]

    lifted = ingest(engine, "mie-r06-ooame-kaijo.xml")
    assert [(a.change, a.level) for a in lifted.alerts] == [("lifted", 4)]
    Dispatcher(engine, settings).run()
    for lang, (dev, h) in devices.items():
        items = alerts_of(client, dev, h)
        assert len(items) == 2, lang
        [lift] = [
            i for i in items if i["title"] == expected_headline(lang, "lifted", 4, 4, "レベル４大雨危険警報")
        ]
        assert lift["priority"] == "normal"  # one quiet update


def test_continued_does_not_push_raised_does_lowered_is_quiet(client, engine, settings):
    dev, h = register(client, "en")
    subscribe(client, dev, h)
    kinds = []
    for name in ("mie-r06-ooame-lv4-hatsuho.xml", "mie-r06-ooame-lv5.xml", "mie-r06-ooame-lv5-to-lv4.xml"):
        kinds += [(a.change, a.level) for a in ingest(engine, name).alerts]
    assert kinds == [("issued", 4), ("raised", 5), ("lowered", 4)]
    # The same state again (a continued warning, from a later document of the series): nothing.
    again = (
        (JMA / "mie-r06-ooame-lv5-to-lv4.xml")
        .read_text("utf-8")
        .replace("2026-08-30T02:40:06Z", "2026-08-30T03:40:06Z")
    )
    with Session(engine, expire_on_commit=False) as db:
        r = service.ingest(db_session=db, data=again.encode("utf-8"))
    assert r.status == "applied" and r.alerts == []
    # An older document of the series arriving late (level 5 again, but from before): the newest is valid.
    late = (
        (JMA / "mie-r06-ooame-lv5.xml")
        .read_text("utf-8")
        .replace("2026-08-29T21:51:02Z", "2026-08-29T22:00:00Z")
    )
    with Session(engine, expire_on_commit=False) as db:
        assert service.ingest(db_session=db, data=late.encode("utf-8")).alerts == []
    assert ingest(engine, "mie-r06-ooame-lv4-hatsuho.xml").status == "duplicate"
    Dispatcher(engine, settings).run()
    items = alerts_of(client, dev, h)
    assert sorted(i["priority"] for i in items) == ["high", "high", "normal"]


def test_r06_and_h27_of_the_same_state_push_once(client, engine, settings):
    dev, h = register(client, "ja")
    subscribe(client, dev, h)
    first = ingest(engine, "mie-r06-ooame-lv2.xml").alerts
    second = ingest(engine, "mie-h27-vpww54-lv2.xml").alerts
    assert [(a.event, a.change) for a in first] == [("heavy_rain", "issued")]
    assert "heavy_rain" not in [a.event for a in second]  # H27 gives thunder and wind only: new phenomena
    assert {a.event for a in second} == {"thunder", "wind"}
    with Session(engine) as db:
        row = db.get(AlertState, ("matsusaka", "heavy_rain"))
        assert (row.level, row.source) == (2, "R06")


def test_other_municipalities_and_other_documents_are_ignored(client, engine):
    for p in sorted(JMA.glob("r06-*.xml")) + sorted(JMA.glob("h27-*.xml")):
        assert ingest(engine, p.name).status == "ignored", p.name
    with Session(engine) as db:
        assert db.scalars(select(Alert)).all() == [] and db.scalars(select(AlertState)).all() == []


def test_city_alerts_api_active_history_and_shelters(client, engine):
    ingest(engine, "mie-r06-ooame-lv4-hatsuho.xml")
    ingest(engine, "mie-r06-takashio-lv2.xml")
    ingest(engine, "mie-r06-takashio-kaijo.xml")
    body = client.get("/v1/cities/matsusaka/alerts", params={"lang": "en"}).json()
    assert [(a["event"], a["level"], a["origin"]) for a in body["active"]] == [("heavy_rain", 4, "jma")]
    assert body["active"][0]["source"] == "Source: Japan Meteorological Agency"
    assert [a["change"] for a in body["history"]] == ["lifted", "issued", "issued"]
    assert body["open_shelters"] == []
    assert_error(client.get("/v1/cities/nowhere/alerts"), 422, "unknown_city")


def test_evacuation_information_drill_and_lift_through_the_staff_api(client, engine, settings):
    dev, h = register(client, "ja@easy")
    subscribe(client, dev, h)
    staff = token(engine, "alert")
    expires = (utcnow() + dt.timedelta(hours=6)).isoformat()
    base = {
        "city": "matsusaka",
        "severity": "Extreme",
        "event": "evacuation",
        "headline": {"ja": "避難指示"},
        "expires": expires,
    }
    r = client.post("/v1/admin/alerts", headers=staff, json=base | {"level": 4, "drill": True})
    assert r.status_code == 201 and r.json()["devices"] == 1
    assert_error(client.post("/v1/admin/alerts", headers=staff, json=base | {"level": 2}), 422)
    assert_error(
        client.post("/v1/admin/alerts", headers=staff, json=base | {"event": "flood", "level": 4}), 422
    )
    assert_error(client.post("/v1/admin/alerts", headers=staff, json=base | {"drill": True}), 422)
    Dispatcher(engine, settings).run()
    [item] = alerts_of(client, dev, h)
    assert item["title"].startswith("[訓練(くんれん)]") and "避難指示(ひなんしじ)" in item["title"]
    active = client.get("/v1/cities/matsusaka/alerts", params={"lang": "ja"}).json()["active"]
    assert [(a["origin"], a["level"], a["drill"]) for a in active] == [("city", 4, True)]
    r = client.post("/v1/admin/alerts", headers=staff, json=base | {"level": 4, "lift": True})
    assert r.status_code == 201
    assert client.get("/v1/cities/matsusaka/alerts").json()["active"] == []
    audit = [e["action"] for e in client.get("/v1/admin/audit", headers=token(engine, "admin")).json()]
    assert "evacuation.issue" in audit and "evacuation.lift" in audit
    listed = client.get("/v1/admin/announcements", headers=staff).json()
    assert [(a["event"], a["devices"]) for a in listed] == [("evacuation", 1), ("evacuation", 1)]


def test_time_sensitive_only_from_level_4(client, engine, fcm_settings, fake_fcm):
    dev, h = register(client, "en", token="tok-ios", platform="ios")
    subscribe(client, dev, h)
    ingest(engine, "mie-r06-dosha-lv4.xml")  # level 4: time-sensitive
    ingest(engine, "mie-r06-takashio-lv2.xml")  # level 2: high priority, not time-sensitive
    Dispatcher(engine, fcm_settings).run()
    by_title = {m["message"]["notification"]["title"]: m["message"] for m in fake_fcm.delivered}
    lv4 = next(m for t, m in by_title.items() if "Level 4" in t)
    lv2 = next(m for t, m in by_title.items() if "Level 2" in t)
    assert lv4["apns"]["payload"]["aps"].get("interruption-level") == "time-sensitive"
    assert "interruption-level" not in lv2["apns"]["payload"]["aps"]
    assert lv2["apns"]["headers"]["apns-priority"] == "10"


def test_cli_replay_parse_and_shelters(client, engine, db_url, tmp_path):
    dev, h = register(client, "en")
    subscribe(client, dev, h)
    env = cli_env(db_url, tmp_path / "data")
    bad = machi(
        "alerts",
        "replay",
        str(JMA / "mie-r06-ooame-lv4-hatsuho.xml"),
        str(JMA / "README.md"),
        env=env,
        check=False,
    )
    assert bad.returncode == 2 and "README.md" in bad.stderr
    with Session(engine) as db:  # a bad file in the list changes nothing
        assert db.scalars(select(Alert)).all() == []
    out = machi(
        "alerts",
        "replay",
        str(JMA / "mie-r06-ooame-lv4-hatsuho.xml"),
        str(JMA / "mie-r06-ooame-lv5.xml"),
        "--json",
        env=env,
    ).stdout
    report = json.loads(out)
    assert [[(a["change"], a["level"], a["devices"]) for a in r["alerts"]] for r in report] == [
        [("issued", 4, 1)],
        [("raised", 5, 1)],
    ]
    parsed = json.loads(
        machi("alerts", "parse", str(JMA / "mie-r06-ooame-lv5.xml"), "--json", env=env).stdout
    )
    assert parsed == [
        {
            "event": "heavy_rain",
            "level": 5,
            "status": "changed",
            "name": "レベル５大雨特別警報",
            "area_code": "2420400",
        }
    ]
    assert (
        json.loads(
            machi(
                "alerts", "parse", str(JMA / "r06-bofu-tokyo-20260528-hatsuho.xml"), "--json", env=env
            ).stdout
        )
        == []
    )
    assert machi("alerts", "parse", str(JMA / "README.md"), "--json", env=env, check=False).returncode == 2
    unknown = machi("admin", "shelter", "open", "no-such-place", "--city", "matsusaka", env=env, check=False)
    assert unknown.returncode == 2 and ("no-such-place" in unknown.stderr or "places data" in unknown.stderr)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM shelter_states")).scalar() == 0


def test_shelters_open_and_close_through_the_staff_api(client, engine):
    shelter = "E2420400001111"  # a place of Matsusaka's places data
    url = f"/v1/admin/cities/matsusaka/shelters/{shelter}"
    assert_error(client.post(f"{url}/open", headers=token(engine, "announce")), 403)
    assert_error(client.post(f"{url}/open"), 401)
    staff = token(engine, "alert")
    r = client.post(f"{url}/open", headers=staff)
    assert r.status_code == 200 and r.json()["open"] is True
    assert client.get("/v1/cities/matsusaka/alerts").json()["open_shelters"] == [shelter]
    assert client.post(f"{url}/close", headers=staff).json()["open"] is False
    assert client.get("/v1/cities/matsusaka/alerts").json()["open_shelters"] == []
    assert_error(
        client.post("/v1/admin/cities/matsusaka/shelters/nope/open", headers=staff), 404, "unknown_place"
    )
    assert_error(
        client.post(f"/v1/admin/cities/{TESTTOWN}/shelters/{shelter}/open", headers=staff), 422, "no_places"
    )
    audit = [e["action"] for e in client.get("/v1/admin/audit", headers=token(engine, "admin")).json()]
    assert audit.count("shelter.open") == 1 and audit.count("shelter.close") == 1


def test_a_cancellation_document_is_recorded_not_applied(engine):
    data = (
        (JMA / "mie-r06-ooame-lv4-hatsuho.xml")
        .read_text("utf-8")
        .replace("発表</ns1:InfoType>", "取消</ns1:InfoType>")
    )
    assert "取消</ns1:InfoType>" in data
    with Session(engine, expire_on_commit=False) as db:
        assert service.ingest(db_session=db, data=data.encode("utf-8")).status == "cancellation"
        assert service.ingest(db_session=db, data=data.encode("utf-8")).status == "duplicate"
        assert db.scalars(select(AlertState)).all() == []
