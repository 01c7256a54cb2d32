"""Issue 8, point 19: the layout at 200 % text on a 360-px-wide phone, checked on bounding boxes
(nothing outside the screen, nothing overlapping, labels on one line) and kept as screenshots.
Also: the Back button's name is translated, and the tab tooltip does not stay over the screen."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from app.viewmodels.garbage import text_width
from core.city import load_city
from core.garbage import service
from core.i18n import Translator
from tests.e2e.conftest import onboarded

CITY = load_city("matsusaka")
AREA = service.find_area(CITY, "旭ヶ丘")
WIDTH = 360
MAY = dt.date(2014, 5, 1)


def box(loc) -> dict:
    loc.wait_for(state="attached")  # Flutter may have just replaced the node (a re-render)
    b = loc.bounding_box()
    assert b is not None, loc
    return b


def inside(b: dict, width: float = WIDTH) -> bool:
    return b["x"] >= -0.5 and b["x"] + b["width"] <= width + 0.5 and b["width"] > 0 and b["height"] > 0


def overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"] + 0.5
        or b["x"] + b["width"] <= a["x"] + 0.5
        or a["y"] + a["height"] <= b["y"] + 0.5
        or b["y"] + b["height"] <= a["y"] + 0.5
    )


@pytest.mark.parametrize(
    "lang, locale", [("vi", "vi-VN"), ("en", "en-US"), ("ja@easy", "ja-JP"), ("pt_BR", "pt-BR")]
)
def test_month_header_and_weekdays_fit_at_200_percent_on_360_px(open_app, lang, locale):
    t = Translator(lang)
    app = open_app(locale, settings=onboarded(AREA.id, lang, text_scale=2.0), width=WIDTH, height=2400)
    page = app.open("/garbage?month=2014-05")
    title = page.get_by_role("heading", name=t.month(MAY), exact=True)
    prev = page.get_by_role("button", name=t("Previous month"), exact=True)
    nxt = page.get_by_role("button", name=t("Next month"), exact=True)
    for loc in (title, prev, nxt):
        expect(loc).to_be_visible()
    b_title, b_prev, b_next = box(title), box(prev), box(nxt)
    assert all(inside(b) for b in (b_title, b_prev, b_next)), (b_title, b_prev, b_next)
    assert not overlap(b_prev, b_title) and not overlap(b_title, b_next) and not overlap(b_prev, b_next)
    # weekday headers: CLDR's narrow names where the abbreviated ones do not fit a seventh of the screen
    cell = box(
        page.get_by_role("button", name=f"{t.day(dt.date(2014, 4, 28))}: ", exact=False).first
    )  # 1st cell
    short = [t.weekday_short(i) for i in range(7)]
    fits = max(text_width(n, 24) for n in short) <= cell["width"]
    names = short if fits else [t.weekday_narrow(i) for i in range(7)]
    if lang == "vi":
        assert names[0] == "T2"  # "Thứ 2" does not fit a 45-px column at 24 px
    boxes: dict[int, dict] = {}  # the header row: texts just above the first week, one per column
    for name in set(names):
        loc = page.get_by_text(name, exact=True)
        for k in range(loc.count()):
            b = box(loc.nth(k))
            if cell["y"] - 80 < b["y"] < cell["y"]:
                boxes[round(b["x"])] = b
    assert len(boxes) == 7, boxes
    by_x = sorted(boxes.values(), key=lambda b: b["x"])
    assert all(inside(b) for b in by_x)
    assert all(not overlap(a, b) for a, b in zip(by_x, by_x[1:], strict=False)), by_x
    assert all(b["width"] <= cell["width"] + 1 for b in by_x)  # each name fits its column
    app.screenshot(f"layout-garbage-200pct-360px-{lang}")


@pytest.mark.parametrize("lang", ["ja", "ja@easy"])
def test_japanese_tab_labels_stay_on_one_line(open_app, lang):
    t = Translator(lang)
    app = open_app("ja-JP", settings=onboarded(AREA.id, lang, text_scale=2.0), width=WIDTH, height=1200)
    page = app.open("/")
    labels = [t(n) for n in ("Home", "Garbage", "Handbook", "Pay", "City")]
    tabs = [page.get_by_role("tab", name=label) for label in labels]
    for tab in tabs:
        expect(tab).to_be_visible()
    boxes = [box(tab) for tab in tabs]
    assert all(inside(b) for b in boxes)
    # the tab's box keeps its height when a label wraps (the second line is cut off), so check that
    # each label, at the navigation bar's 14 px (200 %), fits the width of its tab
    for label, b in zip(labels, boxes, strict=True):
        assert text_width(label, 14) <= b["width"] - 8, (label, b)
    app.screenshot(f"layout-tabs-200pct-360px-{lang}")


def test_search_field_label_is_not_clipped_and_back_is_translated(open_app):
    lang = "pt_BR"
    t = Translator(lang)
    app = open_app("pt-BR", settings=onboarded(AREA.id, lang, text_scale=2.0), width=WIDTH, height=1200)
    page = app.open("/garbage/search?q=pilha")
    field = page.get_by_role("textbox", name=t("Item name"))
    expect(field).to_be_visible()
    b = box(field)
    appbar_bottom = max(box(page.get_by_role("heading", name=t("Search"), exact=True))["y"], 0)
    assert inside(b) and b["y"] > appbar_bottom
    app.screenshot("layout-search-200pct-360px-pt_BR")
    back = page.get_by_role("button", name=t("Back"), exact=True)
    assert t("Back") != "Back"
    expect(back).to_be_visible()
    expect(page.get_by_role("button", name="Back", exact=True)).to_have_count(0)
    back.click()
    expect(page.get_by_role("tab", name=t("Garbage"))).to_have_attribute("aria-selected", "true")


def test_the_tab_tooltip_does_not_stay_over_the_calendar(open_app):
    t = Translator("en")
    app = open_app("en-US", settings=onboarded(AREA.id, "en", text_scale=2.0), width=WIDTH, height=1200)
    page = app.open("/")
    tab = page.get_by_role("tab", name=t("Garbage"))
    tab.hover()
    tab.click()  # the pointer stays on the tab, as after a tap
    expect(page.get_by_role("heading", name=t.month(dt.date(2014, 5, 1)), exact=True)).to_be_visible()
    page.wait_for_timeout(1500)  # longer than a tooltip's wait: a tooltip would be on screen now
    # a tooltip is an extra text node with the tab's label outside the tab itself
    tab_box = box(page.get_by_role("tab", name=t("Garbage")))
    texts = page.get_by_text(t("Garbage"), exact=True)
    others = [box(texts.nth(k)) for k in range(texts.count())]
    assert [b for b in others if tab_box["y"] - 120 < b["y"] < tab_box["y"]] == []  # none just above the tab
    app.screenshot("layout-tab-after-tap-en")
