"""A device's own city (issue 14 era): announcements and disaster alerts reach devices with no
garbage subscription (tourists, residents with reminders off); a device without a city keeps its
subscription's city."""

from __future__ import annotations

import datetime as dt

from backend.db import utcnow
from backend.delivery.dispatcher import Dispatcher
from tests.backend.conftest import TESTTOWN, register, subscribe
from tests.backend.test_alerts import alerts_of, ingest
from tests.backend.test_api import assert_error
from tests.backend.test_staff import ANN, announcements, token

OTHER_AREA = "a77cafc11"  # a Matsusaka area that is not conftest.subscribe's default a198c8301


def register_in(client, city: str | None, locale: str = "en") -> tuple[str, dict]:
    body = {"platform": "web", "locale": locale, "timezone": "Asia/Tokyo", "app_version": "1.0.0"}
    if city is not None:
        body["city"] = city
    r = client.post("/v1/devices", json=body)
    assert r.status_code == 201, r.text
    d = r.json()
    return d["id"], {"Authorization": f"Bearer {d['secret']}"}


def test_a_device_without_a_garbage_subscription_gets_its_citys_announcement_and_alert(
    client, engine, settings
):
    tourist, ht = register_in(client, "matsusaka")
    elsewhere, he = register_in(client, TESTTOWN)
    cityless, hc = register_in(client, None)
    r = client.post("/v1/admin/announcements", headers=token(engine, "announce"), json=ANN)
    assert r.status_code == 201 and r.json()["devices"] == 1
    assert ingest(engine, "mie-r06-ooame-lv4-hatsuho.xml").alerts[0].devices == 1
    Dispatcher(engine, settings).run()
    assert [i["title"] for i in announcements(client, tourist, ht) if i["kind"] == "announcement"] == [
        "Water outage"
    ]
    [alert] = alerts_of(client, tourist, ht)
    assert alert["data"]["event"] == "heavy_rain" and alert["data"]["level"] == "4"
    for dev, h in ((elsewhere, he), (cityless, hc)):
        assert announcements(client, dev, h) == []


def test_the_subscription_city_stays_the_default_and_the_device_city_wins(client, engine, settings):
    resident, hr = register(client, "en")  # no city: its garbage subscription's (Matsusaka)
    subscribe(client, resident, hr)
    moved, hm = register_in(client, TESTTOWN)  # its own city wins over its subscription's
    subscribe(client, moved, hm)
    r = client.post("/v1/admin/announcements", headers=token(engine, "announce"), json=ANN)
    assert r.json()["devices"] == 1
    Dispatcher(engine, settings).run()
    assert [i["title"] for i in announcements(client, resident, hr)] == ["Water outage"]
    assert announcements(client, moved, hm) == []
    r = client.post(
        "/v1/admin/announcements",
        headers=token(engine, "announce"),
        json={**ANN, "city": TESTTOWN, "title": {"ja": "町の知らせ", "en": "Testtown news"}},
    )
    assert r.json()["devices"] == 1
    Dispatcher(engine, settings).run()
    assert [i["title"] for i in announcements(client, moved, hm)] == ["Testtown news"]


def test_area_announcements_skip_unknown_areas_but_area_alerts_reach_them(client, engine, settings):
    in_area, hi = register(client, "en")
    subscribe(client, in_area, hi)
    other_area, ho = register(client, "en")
    subscribe(client, other_area, ho, area=OTHER_AREA)
    tourist, ht = register_in(client, "matsusaka")
    staff_ann, staff_alert = token(engine, "announce"), token(engine, "alert")
    r = client.post("/v1/admin/announcements", headers=staff_ann, json={**ANN, "areas": ["a198c8301"]})
    assert r.json()["devices"] == 1  # the tourist's area is unknown: local news is not for it
    evacuation = {
        "city": "matsusaka",
        "severity": "Extreme",
        "event": "evacuation",
        "headline": {"ja": "避難指示"},
        "expires": (utcnow() + dt.timedelta(hours=6)).isoformat(),
        "areas": ["a198c8301"],
        "level": 4,
    }
    r = client.post("/v1/admin/alerts", headers=staff_alert, json=evacuation)
    assert r.status_code == 201 and r.json()["devices"] == 2  # the area's resident and the tourist
    Dispatcher(engine, settings).run()
    assert len(alerts_of(client, in_area, hi)) == 1 and len(alerts_of(client, tourist, ht)) == 1
    assert alerts_of(client, other_area, ho) == []
    assert [i["kind"] for i in announcements(client, tourist, ht)] == ["alert"]


def test_city_is_set_changed_and_cleared_through_the_device_api(client):
    dev, h = register_in(client, None)
    assert client.get(f"/v1/devices/{dev}", headers=h).json()["city"] is None
    r = client.patch(f"/v1/devices/{dev}", headers=h, json={"city": "matsusaka"})
    assert r.status_code == 200 and r.json()["city"] == "matsusaka"
    assert client.patch(f"/v1/devices/{dev}", headers=h, json={"locale": "ja"}).json()["city"] == "matsusaka"
    assert client.patch(f"/v1/devices/{dev}", headers=h, json={"city": None}).json()["city"] is None
    assert_error(client.patch(f"/v1/devices/{dev}", headers=h, json={"city": "nowhere"}), 422, "unknown_city")
    assert_error(
        client.post(
            "/v1/devices",
            json={
                "platform": "web",
                "locale": "en",
                "timezone": "Asia/Tokyo",
                "app_version": "1",
                "city": "nowhere",
            },
        ),
        422,
        "unknown_city",
    )
    assert_error(client.patch(f"/v1/devices/{dev}", headers=h, json={"city": "Not A Slug"}), 422)
    other, ho = register_in(client, TESTTOWN)  # a city of the server's data directory
    assert client.get(f"/v1/devices/{other}", headers=ho).json()["city"] == TESTTOWN
