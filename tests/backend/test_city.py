"""City content API: the bundle (ETag/304), places near a point (spatial index, pagination, hazard),
events (date range, category, language with Japanese fallback), news feeds (conditional GET)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import httpx
import pytest

from backend.city import news
from backend.city.scheduled import refresh_news
from core import bundle as B
from core.opendata.service import import_file

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "opendata"
GSI_FILE = (
    Path(__file__).resolve().parents[2]
    / "assets/cities/matsusaka/places/source-gsi"
    / "matsusaka_242047_shitei_kinkyu_hinan_basho.geojson"
)


def _haversine(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def test_bundle_etag_304_and_a_new_version(client, settings):
    assert client.get("/v1/cities/matsusaka/bundle").status_code == 404
    m1 = B.publish("matsusaka", settings.data_dir)
    r = client.get("/v1/cities/matsusaka/bundle")
    assert r.status_code == 200 and r.headers["etag"] == f'"{m1["content_hash"]}"'
    assert r.headers["cache-control"] == "no-cache" and r.headers["x-machi-bundle-version"] == "1"
    assert B.verify(r.json(), slug="matsusaka") == m1
    again = client.get("/v1/cities/matsusaka/bundle", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    garbage = json.loads((B.assets_dir() / "cities/matsusaka/garbage.json").read_text("utf-8"))
    garbage["validity"] = {"from": "2026-04-01", "to": "2027-03-31"}
    target = settings.data_dir / "cities" / "matsusaka" / "garbage.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(garbage, ensure_ascii=False), "utf-8")
    m2 = B.publish("matsusaka", settings.data_dir)
    r2 = client.get("/v1/cities/matsusaka/bundle", headers={"If-None-Match": r.headers["etag"]})
    assert r2.status_code == 200 and r2.json()["manifest"]["version"] == 2 == m2["version"]
    assert r2.json()["manifest"]["domains"]["garbage"] == {"from": "2026-04-01", "to": "2027-03-31"}
    assert client.get("/v1/cities/bad..slug/bundle").status_code in (404, 422)


@pytest.mark.parametrize("hazard", [None, "flood", "tsunami", "storm_surge"])
def test_places_near_a_point_equal_brute_force(client, hazard):
    lat, lon = 34.5785, 136.5345
    params = {"city": "matsusaka", "kind": "evacuation", "near": f"{lat},{lon}", "limit": 10}
    if hazard:
        params["hazard"] = hazard
    r = client.get("/v1/places", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    features = json.loads(GSI_FILE.read_text("utf-8"))["features"]
    cols = {"flood": "洪水", "tsunami": "津波", "storm_surge": "高潮"}
    want = sorted(
        (
            _haversine(lat, lon, f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]),
            f["properties"]["共通ID"],
        )
        for f in features
        if not hazard or f["properties"][cols[hazard]] == "1"
    )
    assert [i["id"] for i in body["items"]] == [pid for _, pid in want[:10]]
    assert [i["distance_m"] for i in body["items"]] == [round(d) for d, _ in want[:10]]
    assert body["total"] == len(want) and body["next_offset"] == 10
    page2 = client.get("/v1/places", params={**params, "offset": 10}).json()
    assert [i["id"] for i in page2["items"]] == [pid for _, pid in want[10:20]]
    assert r.headers["cache-control"] == "public, max-age=300"
    assert (
        client.get("/v1/places", params=params, headers={"If-None-Match": r.headers["etag"]}).status_code
        == 304
    )


def test_places_within_a_radius_and_bad_queries(client):
    r = client.get(
        "/v1/places",
        params={
            "kind": "shelter",
            "near": "34.5759,136.5258",
            "radius": 1000,
            "city": "matsusaka",
            "limit": 200,
        },
    )
    items = r.json()["items"]
    assert items and all(i["distance_m"] <= 1000 for i in items) and r.json()["next_offset"] is None
    assert all(i["name"] == {"text": i["name"]["text"], "language": "ja", "original": True} for i in items)
    for params, field in [
        ({"near": "34.5"}, "near"),
        ({"near": "91,136"}, "near"),
        ({"radius": 10}, "radius"),
        ({"hazard": "lava"}, "hazard"),
        ({"kind": "pub"}, "kind"),
    ]:
        bad = client.get("/v1/places", params={"city": "matsusaka", **params})
        assert bad.status_code == 422 and field in json.dumps(bad.json()), (params, bad.text)
    assert client.get("/v1/places", params={"city": "nowhere"}).status_code == 404


def test_events_range_category_language_and_fallback(client, settings):
    header = "イベント名,イベント名_英語,開始日,終了日,開始時間,終了時間,説明,イベント種類,場所名称\n"
    rows = (
        "氏郷まつり,Ujisato Festival,2026/11/1,2026/11/2,10:00,16:00,武者行列,まつり,松坂城跡\n"
        "子育て教室,,2026-05-28,2026-05-28,13:30,14:30,講話,子育て,市役所\n"
    )
    path = settings.data_dir / "ev.csv"
    path.write_text(header + rows, "utf-8")
    assert import_file("events", path, city="testtown", data_dir=settings.data_dir).accepted == [2, 3]
    r = client.get(
        "/v1/events", params={"city": "testtown", "from": "2026-10-01", "to": "2026-12-31", "lang": "en"}
    )
    (item,) = r.json()["items"]
    assert item["title"] == {"text": "Ujisato Festival", "language": "en", "original": False}
    assert item["description"] == {"text": "武者行列", "language": "ja", "original": True}
    assert (item["start"], item["start_time"]) == ("2026-11-01", "10:00")
    r = client.get("/v1/events", params={"city": "testtown", "category": "子育て", "lang": "vi"})
    (item,) = r.json()["items"]
    assert item["title"] == {"text": "子育て教室", "language": "ja", "original": True}  # Japanese fallback
    assert client.get("/v1/events", params={"city": "testtown", "from": "2026-13-01"}).status_code == 422
    assert (
        client.get(
            "/v1/events", params={"city": "testtown", "from": "2026-12-01", "to": "2026-01-01"}
        ).status_code
        == 422
    )
    etag = client.get("/v1/events", params={"city": "testtown"}).headers["etag"]
    assert (
        client.get("/v1/events", params={"city": "testtown"}, headers={"If-None-Match": etag}).status_code
        == 304
    )


RSS = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>City</title>
<item><title>Road closed</title><link>https://example.org/1</link><guid>1</guid>
<pubDate>Mon, 02 Nov 2026 09:00:00 +0900</pubDate><description>Because of the festival.</description></item>
</channel></rss>"""


def test_news_feed_polled_with_conditional_get(client, settings, engine):
    city_json = settings.data_dir / "cities" / "testtown" / "city.json"
    meta = json.loads(city_json.read_text("utf-8"))
    meta["news_feeds"] = [{"url": "https://feeds.example.org/rss", "language": "en"}]
    city_json.write_text(json.dumps(meta), "utf-8")
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.headers))
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(
            200, content=RSS, headers={"ETag": '"v1"', "Last-Modified": "Mon, 02 Nov 2026 00:00:00 GMT"}
        )

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        folder = settings.data_dir / "cities" / "testtown"
        assert news.refresh(folder, meta["news_feeds"], client=http) == 1
        assert news.refresh(folder, meta["news_feeds"], client=http) == 0
        refresh_news(db_session=None, settings=settings, now=None, client=http)
    assert "if-none-match" not in seen[0] and seen[1]["if-none-match"] == '"v1"'
    assert seen[1]["if-modified-since"] == "Mon, 02 Nov 2026 00:00:00 GMT"
    r = client.get("/v1/news", params={"city": "testtown"})
    (item,) = r.json()["items"]
    assert item["title"] == {"text": "Road closed", "language": "en", "original": True}
    assert item["published"] == "2026-11-02T00:00:00+00:00" and item["link"] == "https://example.org/1"


def test_news_fetching_is_off_unless_configured(settings, monkeypatch):
    monkeypatch.delenv("MACHI_NEWS_FETCH", raising=False)
    assert refresh_news(db_session=None, settings=settings, now=None) == 0
    with pytest.raises(ValueError, match="not an RSS/Atom feed"):
        news.parse_feed(b"not a feed at all <<<", source="x")


def test_tourist_page_is_small_asks_only_the_language_and_lists_sights(client):
    r = client.get("/v1/tourist", params={"city": "matsusaka"}, headers={"Accept-Language": "pt-BR,pt;q=0.9"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert r.headers["content-language"] == "pt-BR" and '<html lang="pt-BR">' in page
    assert "Modo turista" in page and "<script" not in page and len(r.content) < 20_000
    assert (
        page.count("<nav>") == 1 and page.count('aria-current="true"') == 1
    )  # the languages, nothing else asked
    assert (
        '<strong lang="ja">松坂城跡</strong>' in page
    )  # the city gave no Portuguese name: the original, labelled
    assert "A cidade ainda não publicou pontos de Wi-Fi." in page
    en = client.get("/v1/tourist", params={"city": "matsusaka", "lang": "en"}).text
    assert "<strong>Matsusaka Castle Ruins</strong>" in en and "<h2>Upcoming events</h2>" in en
    etag = client.get("/v1/tourist", params={"lang": "en"}).headers["etag"]
    assert (
        client.get("/v1/tourist", params={"lang": "en"}, headers={"If-None-Match": etag}).status_code == 304
    )
    assert client.get("/v1/tourist", params={"city": "nowhere"}).status_code == 404


def test_configured_open_data_sources_are_refreshed_with_conditional_get(settings):
    from backend.city import sources

    folder = settings.data_dir / "cities" / "testtown"
    body = (FIX / "yaizu_222127_public_wireless_lan.csv").read_bytes()
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.headers))
        if request.url.path.endswith("broken.csv"):
            return httpx.Response(200, content=b"foo,bar\n1,2\n", headers={"ETag": '"b"'})
        if request.headers.get("if-none-match") == '"w1"':
            return httpx.Response(304)
        return httpx.Response(200, content=body, headers={"ETag": '"w1"'})

    listed = [
        {"kind": "wifi", "url": "https://data.example.org/wifi.csv"},
        {"kind": "aed", "url": "https://data.example.org/broken.csv"},
    ]
    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        first = sources.refresh(folder, listed, client=http)
        assert [len(r.accepted) for r in first] == [17, 0] and first[1].fatal_errors
        second = sources.refresh(folder, listed, client=http)
    assert [r.kind for r in second] == ["aed"]  # wifi unchanged (304); the broken one is tried again
    assert seen[2]["if-none-match"] == '"w1"' and "if-none-match" not in seen[3]
    from core.places import load_places

    assert sum(p.kind == "wifi" for p in load_places("testtown", settings.data_dir)) == 17
