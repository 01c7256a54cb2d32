"""City tab in the browser: English, an event, shelters near a point filtered by flood, tourist
mode with no set-up; and a published city bundle reaching the running app without a restart
(a corrupted one refused, the data in use kept).

Its own backend and app (the bundle test changes the city's data, and the map's tiles must come
from 127.0.0.1): the app checks for bundles every second (MACHI_BUNDLE_CHECK_SECONDS=1).
Expectations are computed with ``core`` and the app's view models.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core import bundle as B
from core.city import load_city
from core.garbage import service
from core.i18n import Translator
from core.places import load_places, nearest
from tests.e2e import a11y
from tests.e2e.conftest import (
    REPO,
    TODAY,
    App,
    free_port,
    keep_log_with_errors,
    machi,
    onboarded,
    stop,
    wait_http,
)

CITY = load_city("matsusaka")
AREA = service.find_area(CITY, "旭ヶ丘")
CENTRE = tuple(CITY.meta["centre"])


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    base = tmp_path_factory.mktemp("city-e2e")
    server_data, app_data = base / "server", base / "app"
    server_data.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MACHI_DATABASE_URL", "MACHI_FCM_CREDENTIALS", "MACHI_TRANSPORT")
    }
    api_port, app_port = free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}"
    slog, alog = base / "serve.log", base / "app.log"
    with slog.open("w") as fh:
        server = subprocess.Popen(
            machi()
            + ["serve", "--host", "127.0.0.1", "--port", str(api_port), "--data-dir", str(server_data)],
            cwd=REPO,
            env=dict(env, MACHI_DATA_DIR=str(server_data)),
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    app_env = dict(
        env,
        MACHI_TODAY=TODAY,
        MACHI_POLL_SECONDS="1",
        FLET_FORCE_WEB_SERVER="1",
        MACHI_DATA_DIR=str(app_data),
        MACHI_BUNDLE_CHECK_SECONDS="1",
        MACHI_MAP_TILES=f"http://127.0.0.1:{free_port()}/{{z}}/{{x}}/{{y}}.png",
    )  # nothing listens
    app_env.pop("MACHI_APP_DATA_DIR", None)
    try:
        wait_http(f"{api}/openapi.json", server, slog)
        with alog.open("w") as fh:
            app = subprocess.Popen(
                machi() + ["app", "--web", "--port", str(app_port), "--api", api],
                cwd=REPO,
                env=app_env,
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_http(f"http://127.0.0.1:{app_port}/", app, alog)
            yield {"url": f"http://127.0.0.1:{app_port}", "server_data": server_data, "env": env}
        finally:
            stop(app)
            keep_log_with_errors(alog)
    finally:
        stop(server)


@pytest.fixture
def open_city_app(browser, stack):
    apps: list[App] = []

    def make(
        locale: str = "ja-JP", *, settings: dict | None = None, height: int = 2400, width: int = 412
    ) -> App:
        app = App(browser, stack["url"], locale, width, height, settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


def test_english_city_event_shelters_by_flood_and_tourist_mode(open_city_app):
    ja, en = Translator("ja"), Translator("en")
    app = open_city_app("ja-JP", settings=onboarded(AREA.id, "ja"))
    page = app.open("/settings")
    page.get_by_role("radio", name=en.language_name("en")).click(timeout=30_000)  # a cold first load
    expect(page.get_by_role("heading", name=en("Language"), exact=True)).to_be_visible()
    page.goto(app.base + "/city")
    page.wait_for_selector("flt-semantics-placeholder", state="attached")
    page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
    expect(page.get_by_role("tab", name=en("City"))).to_have_attribute("aria-selected", "true")
    # the city's event, with its English title from the open data (never machine-translated)
    expect(page.get_by_role("heading", name="Ujisato Festival", exact=True)).to_be_visible()
    expect(page.get_by_text(en.day(dt.date(2026, 11, 3)), exact=True).first).to_be_visible()
    assert ja("Events") != en("Events")

    page.get_by_role("button", name=en("Places and shelters")).click()
    page.get_by_role("button", name=en("City centre")).click()
    page.get_by_role("button", name=en("Flood"), exact=True).click()
    expect(
        page.get_by_text(en("Nearest to {origin}", origin=en("the city centre")), exact=True)
    ).to_be_visible()
    hits = nearest(
        load_places("matsusaka"), lat=CENTRE[0], lon=CENTRE[1], kind="shelter", hazard="flood", limit=3
    )
    assert all("flood" in p.hazards for p, _, _ in hits)
    for place, metres, _ in hits:
        label = re.compile("^" + re.escape(f"{place.name}: {metres} m to the "))
        expect(page.get_by_label(label).first).to_be_visible()
    # a shelter designated for no hazard is not in the flood list
    unflagged = next(p for p in load_places("matsusaka") if p.kind == "shelter" and not p.hazards)
    expect(page.get_by_text(unflagged.name, exact=True)).to_have_count(0)
    app.screenshot("city-shelters-flood-en")

    page.get_by_role("button", name=en("Tourist mode")).click()
    expect(page.get_by_text(en("No registration needed. Choose your language:"), exact=True)).to_be_visible()
    expect(page.get_by_text("Matsusaka Castle Ruins", exact=True).first).to_be_visible()
    app.screenshot("city-tourist-en")


def test_tourist_mode_opens_on_a_first_visit_without_set_up(open_city_app):
    en = Translator("en")
    app = open_city_app("en-US", settings=None)  # a first visit: nothing stored
    page = app.open("/city?tab=tourist")
    expect(page.get_by_role("heading", name=en("Tourist mode"), exact=True).first).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_text("Matsusaka Castle Ruins", exact=True).first).to_be_visible()
    # it asks only the language: choosing one changes the screen at once (names the city gave only in
    # Japanese and English fall back to the Japanese original)
    page.get_by_role("radio", name=Translator("pt_BR").language_name("pt_BR")).click()
    pt = Translator("pt_BR")
    expect(page.get_by_role("heading", name=pt("Tourist mode"), exact=True).first).to_be_visible()
    expect(page.get_by_text("松坂城跡", exact=True).first).to_be_visible()
    assert "onboarded" not in app.settings() or not app.settings()["onboarded"]


def test_events_month_view_marks_the_event_day_and_adds_it_to_a_calendar(open_city_app):
    en = Translator("en")
    festival = dt.date(2026, 11, 3)
    app = open_city_app("en-US", settings=onboarded(AREA.id, "en"))
    page = app.open("/city")
    page.get_by_role("button", name=en("Month"), exact=True).click(timeout=30_000)  # a cold first load
    # today (May 2014) has no event left: the grid opens on the festival's month, its day marked
    expect(page.get_by_role("heading", name=en.month(festival), exact=True)).to_be_visible()
    day_name = f"{en.day(festival)}: {en.plural('{n} event', '{n} events', 1)}"
    day = page.get_by_role("button", name=day_name, exact=True)
    expect(day).to_be_visible()
    other = f"{en.day(dt.date(2026, 11, 4))}: {en('No events')}"
    expect(page.get_by_role("button", name=other, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Ujisato Festival", exact=True)).to_have_count(0)
    # choosing the day (Enter, as a keyboard user) shows its event below; the focus stays on the day
    day.focus()
    page.keyboard.press("Enter")
    chosen = f"{day_name}, {en('selected')}"
    a11y.assert_focus_on(page, "button", chosen)
    expect(page.get_by_role("heading", name=en.long_day(festival), exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Ujisato Festival", exact=True)).to_be_visible()
    # the arrow keys walk the grid from there
    page.keyboard.press("ArrowRight")
    a11y.assert_focus_on(page, "button", other)
    add = page.get_by_role("button", name=en("Add to my calendar"), exact=True)
    with page.expect_download() as info:
        add.click()
    data = Path(info.value.path()).read_text("utf-8")
    assert info.value.suggested_filename == "event-event-1.ics"
    assert "SUMMARY:氏郷まつり" in data and "DTSTART;VALUE=DATE:20261103" in data
    app.screenshot("city-events-month-en")
    # back to the list (better read by screen readers): the event is there without choosing a day
    page.get_by_role("button", name=en("List"), exact=True).click()
    expect(page.get_by_role("heading", name=en("Upcoming events"), exact=True)).to_be_visible()
    a11y.assert_focus_on(page, "button", en("List"))  # redrawn in place, the focus kept on the choice
    expect(page.get_by_role("button", name=day_name, exact=True)).to_have_count(0)


def test_events_month_view_at_200_percent_on_360_px(open_city_app):
    en = Translator("en")
    app = open_city_app("en-US", settings=onboarded(AREA.id, "en", text_scale=2.0), width=360, height=2000)
    page = app.open("/city")
    page.get_by_role("button", name=en("Month"), exact=True).click(timeout=30_000)
    festival = dt.date(2026, 11, 3)
    day_name = f"{en.day(festival)}: {en.plural('{n} event', '{n} events', 1)}"
    page.get_by_role("button", name=day_name, exact=True).click()
    expect(page.get_by_role("heading", name="Ujisato Festival", exact=True)).to_be_visible()
    # CLDR's narrow weekday names at this size; nothing sticks out of the screen
    expect(page.get_by_text(en.weekday_narrow(0), exact=True).first).to_be_visible()
    assert a11y.outside_width(page, 360) == []
    app.screenshot("city-events-month-200pct-360px-en")


def _publish(stack) -> str:
    res = subprocess.run(
        machi() + ["city", "publish", "matsusaka", "--data-dir", str(stack["server_data"])],
        cwd=REPO,
        env=stack["env"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def _about(t: Translator, start: dt.date, end: dt.date) -> str:
    return t(
        "Garbage data: {city}, valid {start} to {end}.",
        city=CITY.name("en"),
        start=t.long_day(start),
        end=t.long_day(end),
    )


def test_a_published_calendar_reaches_the_running_app_and_a_corrupted_one_is_refused(open_city_app, stack):
    en = Translator("en")
    app = open_city_app("en-US", settings=onboarded(AREA.id, "en"))
    page = app.open("/settings")
    old_about = _about(en, dt.date(2014, 2, 1), dt.date(2014, 9, 30))
    expect(page.get_by_text(old_about, exact=True)).to_be_visible(timeout=30_000)  # a cold first load

    assert _publish(stack) == "1"
    expect(
        page.get_by_text(re.compile("^" + re.escape(en("City data version {version}", version=1))))
    ).to_be_visible()

    # the city publishes next year's calendar: same rules, a new period
    garbage = json.loads((REPO / "assets/cities/matsusaka/garbage.json").read_text("utf-8"))
    garbage["validity"] = {"from": "2026-04-01", "to": "2027-03-31"}
    target = stack["server_data"] / "cities" / "matsusaka" / "garbage.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(garbage, ensure_ascii=False), "utf-8")
    assert _publish(stack) == "2"
    new_about = _about(en, dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    expect(page.get_by_text(new_about, exact=True)).to_be_visible()  # no restart, no reload
    app.screenshot("city-bundle-v2-settings-en")

    # the calendar itself: a Thursday of May 2026 is now a confirmed burnable day
    page.goto(app.base + "/garbage?month=2026-05")
    page.wait_for_selector("flt-semantics-placeholder", state="attached")
    page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
    thursday = en.day(dt.date(2026, 5, 7))
    note = re.escape(en("not confirmed"))
    burnable = next(c["name"] for c in service.categories(CITY, "en") if c["id"] == "burnable")
    expect(page.get_by_role("button", name=f"{thursday}: {burnable}", exact=True)).to_be_visible(
        timeout=15_000
    )
    expect(
        page.get_by_role("button", name=re.compile("^" + re.escape(thursday + ":") + f".*{note}"))
    ).to_have_count(0)

    # a damaged bundle (content that does not match its hashes) is refused; version 2 stays
    manifest, path = B.current("matsusaka", stack["server_data"])
    bad = json.loads(path.read_text("utf-8"))
    bad["files"]["garbage.json"] = bad["files"]["garbage.json"].replace("2026-04-01", "2030-04-01")
    bad["manifest"] = {**bad["manifest"], "version": 3, "content_hash": "f" * 64}
    (path.parent / ("f" * 64 + ".json")).write_text(json.dumps(bad, ensure_ascii=False), "utf-8")
    (path.parent / "current.json").write_text(json.dumps({"manifest": bad["manifest"]}), "utf-8")
    page.goto(app.base + "/settings")
    page.wait_for_selector("flt-semantics-placeholder", state="attached")
    page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
    failed = en("The last update failed; the data in use is kept.")
    expect(page.get_by_text(re.compile(re.escape(failed)))).to_be_visible()
    expect(
        page.get_by_text(re.compile("^" + re.escape(en("City data version {version}", version=2))))
    ).to_be_visible()
    expect(page.get_by_text(new_about, exact=True)).to_be_visible()


_ = Path
