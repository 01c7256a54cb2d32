"""Issue 15: accessibility as screen-reader, keyboard and low-vision residents meet it.

Document language, keyboard focus that is never lost, announcements, headings, axe-core and the
320-px / 200 % screenshots.  Helpers: tests/e2e/a11y.py; the checklist: docs/accessibility.md.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from core.city import load_city
from core.garbage import service
from core.i18n import Translator
from tests.e2e import a11y
from tests.e2e.conftest import day_cell_name, onboarded

CITY = load_city("matsusaka")
AREA = service.find_area(CITY, "旭ヶ丘")
# app language -> the page's lang (やさしい日本語 is Japanese); the browser's own locale is another one
LANGS = [("ja", "ja", "en-US"), ("en", "en", "ja-JP"), ("vi", "vi", "en-US"), ("pt_BR", "pt-BR", "ja-JP")]


@pytest.mark.parametrize("lang, tag, browser_locale", LANGS)
def test_document_language_follows_the_app_language_also_after_switching(open_app, lang, tag, browser_locale):
    t = Translator(lang)
    app = open_app(browser_locale, settings=onboarded(AREA.id, lang))
    page = app.open("/settings")
    a11y.expect_document_lang(page, tag)
    # switch in Settings (by pointer) to the next language of the four, and back by keyboard
    other, other_tag, _ = LANGS[(LANGS.index((lang, tag, browser_locale)) + 1) % len(LANGS)]
    page.get_by_role("radio", name=t.language_name(other)).click()
    a11y.expect_document_lang(page, other_tag)
    u = Translator(other)
    expect(page.get_by_role("heading", level=1, name=u("Settings"), exact=True)).to_be_visible()
    page.get_by_role("radio", name=u.language_name(lang)).click()
    a11y.expect_document_lang(page, tag)


# Quarantined, not retried (issue 15's note): each failed once in about five runs of this file
# (the CI run of 2026-11-30 and a run beside it).  Both depend on Flutter web re-creating the
# semantics DOM after a theme change or a scroll-role change, which can land after the test
# already moved the focus on (the mechanism found for the Pay field, app/views/pay.py); the
# deterministic wait is still to be found.
REDRAW_RACE = pytest.mark.skip(
    reason="flaky: Flutter web re-creates the semantics DOM after the test moved on"
)


@REDRAW_RACE
def test_settings_radio_groups_are_named_and_a_text_size_change_keeps_a_focus(open_app):
    t = Translator("en")
    app = open_app("en-US", settings=onboarded(AREA.id, "en"))
    page = app.open("/settings")
    expect(page.get_by_role("heading", level=1, name=t("Settings"), exact=True)).to_be_visible()
    expect(page.get_by_role("group", name=t("Language"), exact=True)).to_be_visible()
    expect(page.get_by_role("group", name=t("Text size"), exact=True)).to_be_visible()
    # the radio group is one Tab stop; ArrowDown chooses the next size at once and the screen is
    # drawn again with the new theme: the focus stays on a control of the screen (Flutter web
    # re-creates the screen's semantics on a theme change and focuses its first control)
    a11y.tab_to(page, "radio", "100%")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="130%")).to_be_checked()
    page.wait_for_function("document.activeElement && document.activeElement.tagName !== 'BODY'")
    a11y.assert_focus_not_lost(page)
    assert app.settings()["text_scale"] == 1.3
    # and the text size is back to 100 % by keyboard alone from wherever the focus went
    a11y.tab_to(page, "radio", "130%")
    page.keyboard.press("ArrowUp")
    expect(page.get_by_role("radio", name="100%")).to_be_checked()


@pytest.mark.xfail(
    strict=True,
    reason="Flutter web (Flet 1.0.5): a locale or theme change re-creates the semantics DOM and the "
    "keyboard focus falls to <body>; neither autofocus nor focus() brings it back (docs/accessibility.md)",
)
@pytest.mark.parametrize("where", ["settings-language", "onboarding-text-size"])
def test_arrow_key_in_a_radio_group_that_redraws_the_app_keeps_the_focus(open_app, where):
    t = Translator("en")
    if where == "settings-language":
        app = open_app("en-US", settings=onboarded(AREA.id, "en"))
        page = app.open("/settings")
        a11y.tab_to(page, "radio", t.language_name("en"))
        page.keyboard.press("ArrowDown")
        a11y.expect_document_lang(page, "pt-BR")
    else:
        app = open_app("en-US")
        page = app.open("/")
        a11y.tab_to(page, "radio", "100%")
        page.keyboard.press("ArrowDown")
        page.wait_for_function("() => (localStorage.getItem('flutter.machi.settings') || '').includes('1.3')")
    page.wait_for_timeout(1500)  # the focus is checked after the re-render, not during it
    a11y.assert_focus_not_lost(page)


def test_onboarding_by_keyboard_alone_never_drops_the_focus_and_announces_steps(open_app):
    t = Translator("en")
    app = open_app("en-US")
    page = app.open("/")
    a11y.record_announcements(page)
    expect(page.get_by_role("heading", level=1, name=t("Welcome to Machi"), exact=True)).to_be_visible()
    # step 1: language and a text-size choice, both named groups
    expect(page.get_by_role("group", name=t("Language"), exact=True)).to_be_visible()
    expect(page.get_by_role("group", name=t("Text size"), exact=True)).to_be_visible()
    # (a text-size change here would drop the focus: see test_arrow_key_in_a_radio_group_that_redraws…)
    a11y.tab_to(page, "button", t("Next"))
    page.keyboard.press("Enter")
    # step 2: the focus is in the area field and the step is announced
    a11y.assert_focus_on(page, "textbox", t("Area"))
    step2 = t("Step {n} of {total}", n=2, total=3)
    a11y.expect_announced(page, f"{step2}: {t('Where do you live?')}")
    page.keyboard.type("asahi")
    label = "旭ヶ丘 (Asahigaoka)"
    expect(page.get_by_role("button", name=label, exact=True)).to_be_visible()
    a11y.tab_to(page, "button", label)
    page.keyboard.press("Enter")
    # the chosen area is announced and the focus is on Next (the suggestion button is gone)
    selected = t("Selected: {area}", area=label)
    expect(page.get_by_text(selected, exact=True)).to_be_visible()
    a11y.expect_announced(page, f"{step2}: {selected}")
    a11y.assert_focus_on(page, "button", t("Next"))
    page.keyboard.press("Enter")
    # step 3: the chosen reminder radio has the focus; Finish by keyboard
    a11y.assert_focus_on(page, "radio", t("The day before"))
    a11y.expect_announced(page, f"{t('Step {n} of {total}', n=3, total=3)}: {t('Garbage day reminders')}")
    a11y.tab_to(page, "button", t("Finish"))
    page.keyboard.press("Enter")
    expect(page.get_by_text(t("Your area: {area}", area=label), exact=True)).to_be_visible()
    stored = app.settings()
    assert stored["onboarded"] and stored["area_id"] == AREA.id


def cell_name(t: Translator, day: dt.date) -> str:
    return day_cell_name(t, CITY, AREA, day)


def test_calendar_grid_by_keyboard_tab_in_arrows_walk_enter_chooses_and_keeps_the_focus(open_app):
    t = Translator("en")
    app = open_app("en-US", settings=onboarded(AREA.id, "en"), height=1400)
    page = app.open("/garbage?month=2014-05")
    expect(page.get_by_role("heading", level=1, name=t("Garbage"), exact=True)).to_be_visible()
    thursday = dt.date(2014, 5, 8)
    a11y.tab_to(page, "button", cell_name(t, thursday))  # the day buttons are in the Tab order
    for key, day in (
        ("ArrowRight", dt.date(2014, 5, 9)),
        ("ArrowDown", dt.date(2014, 5, 16)),
        ("ArrowLeft", dt.date(2014, 5, 15)),
        ("ArrowUp", thursday),
    ):
        page.keyboard.press(key)
        a11y.assert_focus_on(page, "button", cell_name(t, day))
    page.keyboard.press("ArrowRight")
    a11y.assert_focus_on(page, "button", cell_name(t, dt.date(2014, 5, 9)))
    page.keyboard.press("Enter")
    # the chosen day's panel appears and the focus stays on the day, whose name now says "selected"
    expect(page.get_by_text(t.long_day(dt.date(2014, 5, 9)), exact=True)).to_be_visible()
    a11y.assert_focus_on(page, "button", f"{cell_name(t, dt.date(2014, 5, 9))}, {t('selected')}")
    page.keyboard.press("ArrowLeft")
    a11y.assert_focus_on(page, "button", cell_name(t, thursday))


@REDRAW_RACE
def test_focus_indicator_has_3_to_1_contrast_and_the_focused_control_is_scrolled_into_view(open_app):
    t = Translator("en")
    app = open_app("en-US", settings=onboarded(AREA.id, "en"), height=700)
    page = app.open("/settings")
    button = page.get_by_role("button", name=t("Sync now"), exact=True)
    expect(button).to_be_attached()
    # Tab until the button below the fold has the focus: it is scrolled onto the screen
    a11y.tab_to(page, "button", t("Sync now"))
    page.wait_for_function(
        "() => { const r = document.activeElement.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }"
    )
    b = button.bounding_box()
    clip = {"x": b["x"] - 6, "y": b["y"] - 6, "width": b["width"] + 12, "height": b["height"] + 12}
    focused_png = settled(page, clip)
    page.keyboard.press("Shift+Tab")  # the focus leaves; the button stays where it is
    page.wait_for_function("(n) => document.activeElement.textContent.trim() !== n", arg=t("Sync now"))
    unfocused_png = settled(page, clip)
    ratio = a11y.focus_ring_contrast(unfocused_png, focused_png)
    print(f"focus indicator contrast of '{t('Sync now')}': {ratio:.2f}:1")
    assert ratio >= 3.0, ratio


def settled(page, clip: dict) -> bytes:
    """A screenshot of ``clip`` once two in a row are the same (the canvas lags the DOM a frame)."""
    last = page.screenshot(clip=clip)
    for _ in range(30):
        page.wait_for_timeout(100)
        shot = page.screenshot(clip=clip)
        if shot == last:
            return shot
        last = shot
    return last


SCREENS = [
    ("onboarding", "/", None),
    ("home", "/", "en"),
    ("garbage", "/garbage?month=2014-05", "en"),
    ("search", "/garbage/search?q=pet", "en"),
    ("settings", "/settings", "en"),
]


@pytest.mark.parametrize("name, path, lang", SCREENS, ids=[s[0] for s in SCREENS])
def test_axe_on_each_screen(open_app, name, path, lang):
    t = Translator(lang or "en")
    app = open_app("en-US", settings=onboarded(AREA.id, lang) if lang else None)
    page = app.open(path)
    expect(page.locator("flt-semantics-host h1")).to_have_count(1)  # one level-1 heading: the screen's
    violations = a11y.run_axe(page, f"axe-{name}")
    for v in violations:
        print(name, v["id"], v["impact"], len(v["targets"]), v["html"][:2])
    for v in violations:
        if v["id"] in a11y.ENGINE_IMPOSED:  # only ever Flutter's own element
            assert v["targets"] == [[a11y.ENGINE_IMPOSED[v["id"]]]], v
    real = [
        v for v in violations if v["id"] not in a11y.CANVAS_ARTEFACTS and v["id"] not in a11y.ENGINE_IMPOSED
    ]
    assert real == [], real
    if lang and path in ("/", "/garbage?month=2014-05"):  # a tab: the text size is one button away
        expect(page.get_by_role("button", name=t("Settings"), exact=True)).to_be_visible()


NARROW = [("ja", "ja-JP"), ("en", "en-US"), ("vi", "vi-VN"), ("pt_BR", "pt-BR")]


@pytest.mark.parametrize("lang, locale", NARROW, ids=[x[0] for x in NARROW])
def test_320px_wide_at_200_percent_text_nothing_sticks_out(open_app, lang, locale):
    """Issue 15, point 7: Home, Garbage, Search, Settings and the set-up at 320 px and 200 % text,
    saved as screenshots (test-results/screenshots/a11y-320px-200pct-*; docs/screenshots with
    MACHI_SCREENSHOTS=docs) and checked on the accessibility tree's boxes."""
    t = Translator(lang)
    width = 320
    app = open_app(locale, settings=onboarded(AREA.id, lang, text_scale=2.0), width=width, height=2400)
    area = "旭ヶ丘" if lang == "ja" else "旭ヶ丘 (Asahigaoka)"
    # (name, path, its title, a text drawn last: the screenshot waits for it); Home last: the first
    # screen of a browser can be painted before the 4.5-MB CJK font has arrived (boxes for kanji)
    screens = [
        ("garbage", "/garbage?month=2014-05", t("Garbage"), t("Legend")),
        ("search", "/garbage/search?q=" + ("ペット" if lang == "ja" else "pet"), t("Search"), None),
        ("settings", "/settings", t("Settings"), t("Text size")),
        ("home", "/", t("Machi"), t("Your area: {area}", area=area)),
    ]
    for name, path, title, last in screens:
        page = app.open(path)
        expect(page.get_by_role("heading", level=1, name=title, exact=True)).to_be_visible(timeout=15_000)
        if last:
            expect(page.get_by_text(last, exact=True).first).to_be_attached()
        app.screenshot(f"a11y-320px-200pct-{name}-{lang}")
        assert a11y.outside_width(page, width) == [], name
        if name in ("home", "garbage"):  # tab labels: one line per word, none cut in the middle
            for label in (t("Home"), t("Garbage"), t("Handbook"), t("Pay"), t("City")):
                expect(page.get_by_role("tab", name=label)).to_be_visible()
    first = open_app(locale, settings={"language": lang, "text_scale": 2.0}, width=width, height=2400)
    page = first.open("/")
    expect(page.get_by_role("heading", level=1, name=t("Welcome to Machi"), exact=True)).to_be_visible()
    expect(page.get_by_role("radio", name="200%")).to_be_checked()
    first.screenshot(f"a11y-320px-200pct-onboarding-{lang}")
    assert a11y.outside_width(page, width) == [], "onboarding"
