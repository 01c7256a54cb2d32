"""End-to-end fixtures: the real web build (``machi app --web``) in headless Debian Chromium.

* One app server per session, started exactly as a person would (``machi app --web --port P``),
  with ``MACHI_TODAY=2014-05-08`` (inside the Matsusaka data period) and a fast inbox poll.
* The real backend (``machi serve``) in a temporary data directory, when backend/ provides it.
* A new browser context (fresh localStorage = a fresh phone) per test.
* Waits are on the accessibility tree (Flutter semantics), never on sleeps.

Needs ``apt-get install chromium`` (Playwright drives /usr/bin/chromium; never ``playwright install``).
Screenshots go to test-results/screenshots/; with ``MACHI_SCREENSHOTS=docs`` also to docs/screenshots/.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

playwright_api = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402 (after the importorskip)

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MACHI_CHROMIUM", "/usr/bin/chromium")
TODAY = "2014-05-08"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
SHOTS = REPO / "test-results" / "screenshots"
DOCS_SHOTS = REPO / "docs" / "screenshots"
TIMEOUT = 30_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)  # polling a server that is starting, not waiting for the UI
    raise RuntimeError(f"{url} did not answer within {seconds} s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def machi() -> list[str]:
    """The `machi` command a person runs (the venv's console script), else ``python -m cli.main``."""
    script = Path(sys.executable).with_name("machi")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cli.main"]


def backend_available() -> bool:
    return (REPO / "backend" / "cli.py").is_file()


def start_serve(data: Path, **extra_env: str) -> tuple[subprocess.Popen, str, dict, Path]:
    """``machi serve`` on a free port with its data in ``data`` (SQLite, inbox transport), started
    as a person would and answering; returns the process, its URL, its environment and its log."""
    port = free_port()
    log = data / "serve.log"
    env = dict(os.environ, MACHI_DATA_DIR=str(data), **extra_env)
    for key in ("MACHI_DATABASE_URL", "MACHI_FCM_CREDENTIALS", "MACHI_TRANSPORT"):
        env.pop(key, None)
    with log.open("w") as fh:
        proc = subprocess.Popen(
            machi() + ["serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data)],
            cwd=REPO,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/openapi.json", proc, log)
    except BaseException:
        stop(proc)
        raise
    return proc, url, env, log


@pytest.fixture(scope="session")
def backend(tmp_path_factory):
    """The real push service on SQLite (embedded default: inbox transport), or None."""
    if not backend_available():
        yield None
        return
    data = tmp_path_factory.mktemp("backend")
    proc, url, env, log = start_serve(data)
    try:
        yield {"url": url, "data_dir": data, "env": env, "log": log}
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def app_url(backend, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("app")
    port = free_port()
    log = tmp / "app.log"
    api = backend["url"] if backend else f"http://127.0.0.1:{free_port()}"  # nothing listens: offline
    env = dict(
        os.environ,
        MACHI_TODAY=TODAY,
        MACHI_POLL_SECONDS="1",
        FLET_FORCE_WEB_SERVER="1",
        MACHI_DATA_DIR=str(tmp / "data"),
    )
    with log.open("w") as fh:
        proc = subprocess.Popen(
            machi() + ["app", "--web", "--port", str(port), "--api", api],
            cwd=REPO,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/", proc, log)
        yield url
    finally:
        stop(proc)
        keep_log_with_errors(log)


def keep_log_with_errors(log: Path) -> None:
    """A web-app log with a handler error is kept in test-results/ (pytest's temporary folders
    are recycled after three runs), so a failure in a long series of runs can be read later."""
    text = log.read_text("utf-8", "replace") if log.is_file() else ""
    # Flet's handler errors and the app's own logged failures (not uvicorn's disconnects at shutdown)
    if any(
        m in text
        for m in ("Unhandled error", "Exception in thread", "action failed", "sync failed", "re-render after")
    ):
        SHOTS.parent.mkdir(parents=True, exist_ok=True)
        (SHOTS.parent / f"app-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log").write_text(text, "utf-8")


# Modules whose tests leave city-wide state on the session's shared backend (an alert in force
# covers every later screen with the disaster card) run after all the others.
LEAVE_SHARED_STATE = ("test_disaster.py",)


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.path.name in LEAVE_SHARED_STATE)  # stable: the order is kept otherwise


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class App:
    """One resident's browser (a fresh context: empty localStorage) on the web app."""

    def __init__(self, browser, base: str, locale: str, width: int, height: int, settings: dict | None):
        self.base = base
        self.context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        self.outside: list[str] = []
        self.context.on("request", self._record)
        if settings is not None:
            # shared_preferences (web) stores JSON-encoded values: the string is JSON-encoded once
            # more, and the third dumps makes it a JavaScript string literal.
            value = json.dumps(json.dumps(json.dumps(settings, ensure_ascii=False), ensure_ascii=False))
            self.context.add_init_script(f"window.localStorage.setItem('flutter.machi.settings', {value});")
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT)

    def _record(self, request) -> None:
        if not request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            self.outside.append(request.url)

    def open(self, path: str = "/") -> Page:
        page = self.page
        page.goto(self.base + path)
        page.wait_for_selector("flt-semantics-placeholder", state="attached")
        page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
        # the first screen is in the accessibility tree (booting Flutter and loading the 4.5-MB
        # font can take longer than an assertion's 5 s on a busy machine; later waits stay at 5 s)
        page.locator("flt-semantics-host [role]").first.wait_for(state="attached", timeout=TIMEOUT)
        return page

    def settings(self) -> dict:
        raw = self.page.evaluate("window.localStorage.getItem('flutter.machi.settings')")
        return json.loads(json.loads(raw)) if raw else {}

    def screenshot(self, name: str) -> Path:
        """A settled screenshot: the canvas can lag the accessibility tree by a frame or two,
        so take shots until two in a row are identical."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        last = self.page.screenshot()
        for _ in range(30):
            self.page.wait_for_timeout(100)
            shot = self.page.screenshot()
            if shot == last:
                break
            last = shot
        path = SHOTS / f"{name}.png"
        path.write_bytes(last)
        if os.environ.get("MACHI_SCREENSHOTS") == "docs":
            DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, DOCS_SHOTS / path.name)
        return path

    def close(self) -> None:
        self.context.close()
        # only the Rive runtime is ever requested from outside (flet-web, harmless; blocked by the resolver)
        unexpected = [u for u in self.outside if "rive" not in u]
        assert not unexpected, f"requests left 127.0.0.1: {unexpected}"


@pytest.fixture
def open_app(browser, app_url):
    apps: list[App] = []

    def make(
        locale: str = "ja-JP", *, settings: dict | None = None, width: int = 412, height: int = 915
    ) -> App:
        app = App(browser, app_url, locale, width, height, settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


def flutter_fill(loc, text: str, until=None) -> None:
    """Fill a Flutter TextField and wait until the app has seen the text.

    When the field gets focus, Flutter takes over the <input>, so click first and wait until
    Flutter's editor is attached (``autocorrect="on"``) and has the focus; then fill, and wait for
    the value and for ``until`` (a locator that appears once the app reacted, e.g. the first search
    result).  One attempt: text that is lost is a defect of the screen (a view replaced, or a
    screen that starts scrolling under the field, see app/views/pay.py), never retried here.
    """
    loc.click()
    expect(loc).to_have_attribute("autocorrect", "on")
    expect(loc).to_be_focused()
    loc.fill(text)
    expect(loc).to_have_value(text)
    if until is not None:
        expect(until).to_be_visible()


def day_cell_name(t, city, area, day) -> str:
    """A garbage calendar day's spoken name as the app builds it ("Today, Thu, May 8: Burnable")."""
    from core.garbage import service

    days = service.calendar(city, area, day, day, t.lang)
    names = [c["name"] for c in days[0]["categories"]] if days else []
    name = t("Today, {day}", day=t.day(day)) if day.isoformat() == TODAY else t.day(day)
    return f"{name}: {t.join(names) if names else t('No collection')}"


def onboarded(area_id: str, lang: str, **extra) -> dict:
    """Stored settings of a resident who finished the set-up."""
    return {"onboarded": True, "language": lang, "area_id": area_id, "reminder": "off", **extra}
