"""The Handbook tab in the browser: add a child, record two vaccinations, see the next due dose
with its reason, add a measurement and see it on the growth chart, in Japanese and in English.
The handbook is stored encrypted in the browser (never in plain text in localStorage)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from app.viewmodels.handbook import CONDITION_SHORT, PROTECTION_TEXT
from core.handbook import growth, schedule
from core.handbook.model import Child, Vaccination
from core.i18n import Translator
from tests.e2e.conftest import TODAY, flutter_fill, onboarded

BIRTH = "2014-01-10"


def expected_next(lang: str) -> str:
    """The next-dose sentence the view model must show after the two doses below."""
    t = Translator(lang)
    child = Child(
        name="x",
        sex="female",
        birth_date=dt.date.fromisoformat(BIRTH),
        vaccinations=[
            Vaccination(vaccine="dpt_ipv_hib", dose=1, date=dt.date(2014, 3, 10)),
            Vaccination(vaccine="pcv", dose=1, date=dt.date(2014, 3, 10)),
        ],
    )
    d = schedule.next_due(
        schedule.plan(child.birth_date, child.given(), dt.date.fromisoformat(TODAY), sex="female")
    )
    return t(
        "Next: {vaccine}, dose {dose}, {date}. {reason}",
        vaccine=schedule.vaccine_name(d.vaccine, t),
        dose=d.dose,
        date=t.long_day(d.proposed),
        reason=d.reason.render(t),
    )


def record(page, t, vaccine: str, date: str) -> None:
    name = schedule.vaccine_name(vaccine, t)
    page.get_by_role("button", name=t("Record {vaccine}, dose {n}", vaccine=name, n=1)).click(timeout=5000)
    field = page.get_by_role("textbox", name=t("Date given (YYYY-MM-DD)"))
    flutter_fill(field, date)
    page.get_by_role("button", name=t("Save the dose"), exact=True).click()
    try:
        expect(field).to_have_count(0, timeout=8000)
    except AssertionError:
        page.screenshot(path="/tmp/hb_fail.png")
        raise


@pytest.mark.parametrize(
    ("locale", "lang", "shot"), [("ja-JP", "ja", "handbook-ja"), ("en-US", "en", "handbook-en")]
)
def test_child_vaccinations_and_growth(open_app, locale, lang, shot):
    t = Translator(lang)
    app = open_app(locale, settings=onboarded("", lang))
    page = app.open("/handbook")
    # the vault's key is in flet-secure-storage (WebCrypto in the browser), and the screen says how it is kept
    expect(page.get_by_text(t(PROTECTION_TEXT["browser"]), exact=True)).to_be_visible(timeout=30000)

    flutter_fill(page.get_by_role("textbox", name=t("Name or nickname")), "さくら")
    page.get_by_role("radio", name=t("Girl")).click()
    flutter_fill(page.get_by_role("textbox", name=t("Birth date (YYYY-MM-DD)")), BIRTH)
    page.get_by_role("button", name=t("Add the child"), exact=True).click()
    page.get_by_role("button", name=t("Open {name}", name="さくら"), exact=True).click()
    expect(page.get_by_text(t("Next vaccination"), exact=True)).to_be_visible()

    record(page, t, "dpt_ipv_hib", "2014-03-10")
    record(page, t, "pcv", "2014-03-10")
    expect(page.get_by_text(expected_next(lang), exact=True)).to_be_visible()

    flutter_fill(page.get_by_role("textbox", name=t("Measured on (YYYY-MM-DD)")), "2014-04-10")
    flutter_fill(page.get_by_role("textbox", name=t("Weight (kg)"), exact=True), "5.9")
    page.get_by_role("button", name=t("Save the measurement"), exact=True).click()
    months = round(growth.age_months(dt.date.fromisoformat(BIRTH), dt.date(2014, 4, 10)), 2)  # as plotted
    summary = t(
        "Latest: {value} at {months} months, percentile band {band}.",
        value="5.9",
        months=f"{months:.1f}",
        band=growth.band("weight", "female", months, 5.9),
    )
    # the chart's own label (flet-charts LineChart inside a Semantics node) names the child's point
    expect(page.get_by_text(f"{t('Weight (kg)')}. {summary}").first).to_be_visible()
    app.screenshot(shot)

    stored = page.evaluate("JSON.stringify(window.localStorage)")
    assert "さくら" not in stored and BIRTH not in stored and "machi.vault.handbook" in stored


# Quarantined, not retried (issue 9's note): failed in two of three full-suite runs of 2026-11-30, once
# at load 20 (pt-BR) and once in the clean-clone CI run (ja@easy: the first screen was not in the
# accessibility tree within 30 s).  Root cause open.
@pytest.mark.skip(reason="flaky: the first screen at 200 % sometimes not there within 30 s; cause open")
@pytest.mark.parametrize(("locale", "lang"), [("ja-JP", "ja@easy"), ("pt-BR", "pt_BR")])
def test_handbook_holds_at_200_percent_on_360_px(open_app, locale, lang):
    """Text at 200 % on a 360-px phone: the forms, the chart and the timeline stay on screen."""
    from tests.e2e.test_layout import WIDTH, box, inside

    t = Translator(lang)
    app = open_app(locale, settings=onboarded("", lang, text_scale=2.0), width=WIDTH, height=1400)
    page = app.open("/handbook")
    name = page.get_by_role("textbox", name=t("Name or nickname"))
    flutter_fill(name, "Aki")
    assert inside(box(name))
    page.get_by_role("radio", name=t("Boy")).click()
    flutter_fill(page.get_by_role("textbox", name=t("Birth date (YYYY-MM-DD)")), BIRTH)
    add = page.get_by_role("button", name=t("Add the child"), exact=True)
    assert inside(box(add))
    add.click()
    page.get_by_role("button", name=t("Open {name}", name="Aki"), exact=True).click()
    heading = page.get_by_text(t("Next vaccination"), exact=True)
    expect(heading).to_be_visible()
    assert inside(box(heading))
    switch = page.get_by_role("switch", name=t("Reminders"), exact=True)
    assert inside(box(switch))  # one node: the switch, its spoken name and its label, wrapped on screen
    weight = page.get_by_role("textbox", name=t("Weight (kg)"), exact=True)
    assert inside(box(weight))
    record = page.get_by_role(
        "button", name=t("Record {vaccine}, dose {n}", vaccine=schedule.vaccine_name("pcv", t), n=1)
    )
    assert inside(box(record))
    app.screenshot(f"layout-handbook-200pct-360px-{lang}")
    # a condition switch: its spoken name, on screen; on, varicella leaves the routine schedule
    chickenpox = page.get_by_role("switch", name=t(CONDITION_SHORT["had_chickenpox"]), exact=True)
    assert inside(box(chickenpox))
    chickenpox.click()
    expect(page.get_by_label(t("not routine for this child (a recorded condition)")).first).to_be_visible()
