"""App benchmark: page load -> first meaningful screen, and calendar month render time.

    .venv/bin/python -m benchmarks.app.bench_app [--runs 5]

Starts ``machi app --web`` (MACHI_TODAY=2014-05-08, no backend: offline) and drives headless
Debian Chromium with Playwright.  Prints figures; asserts nothing about time.

* first meaningful screen: ``goto`` -> the Home feed's "Today" card for a set-up resident
  is in the accessibility tree (a new browser context per run: cold Flutter start, warm HTTP).
* calendar month (view model): ``GarbageViewModel.weeks()`` for one month, in-process.
* calendar month (browser): click "Next month" -> the new month's first collection-day cell
  is in the accessibility tree (server render + diff + client layout).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import expect, sync_playwright

REPO = Path(__file__).resolve().parents[2]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fmt(xs: list[float]) -> str:
    return f"median {statistics.median(xs) * 1000:7.1f} ms   min {min(xs) * 1000:7.1f}   max {max(xs) * 1000:7.1f}   (n={len(xs)})"


def bench_view_model(runs: int) -> list[float]:
    from app.services.config import AppConfig
    from app.services.settings import MemoryStore, SettingsRepository
    from app.viewmodels.app import AppViewModel
    from app.viewmodels.garbage import GarbageViewModel
    from core.city import load_city
    from core.garbage import service

    area = service.find_area(load_city("matsusaka"), "旭ヶ丘")
    vm = AppViewModel(AppConfig(today=dt.date(2014, 5, 8)), SettingsRepository(MemoryStore()), None, None)
    asyncio.run(vm.load(["ja-JP"]))
    vm.settings.area_id = area.id
    g = GarbageViewModel(vm)
    out = []
    for i in range(runs * 4):
        g.month = dt.date(2014, 2 + i % 8, 1)
        t0 = time.perf_counter()
        g.weeks()
        out.append(time.perf_counter() - t0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from core.city import load_city
    from core.garbage import service
    from core.i18n import Translator

    city = load_city("matsusaka")
    area = service.find_area(city, "旭ヶ丘")
    t = Translator("ja")
    port = free_port()
    tmp = tempfile.mkdtemp()
    env = dict(os.environ, MACHI_TODAY="2014-05-08", FLET_FORCE_WEB_SERVER="1", MACHI_DATA_DIR=tmp)
    spawn = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "app",
            "--web",
            "--port",
            str(port),
            "--api",
            f"http://127.0.0.1:{free_port()}",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        server_ready = time.perf_counter() - spawn
        settings = {"onboarded": True, "language": "ja", "area_id": area.id, "reminder": "off"}
        init = f"window.localStorage.setItem('flutter.machi.settings', {json.dumps(json.dumps(json.dumps(settings)))});"
        loads, months, first_frames = [], [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=os.environ.get("MACHI_CHROMIUM", "/usr/bin/chromium"), args=ARGS
            )
            for _ in range(args.runs):
                ctx = browser.new_context(viewport={"width": 412, "height": 2000}, locale="ja-JP")
                ctx.add_init_script(init)
                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(url + "/")
                page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60000)
                first_frames.append(time.perf_counter() - t0)
                page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
                expect(page.get_by_text(t("Today"), exact=True).first).to_be_visible(timeout=60000)
                loads.append(time.perf_counter() - t0)
                page.get_by_role("tab", name=t("Garbage")).click()
                month = dt.date(2014, 5, 1)
                expect(page.get_by_role("heading", name=t.month(month), exact=True)).to_be_visible(
                    timeout=60000
                )
                for _ in range(3):
                    month = (month + dt.timedelta(days=32)).replace(day=1)
                    day = dt.date.fromisoformat(
                        service.calendar(city, area, month, month + dt.timedelta(days=27), "ja")[0]["date"]
                    )
                    names = t.join(
                        [c["name"] for c in service.calendar(city, area, day, day, "ja")[0]["categories"]]
                    )
                    t1 = time.perf_counter()
                    page.get_by_role("button", name=t("Next month"), exact=True).click()
                    expect(
                        page.get_by_role("button", name=f"{t.day(day)}: {names}", exact=True)
                    ).to_be_visible(timeout=60000)
                    months.append(time.perf_counter() - t1)
                ctx.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(15)
    vm_months = bench_view_model(args.runs)
    print("Machi app benchmark (Flet web build, headless Chromium, MACHI_TODAY=2014-05-08, offline)")
    print(f"  machi app --web: spawn -> HTTP 200            {server_ready * 1000:7.1f} ms")
    print(f"  page load -> Flutter first frame             {fmt(first_frames)}")
    print(f"  page load -> first meaningful screen (Home)  {fmt(loads)}")
    print(f"  calendar month in the browser (Next month)   {fmt(months)}")
    print(f"  calendar month, view model only (weeks())    {fmt(vm_months)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
