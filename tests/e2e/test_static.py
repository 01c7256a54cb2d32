"""The static web app (``machi app build-web``): the same app with Python in the browser (Pyodide),
served by ``machi serve`` at ``/`` (as ``machi up`` does), in headless Chromium.

* built once per session into build/web-test (reused while its inputs are unchanged: app/webbuild.py
  stamps every build with a hash of its inputs); ``make test-e2e`` builds it before pytest;
* first screen, onboarding, calendar and search in one resident's browser;
* offline: once the service worker has stored the app shell, a reload with the network off
  still starts the app and shows the garbage calendar, and the handbook's encrypted record
  (WebCrypto AES-GCM in localStorage) written before it;
* Web Push: a push message delivered to the service worker (Chromium's DevTools protocol, as the
  push service would) becomes a notification tagged with the occurrence key.

Booting Pyodide and the app in the browser takes far longer than a server-session page (tens of
seconds on a busy 2-core machine), so the first screen is waited for with BOOT_MS; every later
wait is the suite's usual one.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time

import pytest
from playwright.sync_api import expect

from app import webbuild
from core.city import load_city
from core.garbage import service
from core.i18n import Translator
from tests.e2e.conftest import (
    REPO,
    TODAY,
    App,
    day_cell_name,
    flutter_fill,
    onboarded,
    start_serve,
    stop,
)

BOOT_MS = 240_000
CITY = load_city("matsusaka")
AREA = service.find_area(CITY, "旭ヶ丘")
SITE = REPO / "build" / "web-test"


@pytest.fixture(scope="session")
def static_site():
    options = webbuild.BuildOptions(out=SITE, today=TODAY)
    if not webbuild.is_up_to_date(options):
        webbuild.build(options)
    assert (SITE / webbuild.STAMP).is_file() and (SITE / "index.html").is_file()
    return SITE


@pytest.fixture(scope="session")
def static_url(static_site, tmp_path_factory):
    data = tmp_path_factory.mktemp("static-backend")
    proc, url, _env, _log = start_serve(data, MACHI_WEB_DIR=str(static_site))
    try:
        yield url
    finally:
        stop(proc)


@pytest.fixture
def open_static(browser, static_url):
    apps: list[App] = []

    def make(locale: str = "ja-JP", *, settings: dict | None = None) -> App:
        app = App(browser, static_url, locale, 412, 915, settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


def boot(app: App, path: str = "/"):
    """Open ``path`` and wait until Python in the browser has drawn the first screen."""
    page = app.page
    page.goto(app.base + path)
    page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=BOOT_MS)
    page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
    page.locator("flt-semantics-host [role]").first.wait_for(state="attached", timeout=BOOT_MS)
    return page


def until(page, script: str, arg=None, timeout_ms: int = BOOT_MS):
    """The first truthy value of the async ``script`` (evaluated every 250 ms; Playwright's
    wait_for_function takes a returned promise for a truthy value)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        value = page.evaluate(script, arg)
        if value or time.monotonic() > deadline:
            assert value, f"never true: {script}"
            return value
        page.wait_for_timeout(250)


def cell_label(t: Translator, day: dt.date) -> str:
    return day_cell_name(t, CITY, AREA, day)


def test_site_is_served_with_the_app_shell_manifest_and_service_worker(static_url):
    import httpx

    index = httpx.get(static_url + "/")
    assert index.status_code == 200 and webbuild.FIXED_PYODIDE_URL in index.text
    assert 'navigator.serviceWorker.register("sw.js")' in index.text
    assert httpx.get(static_url + "/garbage/search").text == index.text  # client-side routes
    manifest = httpx.get(static_url + "/manifest.json").json()
    assert manifest["name"] == "Machi" and {i["sizes"] for i in manifest["icons"]} == {"192x192", "512x512"}
    sw = httpx.get(static_url + "/sw.js")
    assert 'addEventListener("push"' in sw.text and 'const VERSION = "dev"' not in sw.text
    assert sw.headers["cache-control"] == "no-cache"
    gz = httpx.get(static_url + "/main.dart.js", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip"
    assert httpx.get(static_url + "/v1/nothing-here").status_code == 404  # the API keeps its errors


def test_onboarding_calendar_and_search_with_python_in_the_browser(open_static):
    t = Translator("ja")
    app = open_static("ja-JP")
    page = boot(app)
    expect(page.get_by_text(t("Choose your language"), exact=True)).to_be_visible()
    page.get_by_role("button", name=t("Next"), exact=True).click()
    suggestion = page.get_by_role("button", name="旭ヶ丘", exact=True)
    flutter_fill(page.get_by_role("textbox", name=t("Area")), "旭", until=suggestion)
    suggestion.click()
    page.get_by_role("button", name=t("Next"), exact=True).click()
    page.get_by_role("button", name=t("Finish"), exact=True).click()
    expect(page.get_by_text(t("Your area: {area}", area="旭ヶ丘"), exact=True)).to_be_visible()
    stored = app.settings()  # kept in the browser's storage (localStorage, through SharedPreferences)
    assert stored["onboarded"] is True and stored["area_id"] == AREA.id

    # the calendar of the pinned month (MACHI_TODAY of the build), computed in the browser
    page.get_by_role("tab", name=t("Garbage")).click()
    thursday = dt.date.fromisoformat(TODAY)
    expect(page.get_by_role("button", name=cell_label(t, thursday), exact=True)).to_be_visible()
    app.screenshot("static-calendar-ja")

    # search: romaji and a typo, on the browser's fuzzy backend (difflib: no rapidfuzz there)
    page.get_by_text(t("Search: how do I throw this away?"), exact=True).click()
    hit = service.search(CITY, "petto", "ja", 1)[0]
    first = page.get_by_role(
        "button", name=re.compile("^" + re.escape(f"{hit['name']} {hit['category']}"))
    ).first
    flutter_fill(page.get_by_role("textbox", name=t("Item name")), "petto", until=first)
    app.screenshot("static-search-ja")


def test_offline_reload_from_the_service_worker_cache_and_a_push_notification(open_static):
    t = Translator("ja")
    app = open_static("ja-JP", settings=onboarded(AREA.id, "ja"))
    app.context.grant_permissions(["notifications"], origin=app.base)
    page = boot(app)
    expect(page.get_by_text(t("Your area: {area}", area="旭ヶ丘"), exact=True)).to_be_visible(timeout=BOOT_MS)
    precache = json.loads((SITE / "precache.json").read_text())
    # the service worker is active and has stored every file of the app shell
    until(
        page,
        """async ([name, count]) => {
            const reg = await navigator.serviceWorker.ready;
            if (!reg.active || !(await caches.has(name))) return false;
            return (await (await caches.open(name)).keys()).length >= count;
        }""",
        [f"machi-shell-{precache['version']}", len(precache["files"])],
    )

    # the handbook's encrypted store in the browser: AES-GCM through WebCrypto, kept in localStorage
    page.get_by_role("tab", name=t("Handbook")).click()
    flutter_fill(page.get_by_role("textbox", name=t("Name or nickname")), "さくら")
    page.get_by_role("radio", name=t("Girl")).click()
    flutter_fill(page.get_by_role("textbox", name=t("Birth date (YYYY-MM-DD)")), "2014-01-15")
    page.get_by_role("button", name=t("Add the child"), exact=True).click()
    expect(page.get_by_role("button", name=t("Open {name}", name="さくら"), exact=True)).to_be_visible()
    documents = page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('flutter.machi.vault.'))"
        ".map(k => localStorage.getItem(k)).filter(v => v.includes('format'))"
    )
    assert documents and all("AES-256-GCM" in d and "さくら" not in d for d in documents)

    app.context.set_offline(True)
    assert page.url.endswith("/handbook")  # the reload is a deep link: the stored page serves every route
    reloaded = page.reload()
    assert reloaded is not None and reloaded.from_service_worker  # the page itself came from the cache
    page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=BOOT_MS)
    page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
    # the child, decrypted again from the browser's storage after the reload, offline
    child = page.get_by_role("button", name=t("Open {name}", name="さくら"), exact=True)
    expect(child).to_be_visible(timeout=BOOT_MS)
    page.get_by_role("tab", name=t("Garbage")).click()
    thursday = dt.date.fromisoformat(TODAY)
    expect(page.get_by_role("button", name=cell_label(t, thursday), exact=True)).to_be_visible()
    app.screenshot("static-offline-calendar-ja")
    app.context.set_offline(False)

    # Web Push: the payload the backend sends (docs/backend.md), delivered to the service worker
    cdp = app.context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    for _ in range(50):  # the registrations are reported as events after enable
        if registrations:
            break
        page.wait_for_timeout(100)
    scope = app.base + "/"
    reg_id = next(r["registrationId"] for r in registrations if r["scopeURL"] == scope and not r["isDeleted"])
    payload = {
        "title": "ごみの日",
        "body": "明日は燃えるごみ",
        "tag": "garbage:2014-05-12:burnable",
        "url": "/garbage",
        "lang": "ja",
    }
    for _ in range(2):  # a repeat replaces the notification: one per occurrence key
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": app.base, "registrationId": reg_id, "data": json.dumps(payload)},
        )
    shown = until(
        page,
        """async (tag) => {
            const reg = await navigator.serviceWorker.ready;
            const list = await reg.getNotifications({tag});
            return list.length ? list.map(n => ({title: n.title, body: n.body, tag: n.tag})) : false;
        }""",
        payload["tag"],
        timeout_ms=30_000,
    )
    assert shown == [{"title": payload["title"], "body": payload["body"], "tag": payload["tag"]}]
