"""Garbage screens in the browser: the month calendar on a known date, item search, item
detail, the ICS download and deep links.  Expectations are computed with ``core``."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import expect

from core.city import load_city
from core.garbage import service
from core.i18n import Translator
from tests.e2e.conftest import day_cell_name, flutter_fill, onboarded

CITY = load_city("matsusaka")
AREA = service.find_area(CITY, "旭ヶ丘")


def cell_label(t: Translator, day: dt.date) -> str:
    return day_cell_name(t, CITY, AREA, day)


def test_calendar_shows_the_categories_of_a_known_day(open_app):
    t = Translator("ja")
    app = open_app("ja-JP", settings=onboarded(AREA.id, "ja"), height=2000)  # the whole screen, no scrolling
    page = app.open("/garbage?month=2014-05")
    thursday = dt.date(2014, 5, 8)  # 旭ヶ丘: burnable on Mondays and Thursdays
    label = cell_label(t, thursday)
    assert "燃えるごみ" in label  # the expectation itself comes from core; make sure it says something
    cell = page.get_by_role("button", name=label, exact=True)
    expect(cell).to_be_visible()
    # 2014-05-05 is a Monday inside a centre closure: no collection that day
    expect(page.get_by_role("button", name=cell_label(t, dt.date(2014, 5, 5)), exact=True)).to_be_visible()
    assert t("No collection") in cell_label(t, dt.date(2014, 5, 5))
    expect(page.get_by_role("heading", name=t.month(thursday), exact=True)).to_be_visible()
    cell.click()
    expect(page.get_by_text(t.long_day(thursday), exact=True)).to_be_visible()
    # the legend and agenda name every category next to its colour and icon
    for cat in service.categories(CITY, "ja"):
        expect(page.get_by_text(cat["name"], exact=True).first).to_be_visible()
    app.screenshot("garbage-calendar-ja")


def test_search_petto_finds_pet_bottles_and_its_category(open_app):
    t = Translator("ja")
    app = open_app("ja-JP", settings=onboarded(AREA.id, "ja"))
    page = app.open("/garbage/search")
    hit = service.search(CITY, "petto", "ja", 1)[0]
    assert hit["name"] == "ペットボトル"
    # a result reads "name category notice": the item and its category together
    first = page.get_by_role(
        "button", name=re.compile("^" + re.escape(f"{hit['name']} {hit['category']}"))
    ).first
    flutter_fill(page.get_by_role("textbox", name=t("Item name")), "petto", until=first)
    assert hit["category"] == "資源物"
    summary = t.plural("{n} item found", "{n} items found", len(service.search(CITY, "petto", "ja", 30)))
    expect(page.locator("span").get_by_text(summary, exact=True)).to_be_visible()
    app.screenshot("search-petto-ja")
    first.click()
    expect(page.get_by_text(hit["category"], exact=True).first).to_be_visible()
    next_day = service.next_dates(CITY, AREA, dt.date(2014, 5, 8))[hit["category_id"]]
    expect(
        page.get_by_text(t("Next collection: {day}", day=t.day(dt.date.fromisoformat(next_day))), exact=True)
    ).to_be_visible()
    app.screenshot("item-detail-ja")


def test_search_deep_link_in_portuguese(open_app):
    t = Translator("pt_BR")
    app = open_app("pt-BR", settings=onboarded(AREA.id, "pt_BR"))
    page = app.open("/garbage/search?q=petto")
    hit = service.search(CITY, "petto", "pt_BR", 1)[0]
    result = page.get_by_role("button", name=re.compile("^" + re.escape(f"{hit['name']} {hit['category']}")))
    expect(result.first).to_be_visible()
    app.screenshot("search-petto-pt_BR")
    page.get_by_role("button", name=t("Back"), exact=True).click()
    expect(page.get_by_role("tab", name=t("Garbage"))).to_have_attribute("aria-selected", "true")


def test_add_to_my_calendar_downloads_an_ics_file(open_app):
    t = Translator("en")
    app = open_app(
        "en-US", settings=onboarded(AREA.id, "en", reminder="day_before", reminder_time="19:00"), height=2000
    )
    page = app.open("/garbage")
    button = page.get_by_role("button", name=t("Add to my calendar"), exact=True)
    expect(button).to_be_visible()
    with page.expect_download() as info:
        button.click()
    data = Path(info.value.path()).read_text("utf-8")
    assert info.value.suggested_filename == f"machi-garbage-matsusaka-{AREA.id}.ics"
    assert "BEGIN:VCALENDAR" in data and "DTSTART;TZID=Asia/Tokyo:20140508T080000" in data
    assert "BEGIN:VALARM" in data


def test_data_validity_warning_and_browsing_the_data_period(open_app):
    """With the real date (2026+) outside the data, the app warns; the date override
    setting (stored) drives "today" — here it is pinned to a day after the data ends."""
    t = Translator("en")
    app = open_app("en-US", settings=onboarded(AREA.id, "en", date_override="2015-01-15"), height=2000)
    page = app.open("/garbage")
    message = t(
        "The garbage data covers {start} to {end} only. Dates shown for {day} may be wrong; "
        "check the city's latest calendar.",
        start=t.long_day(dt.date(2014, 2, 1)),
        end=t.long_day(dt.date(2014, 9, 30)),
        day=t.day(dt.date(2015, 1, 15)),
    )
    expect(page.get_by_role("group", name=message, exact=True)).to_be_visible()  # a live region
    app.screenshot("garbage-validity-warning-en")
    page.get_by_role("button", name=t("Show the months the data covers")).first.click()
    expect(page.get_by_role("heading", name=t.month(dt.date(2014, 9, 1)), exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=cell_label(t, dt.date(2014, 9, 1)), exact=True)).to_be_visible()
