"""Language switch without restart, large text at 360 px, and an inbox notification from
the real backend shown as a banner."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from core.city import load_city
from core.garbage import service
from core.i18n import Translator
from tests.e2e.conftest import REPO, TIMEOUT, machi, onboarded

CITY = load_city("matsusaka")
AREA = service.find_area(CITY, "旭ヶ丘")


def test_switching_the_language_changes_the_visible_texts(open_app):
    ja, en, pt = Translator("ja"), Translator("en"), Translator("pt_BR")
    app = open_app("ja-JP", settings=onboarded(AREA.id, "ja"), height=1400)
    page = app.open("/settings")
    expect(page.get_by_role("heading", name=ja("Settings"), exact=True)).to_be_visible()
    app.screenshot("settings-ja")
    page.get_by_role("radio", name="English").click()
    expect(page.get_by_role("heading", name=en("Settings"), exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=en("Text size"), exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=ja("Text size"), exact=True)).to_have_count(0)
    page.get_by_role("radio", name="português (Brasil)").click()
    expect(page.get_by_role("heading", name=pt("Text size"), exact=True)).to_be_visible()
    page.get_by_role("button", name=pt("Back"), exact=True).click()
    expect(page.get_by_role("tab", name=pt("Garbage"))).to_be_visible()
    burnable = service.category_name(CITY, CITY.garbage.category("burnable"), "pt_BR")
    expect(page.get_by_text(burnable, exact=False).first).to_be_visible()
    assert app.settings()["language"] == "pt_BR"
    app.screenshot("home-pt_BR")


@pytest.mark.parametrize(
    "lang, locale, area_label", [("ja", "ja-JP", "旭ヶ丘"), ("vi", "vi-VN", "旭ヶ丘 (Asahigaoka)")]
)
def test_large_text_on_a_360_px_phone(open_app, lang, locale, area_label):
    t = Translator(lang)
    app = open_app(locale, settings=onboarded(AREA.id, lang, text_scale=2.0), width=360, height=2400)
    page = app.open("/garbage")
    today = t("Today, {day}", day=t.day(dt.date(2014, 5, 8)))  # the pinned today says so
    label = f"{today}: {service.category_name(CITY, CITY.garbage.category('burnable'), lang)}"
    cell = page.get_by_role("button", name=label, exact=True)
    expect(cell).to_be_visible()
    box = cell.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360  # the grid fits the phone
    app.screenshot(f"garbage-200pct-360px-{lang}")
    page.get_by_role("tab", name=t("Home")).click()
    expect(page.get_by_text(t("Your area: {area}", area=area_label), exact=True).first).to_be_visible()
    app.screenshot(f"home-200pct-360px-{lang}")


def test_inbox_notification_from_the_backend_appears_as_a_banner(open_app, backend):
    if backend is None:
        pytest.skip("backend/cli.py (machi serve) is not in this checkout")
    t = Translator("en")
    # The backend gives a device the city of its garbage subscription (announcements reach the
    # devices of their city only), so this resident keeps the onboarding default: reminders on.
    app = open_app("en-US", settings=onboarded(AREA.id, "en", reminder="day_before", reminder_time="19:00"))
    page = app.open("/")
    # the app registers the device on its first sync (every second in the tests; a server round trip)
    expect(page.get_by_text(t("Last synced {when}", when="")[:6], exact=False).first).to_be_visible(
        timeout=TIMEOUT
    )
    title = "Water outage on Saturday"
    body = "Tap water stops from 9:00 to 12:00 in Asahigaoka."

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            machi() + list(args) + ["--data-dir", str(backend["data_dir"])],
            cwd=REPO,
            check=False,
            env=backend["env"],
            capture_output=True,
            text=True,
            timeout=120,
        )

    res = run(
        "admin",
        "announce",
        "--title",
        "ja=断水のお知らせ",
        "--title",
        f"en={title}",
        "--body",
        "ja=土曜日9時から12時まで断水します。",
        "--body",
        f"en={body}",
    )
    assert res.returncode == 0, res.stderr
    now = dt.datetime.now(ZoneInfo("Asia/Tokyo")) + dt.timedelta(minutes=1)
    res = run("deliver", "--now", now.strftime("%Y-%m-%dT%H:%M+09:00"))
    assert res.returncode == 0, res.stderr
    # the notice in the feed, then its banner (a live region with a Dismiss button). The server
    # may also have sent the "reminders paused" notice (the bundled data ended in 2014): banners
    # come oldest first, so dismiss the ones before the announcement.
    expect(page.get_by_text(body).first).to_be_visible(timeout=TIMEOUT)
    banner = page.get_by_role("group", name=re.compile(re.escape(title)))
    dismiss = page.get_by_role("button", name=t("Dismiss"), exact=True)
    paused = page.get_by_role("group", name=re.compile(re.escape(t("Garbage reminders paused"))))
    if paused.count():
        dismiss.click()
    expect(banner).to_be_visible()
    app.screenshot("home-inbox-banner-en")
    dismiss.click()
    expect(banner).to_have_count(0)
    expect(page.get_by_text(title, exact=True)).to_be_visible()  # still listed under latest notices
    page.get_by_role("button", name=re.compile("^" + re.escape(t("Notifications")))).click()
    expect(page.get_by_text(title, exact=True).first).to_be_visible()
    app.screenshot("notifications-en")
