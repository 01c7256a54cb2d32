"""City view model and the app's bundle service: events, ICS, nearest shelters by hazard with
distance and direction, interests, and a published bundle reaching the app (or refused)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import httpx
import pytest
from icalendar import Calendar

from app.services.bundle import BundleService, check_interval
from app.services.settings import MemoryStore
from app.viewmodels.city import CityViewModel
from core import bundle as B
from core.events import Event
from core.places import haversine_m, load_places
from tests.app.conftest import TODAY, make_vm

ASSETS = Path(__file__).resolve().parents[2] / "assets"


@pytest.fixture
def city(repo):
    vm = make_vm(repo)
    c = CityViewModel(vm)
    set_lang(c, "ja")
    return c


def set_lang(city, lang: str) -> None:
    from core.i18n import Translator

    city.app.settings.language = lang
    city.app.t = Translator(lang)


def test_upcoming_events_and_ics(city):
    rows = city.upcoming_events()
    assert [r.title for r in rows] == ["氏郷まつり"]  # the Japanese reader sees the original
    set_lang(city, "en")
    (row,) = city.upcoming_events()
    assert (row.title, row.original_note) == ("Ujisato Festival", "")
    set_lang(city, "vi")
    (row,) = city.upcoming_events()
    assert row.title == "氏郷まつり" and "Nhật" in row.original_note  # labelled as the Japanese original
    name, data = city.event_ics(row.id)
    ev = next(c for c in Calendar.from_ical(data).walk("VEVENT"))
    assert name.endswith(".ics") and str(ev["summary"]) == "氏郷まつり"
    assert ev.decoded("dtstart").isoformat() == "2026-11-03" and "松坂城跡" in str(ev["location"])
    days = city.event_days(dt.date(2026, 11, 1))
    assert list(days) == [dt.date(2026, 11, 3)]
    assert city.event_days(dt.date(2026, 12, 1)) == {}


def test_nearest_shelters_for_flood_with_distance_and_direction(city):
    set_lang(city, "en")
    city.set_origin(34.5759, 136.5258, "the point you picked")
    city.set_kind("shelter")
    city.set_hazard("flood")
    rows = city.nearest_rows(limit=5)
    places = [p for p in load_places("matsusaka") if p.kind == "shelter" and "flood" in p.hazards]
    want = sorted(places, key=lambda p: haversine_m(34.5759, 136.5258, p.lat, p.lon))[:5]
    assert [r.id for r in rows] == [p.id for p in want]
    first = rows[0]
    assert first.distance == "241 m" and first.direction == "south-west"
    assert "Flood" in first.hazards and first.label == f"{first.name}: 241 m to the south-west"
    city.set_hazard("volcano")
    assert city.nearest_rows() == []
    with pytest.raises(ValueError):
        city.set_hazard("lava")
    assert city.distance_text(1234) == "1.2 km"


def test_origin_defaults_to_the_city_centre(city):
    assert city.origin is None
    rows = city.nearest_rows(limit=1, kind="tourism")
    assert city.origin == (34.5759, 136.5258) and rows[0].name == "松坂城跡"


@pytest.mark.asyncio
async def test_interests_are_stored_and_shape_the_home_feed(repo):
    store = MemoryStore()
    city = CityViewModel(make_vm(repo, store=store))
    set_lang(city, "en")
    await city.load_prefs()
    assert city.prefs.interests == ["events", "disaster"]
    titles = [i.title for i in city.feed()]
    assert titles == ["Ujisato Festival", "Nearest shelter: 殿町中学校（体育館）"]  # from the city centre
    await city.set_interest("disaster", False)
    await city.set_interest("tax", True)
    again = CityViewModel(make_vm(repo, store=store))
    set_lang(again, "en")
    await again.load_prefs()
    assert again.prefs.interests == ["events", "tax"]
    assert [i.route for i in again.feed()] == ["/city", "/pay"]
    with pytest.raises(ValueError):
        await again.set_interest("gossip", True)


# ----------------------------------------------------------------------------- the bundle service


def _published(tmp_path: Path, year: int | None = None) -> tuple[dict, bytes]:
    server = tmp_path / "server"
    if year:
        data = json.loads((ASSETS / "cities/matsusaka/garbage.json").read_text("utf-8"))
        data["validity"] = {"from": f"{year}-04-01", "to": f"{year + 1}-03-31"}
        target = server / "cities" / "matsusaka" / "garbage.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    manifest = B.publish("matsusaka", server)
    return manifest, B.current("matsusaka", server)[1].read_bytes()


class FakeServer:
    """The bundle endpoint's contract: ETag = content hash, 304 on a match."""

    def __init__(self, body: bytes, etag: str, status: int = 200):
        self.body, self.etag, self.status, self.seen = body, etag, status, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.headers.get("if-none-match"))
        if self.status != 200:
            return httpx.Response(self.status)
        if request.headers.get("if-none-match") == self.etag:
            return httpx.Response(304)
        return httpx.Response(200, content=self.body, headers={"ETag": self.etag})


@pytest.mark.asyncio
async def test_a_new_bundle_is_installed_and_a_corrupted_one_refused(tmp_path):
    root = tmp_path / "phone"
    m1, body1 = _published(tmp_path)
    server = FakeServer(body1, f'"{m1["content_hash"]}"')
    svc = BundleService("http://api", "matsusaka", root, transport=httpx.MockTransport(server))
    assert svc.data_dir() is None and svc.status().version == 0  # the shipped copy
    seen = []
    svc.subscribe(seen.append)
    assert await svc.check() is True
    assert svc.data_dir() == root and svc.status().version == 1 and len(seen) == 1
    assert await svc.check() is False and server.seen == [None, f'"{m1["content_hash"]}"']  # 304

    m2, body2 = _published(tmp_path, 2026)
    bad = json.loads(body2)
    bad["files"]["garbage.json"] = bad["files"]["garbage.json"].replace("2026-04-01", "2030-04-01")
    server.body, server.etag = json.dumps(bad).encode(), f'"{m2["content_hash"]}"'
    assert await svc.check() is False
    assert "garbage.json: content does not match" in svc.status().last_error
    assert svc.status().version == 1  # the old one is kept
    # listeners hear of the failure at once (Settings says so without waiting for a re-render)
    assert len(seen) == 2 and "content does not match" in seen[-1].last_error

    server.body = b"{not json"
    assert await svc.check() is False and svc.status().last_error == "the bundle is not JSON"
    server.status = 500
    assert await svc.check() is False and "HTTP 500" in svc.status().last_error
    assert svc.status().version == 1

    server.status, server.body = 200, body2
    assert await svc.check() is True
    status = svc.status()
    assert status.version == 2 and status.last_error is None
    assert status.domains["garbage"] == {"from": "2026-04-01", "to": "2027-03-31"}
    from app.services.garbage import GarbageRepository

    assert GarbageRepository("matsusaka", svc.data_dir()).validity.start.isoformat() == "2026-04-01"


@pytest.mark.asyncio
async def test_unreachable_server_keeps_the_shipped_copy(tmp_path, repo):
    def down(request):
        raise httpx.ConnectError("refused")

    svc = BundleService("http://api", "matsusaka", tmp_path, transport=httpx.MockTransport(down))
    assert await svc.check() is False and "cannot reach" in svc.status().last_error
    assert svc.data_dir() is None
    city = CityViewModel(make_vm(repo), svc)
    set_lang(city, "en")
    text = city.bundle_text()
    assert "shipped with the app" in text and "The last update failed" in text


def test_bundle_text_names_version_and_period(tmp_path, repo):
    import asyncio

    m1, body = _published(tmp_path, 2026)
    svc = BundleService(
        "http://api",
        "matsusaka",
        tmp_path / "phone",
        transport=httpx.MockTransport(FakeServer(body, f'"{m1["content_hash"]}"')),
    )
    asyncio.run(svc.check())
    city = CityViewModel(make_vm(repo), svc)
    set_lang(city, "en")
    assert city.bundle_text() == "City data version 1 · garbage calendar Wed, Apr 1 to Wed, Mar 31"


def test_check_interval_from_env():
    assert check_interval({}) == 86400
    assert check_interval({"MACHI_BUNDLE_CHECK_SECONDS": "2"}) == 2
    with pytest.raises(ValueError, match="not a number"):
        check_interval({"MACHI_BUNDLE_CHECK_SECONDS": "soon"})


_ = (copy, TODAY)


def test_origin_from_an_address_or_area(city):
    set_lang(city, "en")
    assert city.origin_from_text("殿町") is True
    tono = [p for p in load_places("matsusaka") if "殿町" in p.address or "殿町" in p.name]
    assert city.origin == pytest.approx(
        (sum(p.lat for p in tono) / len(tono), sum(p.lon for p in tono) / len(tono))
    )
    assert city.origin_name == "殿町"
    city.set_kind("shelter")
    rows = city.nearest_rows(limit=3)
    assert rows and all(haversine_m(*city.origin, r.lat, r.lon) < 2000 for r in rows)
    before = city.origin
    assert city.origin_from_text("no such street") is False and city.origin == before
    assert city.origin_from_text("   ") is False


# ----------------------------------------------------------------------------- the events month grid


def _event(id_: str, start: str, end: str, title: str = "祭り") -> Event:
    return Event(id=id_, title=title, start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end))


def test_month_grid_opens_on_the_next_events_month_with_its_boundaries(city):
    set_lang(city, "en")
    # today (2014-05-08) has no event left in May 2014: the grid opens on the next event's month
    assert city.events_month() == dt.date(2026, 11, 1) and city.events_month_title() == "November 2026"
    weeks = city.event_weeks()
    days = [c.day for w in weeks for c in w]
    # 1 November 2026 is a Sunday: Monday-first weeks from 26 October to 6 December
    assert all(len(w) == 7 for w in weeks) and len(weeks) == 6
    assert (days[0], days[-1]) == (dt.date(2026, 10, 26), dt.date(2026, 12, 6))
    assert days == [dt.date(2026, 10, 26) + dt.timedelta(days=i) for i in range(42)]
    assert [c.day for w in weeks for c in w if c.in_month] == [dt.date(2026, 11, d) for d in range(1, 31)]
    marked = {c.day: c for w in weeks for c in w if c.count}
    assert list(marked) == [dt.date(2026, 11, 3)]
    assert marked[dt.date(2026, 11, 3)].label == "Tue, Nov 3: 1 event"
    assert weeks[0][0].label == "Mon, Oct 26: No events" and not weeks[0][0].in_month
    city.move_month(1)
    assert city.events_month() == dt.date(2026, 12, 1) and not any(
        c.count for w in city.event_weeks() for c in w
    )
    city.move_month(-13)  # across the year
    assert city.events_month() == dt.date(2025, 11, 1)


def test_today_is_in_its_day_name_and_february_of_a_leap_year(city):
    set_lang(city, "en")
    assert city.set_month_param("2014-05") and not city.set_month_param("May")
    cells = {c.day: c for w in city.event_weeks() for c in w}
    today = cells[TODAY]
    assert today.is_today and today.label == "Today, Thu, May 8: No events"
    assert sum(c.is_today for c in cells.values()) == 1
    city.set_month_param("2028-02")  # 29 days, 1 Feb 2028 a Tuesday
    weeks = city.event_weeks()
    assert [c.day for w in weeks for c in w if c.in_month][-1] == dt.date(2028, 2, 29)
    assert weeks[0][0].day == dt.date(2028, 1, 31) and weeks[-1][-1].day == dt.date(2028, 3, 5)


def test_events_over_several_days_count_on_each_day_also_across_months(city, monkeypatch):
    set_lang(city, "en")
    events = [
        _event("long", "2026-10-30", "2026-11-02"),
        _event("one", "2026-11-02", "2026-11-02", "朝市"),
        _event("later", "2026-12-24", "2026-12-26"),
    ]
    monkeypatch.setattr(city, "events", lambda: events)
    city.set_month_param("2026-11")
    cells = {c.day: c for w in city.event_weeks() for c in w}
    counts = {d: c.count for d, c in cells.items() if c.count}
    assert counts == {
        dt.date(2026, 10, 30): 1,  # shown in the first week, another month's day
        dt.date(2026, 10, 31): 1,
        dt.date(2026, 11, 1): 1,
        dt.date(2026, 11, 2): 2,
    }
    assert cells[dt.date(2026, 11, 2)].label == "Mon, Nov 2: 2 events"
    assert sorted(city.event_days(dt.date(2026, 11, 1))) == [dt.date(2026, 11, 1), dt.date(2026, 11, 2)]
    assert sorted(city.event_days(dt.date(2026, 12, 1))) == [dt.date(2026, 12, d) for d in (24, 25, 26)]
    # the selected day: its events (with their ids for add-to-calendar); a month change clears it
    assert city.selected_events() == []
    city.select_day(dt.date(2026, 11, 2))
    assert [r.id for r in city.selected_events()] == ["long", "one"]
    assert city.selected_events()[0].when == "Fri, Oct 30 to Mon, Nov 2"
    city.select_day(dt.date(2026, 11, 3))
    assert city.selected_events() == []
    city.select_day(dt.date(2026, 11, 1))
    city.move_month(1)
    assert city.selected_day is None and city.events_month() == dt.date(2026, 12, 1)


def test_month_grid_names_in_other_languages(city):
    set_lang(city, "ja")
    city.set_month_param("2026-11")
    cell = next(c for w in city.event_weeks() for c in w if c.count)
    assert cell.label == "11月3日(火): 1件のイベント"
    city.set_month_param("2014-05")
    today = next(c for w in city.event_weeks() for c in w if c.is_today)
    assert today.label == "今日、5月8日(木): イベントなし"
    assert city.event_weekday_names() == ["月", "火", "水", "木", "金", "土", "日"]
    set_lang(city, "pt_BR")
    city.set_month_param("2026-11")
    cell = next(c for w in city.event_weeks() for c in w if c.count)
    assert cell.label.endswith(": 1 evento") and city.event_count_text(2) == "2 eventos"
    assert city.events_month_title() == "novembro de 2026"
    set_lang(city, "en")
    assert city.event_weekday_names()[0] == "Mon"
    # a narrow phone at 200 %: CLDR's narrow names (the garbage calendar's rule)
    assert city.event_weekday_names(cell_width=20, font_size=24) == ["M", "T", "W", "T", "F", "S", "S"]
    with pytest.raises(ValueError):
        city.set_events_view("agenda")
    city.set_events_view("month")
    assert city.events_view == "month"
