"""The JMA feed poller: conditional GET at most once a minute, the city's office and warning titles only,
never a document twice, no network without MACHI_JMA_FEED_URL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.alerts import scheduled
from backend.alerts.models import Alert

JMA = Path(__file__).resolve().parents[1] / "fixtures" / "jma"
BASE = "https://jma.example/xml"
T0 = dt.datetime(2026, 8, 29, 20, 0, 20, tzinfo=dt.UTC)


def feed(*entries: tuple[str, str, str]) -> bytes:
    items = "".join(
        f"<entry><title>{t}</title><id>{BASE}/{f}</id><updated>2026-08-29T20:00:00Z</updated>"
        f'<author><name>{o}</name></author><link type="application/xml" href="{BASE}/{f}"/>'
        f'<content type="text">x</content></entry>'
        for t, o, f in entries
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" lang="ja">'
        f"<title>高頻度（随時）</title>{items}</feed>"
    ).encode()


R06 = "気象警報・注意報（Ｒ０６）（大雨）"


class JmaServer:
    def __init__(self):
        self.feed = feed(
            (R06, "津地方気象台", "mie-r06-ooame-lv4-hatsuho.xml"),
            (R06, "福井地方気象台", "r06-ooame-fukui-20260830-kaijo.xml"),  # another office
            ("地方海上予報（Ｈ２８）", "津地方気象台", "other.xml"),
        )  # another product
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/feed.xml"):
            if request.headers.get("If-None-Match") == '"v1"':
                return httpx.Response(304)
            return httpx.Response(
                200,
                content=self.feed,
                headers={"ETag": '"v1"', "Last-Modified": "Sat, 29 Aug 2026 20:00:00 GMT"},
            )
        return httpx.Response(200, content=(JMA / request.url.path.rsplit("/", 1)[1]).read_bytes())

    def docs(self) -> list[str]:
        return [r.url.path.rsplit("/", 1)[1] for r in self.requests if not r.url.path.endswith("/feed.xml")]


@pytest.fixture
def jma_server():
    return JmaServer()


def make_poller(engine, server: JmaServer) -> scheduled.Poller:
    return scheduled.Poller(
        engine, f"{BASE}/feed.xml", httpx.Client(transport=httpx.MockTransport(server.handler))
    )


def test_poll_conditional_get_once_a_minute_and_never_a_document_twice(engine, jma_server):
    p = make_poller(engine, jma_server)
    first = p.poll(T0)
    assert first.status == "read" and first.alerts == 1
    assert jma_server.docs() == ["mie-r06-ooame-lv4-hatsuho.xml"]  # the city's office, warnings only
    assert p.poll(T0 + dt.timedelta(seconds=30)).status == "skipped"
    assert len(jma_server.requests) == 2
    assert p.poll(T0 + dt.timedelta(seconds=60)).status == "not-modified"
    assert jma_server.requests[-1].headers["If-None-Match"] == '"v1"'
    assert jma_server.requests[-1].headers["If-Modified-Since"] == "Sat, 29 Aug 2026 20:00:00 GMT"
    # A new poller (a restarted worker) without validators reads the feed again but not the document.
    again = make_poller(engine, jma_server).poll(T0 + dt.timedelta(minutes=5))
    assert again.status == "read" and again.fetched == []
    assert jma_server.docs() == ["mie-r06-ooame-lv4-hatsuho.xml"]
    with Session(engine) as db:
        assert [(a.event, a.level) for a in db.scalars(select(Alert))] == [("heavy_rain", 4)]


def test_unreadable_document_is_recorded_and_not_fetched_again(engine, jma_server):
    jma_server.feed = feed((R06, "津地方気象台", "README.md"))
    p = make_poller(engine, jma_server)
    assert p.poll(T0).fetched == [f"{BASE}/README.md"]
    assert make_poller(engine, jma_server).poll(T0 + dt.timedelta(minutes=2)).fetched == []


def test_no_network_without_the_feed_url(engine, monkeypatch):
    monkeypatch.delenv("MACHI_JMA_FEED_URL", raising=False)
    assert scheduled.poller(engine) is None
    monkeypatch.setenv("MACHI_JMA_FEED_URL", f"{BASE}/feed.xml")
    assert scheduled.poller(engine).url == f"{BASE}/feed.xml"


def test_feed_entries_and_bad_feeds():
    assert scheduled.entries(feed((R06, "津地方気象台", "a.xml"))) == [
        scheduled.Entry(R06, "津地方気象台", f"{BASE}/a.xml")
    ]
    with pytest.raises(ValueError, match="not an Atom feed"):
        scheduled.entries((JMA / "mie-r06-ooame-kaijo.xml").read_bytes())
    with pytest.raises(ValueError, match="not XML"):
        scheduled.entries(b"{}")
