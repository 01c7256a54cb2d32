"""Handbook benchmark: the whole plan of one child, and a 40-point growth chart in the browser.

    .venv/bin/python -m benchmarks.handbook.bench [--runs 5] [--no-browser]

* plan: ``schedule.plan`` for a child with 10 given doses (all vaccines, catch-up planner,
  reasons not yet rendered), and ``to_json`` with the reasons rendered in Japanese. Goal < 2 ms.
* chart: ``machi app --web`` (MACHI_TODAY=2014-05-08, offline) in headless Debian Chromium; a
  child with 40 measurements (entered through the form), then click "Height" / "Weight": from the
  click until the chart's label with the latest point is in the accessibility tree (server
  render + diff + client layout of the flet-charts LineChart). Goal < 500 ms.
Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIRTH = dt.date(2011, 5, 20)
GIVEN = [
    "hepb:1:2011-07-20",
    "hepb:2:2011-08-20",
    "hepb:3:2012-01-10",
    "dpt_ipv_hib:1:2011-07-20",
    "dpt_ipv_hib:2:2011-08-20",
    "dpt_ipv_hib:3:2011-09-20",
    "pcv:1:2011-07-20",
    "pcv:2:2011-08-20",
    "bcg:1:2011-11-01",
    "mr1:1:2012-05-25",
]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def fmt(xs: list[float]) -> str:
    return (
        f"median {statistics.median(xs) * 1000:8.3f} ms   min {min(xs) * 1000:8.3f}   "
        f"max {max(xs) * 1000:8.3f}   (n={len(xs)})"
    )


def bench_plan(runs: int) -> tuple[list[float], list[float]]:
    from core.handbook import schedule
    from core.i18n import Translator

    given = [schedule.parse_given(g) for g in GIVEN]
    tr = Translator("ja")
    on = dt.date(2012, 9, 1)
    schedule.plan(BIRTH, given, on, sex="female")  # warm the data cache
    plans, rendered = [], []
    for _ in range(runs * 200):
        t0 = time.perf_counter()
        doses = schedule.plan(BIRTH, given, on, sex="female")
        plans.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        [d.to_json(tr) for d in doses]
        rendered.append(time.perf_counter() - t0 + plans[-1])
    return plans, rendered


def bench_chart(runs: int) -> list[float]:
    import httpx
    from playwright.sync_api import expect, sync_playwright

    from core.handbook import growth
    from core.i18n import Translator

    t = Translator("en")
    s = __import__("socket").socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    env = dict(
        os.environ, MACHI_TODAY="2014-05-08", FLET_FORCE_WEB_SERVER="1", MACHI_DATA_DIR=tempfile.mkdtemp()
    )
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
            "http://127.0.0.1:9",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    out = []
    try:
        while True:
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        import json

        settings = {"onboarded": True, "language": "en", "area_id": "", "reminder": "off"}
        init = f"window.localStorage.setItem('flutter.machi.settings', {json.dumps(json.dumps(json.dumps(settings)))});"
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=os.environ.get("MACHI_CHROMIUM", "/usr/bin/chromium"), args=ARGS
            )
            ctx = browser.new_context(viewport={"width": 412, "height": 1400}, locale="en-US")
            ctx.add_init_script(init)
            page = ctx.new_page()
            page.set_default_timeout(60000)
            page.goto(url + "/handbook")
            page.wait_for_selector("flt-semantics-placeholder", state="attached")
            page.evaluate("document.querySelector('flt-semantics-placeholder').click()")

            def fill(label, value):
                box = page.get_by_role(
                    "textbox", name=label, exact="YYYY" not in label
                )  # hints join the name
                box.click()
                expect(box).to_have_attribute("autocorrect", "on")
                box.fill(value)
                expect(box).to_have_value(value)

            birth = dt.date(2011, 5, 8)
            fill(t("Name or nickname"), "Bench")
            page.get_by_role("radio", name=t("Girl")).click()
            fill(t("Birth date (YYYY-MM-DD)"), birth.isoformat())
            page.get_by_role("button", name=t("Add the child"), exact=True).click()
            page.get_by_role("button", name=t("Open {name}", name="Bench"), exact=True).click()
            last = {}
            for i in range(40):
                day = birth + dt.timedelta(days=10 + 27 * i)
                months = round(growth.age_months(birth, day), 2)  # as the view model plots it
                w = round(growth.percentiles_at("weight", "female", months)[3] * 1.03, 2)
                h = round(growth.percentiles_at("height", "female", months)[3] * 1.01, 1)
                fill(t("Measured on (YYYY-MM-DD)"), day.isoformat())
                fill(t("Weight (kg)"), str(w))
                fill(t("Length / height (cm)"), str(h))
                page.get_by_role("button", name=t("Save the measurement"), exact=True).click()
                last = {"weight": (w, months), "height": (h, months)}
                expect(
                    page.get_by_text(
                        t(
                            "Latest: {value} at {months} months, percentile band {band}.",
                            value=f"{w:g}",
                            months=f"{months:.1f}",
                            band=growth.band("weight", "female", months, w),
                        )
                    ).first
                ).to_be_visible()

            def label(measure):
                value, months = last[measure]
                summary = t(
                    "Latest: {value} at {months} months, percentile band {band}.",
                    value=f"{value:g}",
                    months=f"{months:.1f}",
                    band=growth.band(measure, "female", months, value),
                )
                title = t({"weight": "Weight (kg)", "height": "Length / height (cm)"}[measure])
                return page.get_by_text(f"{title}. {summary}").first

            for _ in range(runs):
                for measure, button in (("height", t("Height")), ("weight", t("Weight"))):
                    t0 = time.perf_counter()
                    page.get_by_role("button", name=button, exact=True).click()
                    expect(label(measure)).to_be_visible()
                    out.append(time.perf_counter() - t0)
            ctx.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(15)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    plans, rendered = bench_plan(args.runs)
    print("Machi handbook benchmark")
    print(f"  whole plan, 10 given doses (schedule.plan)        {fmt(plans)}   goal < 2 ms")
    print(f"  ... plus reasons rendered in Japanese (to_json)   {fmt(rendered)}")
    if not args.no_browser:
        chart = bench_chart(args.runs)
        print(f"  growth chart, 40 points, in the browser (click)   {fmt(chart)}   goal < 500 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
