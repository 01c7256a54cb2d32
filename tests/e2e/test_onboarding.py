"""Onboarding in the browser: language preselected from the device locale, area type-ahead,
reminder choice, then the home feed for the chosen area (in Japanese and in Portuguese)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from core.city import load_city
from core.garbage import service
from core.i18n import Translator
from tests.e2e.conftest import TODAY, flutter_fill

CITY = load_city("matsusaka")


def expected_today(area_name: str, lang: str) -> list[str]:
    area = service.find_area(CITY, area_name)
    day = dt.date.fromisoformat(TODAY)
    days = service.calendar(CITY, area, day, day, lang)
    return [c["name"] for c in days[0]["categories"]] if days else []


@pytest.mark.parametrize(
    "locale, lang, typed, area_name, label, shot",
    [
        ("ja-JP", "ja", "旭", "旭ヶ丘", "旭ヶ丘", "onboarding-ja"),
        (
            "pt-BR",
            "pt_BR",
            "asahi",
            "旭ヶ丘",
            "旭ヶ丘 (Asahigaoka)",
            "onboarding-pt_BR",
        ),  # the reading, for non-Japanese
    ],
)
def test_onboarding_then_home(open_app, locale, lang, typed, area_name, label, shot):
    t = Translator(lang)
    app = open_app(locale)
    page = app.open("/")

    # Step 1: the device locale is preselected
    expect(page.get_by_text(t("Choose your language"), exact=True)).to_be_visible()
    expect(page.get_by_role("radio", name=t.language_name(lang))).to_be_checked()
    app.screenshot(f"{shot}-1-language")
    page.get_by_role("button", name=t("Next"), exact=True).click()

    # Step 2: type-ahead over the areas
    field = page.get_by_role("textbox", name=t("Area"))
    area = CITY.garbage.areas[[a.name for a in CITY.garbage.areas].index(area_name)]
    suggestion = page.get_by_role("button", name=label, exact=True)
    flutter_fill(field, typed, until=suggestion)
    app.screenshot(f"{shot}-2-area")
    suggestion.click()
    expect(page.get_by_text(t("Selected: {area}", area=label), exact=True)).to_be_visible()
    page.get_by_role("button", name=t("Next"), exact=True).click()

    # Step 3: reminder (the day before at 19:00 by default), then finish
    expect(page.get_by_role("radio", name=t("The day before"))).to_be_checked()
    time_shown = t.time(dt.time(19, 0))  # Babel's short format of the language, accepted as typed
    expect(page.get_by_role("textbox", name=t("Time, e.g. {example}", example=time_shown))).to_be_visible()
    app.screenshot(f"{shot}-3-reminder")
    page.get_by_role("button", name=t("Finish"), exact=True).click()

    # Home: today's collection for the area, in the chosen language
    expect(page.get_by_text(t("Your area: {area}", area=label), exact=True)).to_be_visible()
    for name in expected_today(area_name, lang):
        expect(page.get_by_text(name, exact=True).first).to_be_visible()
    expect(page.get_by_role("tab", name=t("Garbage"))).to_be_visible()
    app.screenshot(f"{shot}-4-home")
    stored = app.settings()
    assert stored["onboarded"] is True and stored["area_id"] == area.id and stored["language"] == lang
    assert stored["reminder"] == "day_before" and stored["reminder_time"] == "19:00"
    assert area.name == area_name


def test_japanese_texts_are_really_japanese():
    """The catalogs the e2e tests rely on are translated (a test that could not fail otherwise)."""
    t = Translator("ja")
    assert t("Next") == "次へ"
    assert t("Choose your language") != "Choose your language"
    assert Translator("pt_BR")("Next") == "Próximo"
