"""Disaster mode in the browser: a replayed level-4 大雨 document opens the full-screen card with the
nearest open flood shelter; it is dismissed; a level-5 document brings it back.

Documents: tests/fixtures/jma (mie-* are real documents re-coded for Matsusaka, see their README).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from core.alerts import texts
from core.city import load_city
from core.garbage import service
from core.i18n import Translator
from tests.e2e.conftest import REPO, TIMEOUT, machi, onboarded

CITY = load_city("matsusaka")
AREA = service.find_area(CITY, "旭ヶ丘")
JMA = REPO / "tests" / "fixtures" / "jma"
FLOOD_SHELTER = ("E2420400001111", "伊勢寺小学校（体育館）")


def test_level4_card_with_the_nearest_open_flood_shelter_dismissed_and_back_at_level5(open_app, backend):
    if backend is None:
        pytest.skip("backend/cli.py (machi serve) is not in this checkout")
    t = Translator("en")

    def run(*args: str) -> None:
        res = subprocess.run(
            machi() + list(args) + ["--data-dir", str(backend["data_dir"])],
            cwd=REPO,
            check=False,
            env=backend["env"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert res.returncode == 0, res.stderr

    def deliver() -> None:
        now = dt.datetime.now(ZoneInfo("Asia/Tokyo")) + dt.timedelta(minutes=1)
        run("deliver", "--now", now.strftime("%Y-%m-%dT%H:%M+09:00"))

    # A resident of Matsusaka (reminders on: the backend knows a device's city by its subscription).
    app = open_app("en-US", settings=onboarded(AREA.id, "en", reminder="day_before", reminder_time="19:00"))
    page = app.open("/")
    expect(page.get_by_text(t("Last synced {when}", when="")[:6], exact=False).first).to_be_visible(
        timeout=TIMEOUT
    )
    run("admin", "shelter", "open", FLOOD_SHELTER[0], "--city", "matsusaka")

    run("alerts", "replay", str(JMA / "mie-r06-ooame-lv4-hatsuho.xml"))
    deliver()
    name = CITY.name("en")
    lv4 = texts.jma_alert("en", change="issued", event="heavy_rain", rank=4, level=4, jma_name="", area=name)
    expect(page.get_by_role("heading", name=lv4.headline, exact=True)).to_be_visible(timeout=TIMEOUT)
    # the level written out (never colour alone) and what to do now, read together (a live region)
    level4 = f"{t('Level {level}', level=4)} {lv4.instruction}"
    expect(page.get_by_role("group", name=re.compile("^" + re.escape(level4)))).to_be_visible()
    shelter = page.get_by_text(re.compile("^" + re.escape(FLOOD_SHELTER[1]) + r": \S+ \S+ to the [a-z-]+$"))
    expect(shelter).to_be_visible()
    expect(
        page.get_by_text(t("Nearest open shelters, {origin}", origin=t("from the city centre")))
    ).to_be_visible()
    app.screenshot("disaster-level4-en")

    close = page.get_by_role("button", name=t("Close"), exact=True)
    close.click()
    expect(close).to_have_count(0)  # the card is gone: Home lists the alert in force
    expect(page.get_by_role("heading", name=t("Alerts in force"), exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=lv4.headline, exact=True)).to_be_visible()
    expect(page.get_by_role("tab", name=t("Home"))).to_be_visible()

    run("alerts", "replay", str(JMA / "mie-r06-ooame-lv5.xml"))
    deliver()
    lv5 = texts.jma_alert("en", change="raised", event="heavy_rain", rank=5, level=5, jma_name="", area=name)
    expect(page.get_by_role("heading", name=lv5.headline, exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(close).to_be_visible()  # the full-screen card again
    level5 = f"{t('Level {level}', level=5)} {lv5.instruction}"
    expect(page.get_by_role("group", name=re.compile("^" + re.escape(level5)))).to_be_visible()
    expect(shelter).to_be_visible()
    app.screenshot("disaster-level5-en")
