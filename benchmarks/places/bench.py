"""City content benchmark (issue 11). Prints figures; asserts nothing.

1. ``GET /v1/places?near=`` p50/p99 under load from a second process (``machi serve`` in its own
   process, the load generator in another), on Matsusaka (387 GSI sites) and on a synthetic
   Japan-wide set of 110,000 sites (the grid index; the same queries are checked against a
   brute-force haversine first).
2. The tourist-mode first screen over a throttled 3G-like link (Chromium network emulation via
   CDP: 400 ms RTT, 400 kbit/s down, 400 kbit/s up): cold (empty cache) and warm (second visit).

    .venv/bin/python -m benchmarks.places.bench [--requests 2000] [--concurrency 16] [--no-browser]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
HAZARDS = ("flood", "landslide", "storm_surge", "earthquake", "tsunami", "fire", "inland_flood", "volcano")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{proc.args} exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def synthetic_japan(n: int, seed: int = 42) -> list[dict]:
    """Sites spread over Japan's main islands' extent, with random hazard flags."""
    rng = random.Random(seed)
    boxes = [
        (31.0, 34.5, 129.5, 135.0),
        (33.5, 36.5, 132.0, 140.5),
        (35.5, 41.5, 137.0, 142.0),
        (41.5, 45.5, 139.5, 145.5),
        (24.0, 27.0, 123.0, 128.5),
    ]
    weights = [0.18, 0.42, 0.25, 0.10, 0.05]
    out = []
    for i in range(n):
        la0, la1, lo0, lo1 = rng.choices(boxes, weights)[0]
        out.append(
            {
                "id": f"S{i:06d}",
                "kind": rng.choice(["evacuation", "shelter"]),
                "name": f"site {i}",
                "lat": round(rng.uniform(la0, la1), 6),
                "lon": round(rng.uniform(lo0, lo1), 6),
                "hazards": [h for h in HAZARDS if rng.random() < 0.35],
            }
        )
    return out


def load(url: str, city: str, queries: list[str], concurrency: int) -> list[float]:
    """Run in a second process: every query once, ``concurrency`` at a time; latencies in ms."""
    code = f"""
import concurrent.futures, httpx, json, sys, time
queries = json.loads(sys.stdin.read())
def one(q, client):
    t = time.perf_counter()
    r = client.get({url!r} + "/v1/places?city={city}&" + q)
    assert r.status_code == 200, (r.status_code, r.text[:200])
    return (time.perf_counter() - t) * 1000
with httpx.Client(timeout=30, limits=httpx.Limits(max_connections={concurrency})) as client:
    for q in queries[:20]:
        one(q, client)  # warm-up (connections, the index built on first use)
    with concurrent.futures.ThreadPoolExecutor({concurrency}) as pool:
        print(json.dumps(list(pool.map(lambda q: one(q, client), queries))))
"""
    res = subprocess.run(
        [sys.executable, "-c", code], input=json.dumps(queries), capture_output=True, text=True, timeout=1800
    )
    if res.returncode != 0:
        raise SystemExit(res.stderr[-2000:])
    return json.loads(res.stdout)


def _near_site(rng: random.Random, places) -> tuple[float, float]:
    p = rng.choice(places)
    return p.lat + rng.uniform(-0.05, 0.05), p.lon + rng.uniform(-0.05, 0.05)


def queries(rng: random.Random, n: int, places) -> list[str]:
    """Residents' positions: within about 5 km of a site of the set."""
    out = []
    for _ in range(n):
        lat, lon = _near_site(rng, places)
        q = f"near={lat:.5f},{lon:.5f}&kind=evacuation&limit=10"
        if rng.random() < 0.7:
            q += f"&hazard={rng.choice(HAZARDS[:6])}"
        out.append(q)
    return out


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) >= 100 else max(values)


def bench_api(n_requests: int, concurrency: int) -> None:
    from core.places import Place, PlaceIndex, brute_force_nearest, save_places

    tmp = Path(tempfile.mkdtemp(prefix="machi-places-bench-"))
    sites = synthetic_japan(110_000)
    places = [Place.from_json(s) for s in sites]
    save_places(tmp / "cities" / "japan-synthetic" / "places.json", places)
    # correctness first: the index equals a brute-force haversine on sample queries
    index, rng = PlaceIndex(places), random.Random(7)
    t0 = time.perf_counter()
    for _ in range(50):
        lat, lon, hz = rng.uniform(24, 45.5), rng.uniform(123, 145.5), rng.choice([None, *HAZARDS])
        a = [(p.id, d) for p, d, _ in index.nearest(lat=lat, lon=lon, hazard=hz, limit=10)]
        b = [(p.id, d) for p, d, _ in brute_force_nearest(places, lat=lat, lon=lon, hazard=hz, limit=10)]
        assert a == b, (lat, lon, hz)
    print(f"index == brute force on 50 Japan-wide queries ({time.perf_counter() - t0:.1f} s incl. the scans)")
    print(f"grid cell {index.cell:.3f}° (automatic: about twice the mean spacing of the sites)")
    for label, point in (
        ("a resident near a site", lambda: _near_site(rng, places)),
        ("any point of the box, sea included", lambda: (rng.uniform(31, 41), rng.uniform(130, 141))),
    ):
        t0 = time.perf_counter()
        for _ in range(2000):
            lat, lon = point()
            index.nearest(lat=lat, lon=lon, hazard="flood", limit=10)
        print(
            f"in-process nearest, 110,000 sites, flood, 10 answers, {label}: "
            f"{(time.perf_counter() - t0) / 2000 * 1e6:.0f} µs/query"
        )

    port = free_port()
    env = dict(os.environ, MACHI_DATA_DIR=str(tmp))
    for key in ("MACHI_DATABASE_URL", "MACHI_FCM_CREDENTIALS", "MACHI_TRANSPORT"):
        env.pop(key, None)
    machi = Path(sys.executable).with_name("machi")
    server = subprocess.Popen(
        [str(machi), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(tmp)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/openapi.json", server)
        from core.places import load_places

        for city, sample in (("matsusaka", list(load_places("matsusaka"))), ("japan-synthetic", places)):
            lat = load(url, city, queries(random.Random(1), n_requests, sample), concurrency)
            print(
                f"GET /v1/places?near= {city:<16} {n_requests} requests, {concurrency} concurrent (2nd process): "
                f"p50 {statistics.median(lat):.1f} ms  p99 {pct(lat, 99):.1f} ms  max {max(lat):.1f} ms"
            )
    finally:
        server.terminate()
        server.wait(15)


def _throttled_page(browser):
    ctx = browser.new_context(viewport={"width": 412, "height": 915}, locale="en-US")
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 400,
            "downloadThroughput": 400_000 / 8,
            "uploadThroughput": 400_000 / 8,
        },
    )
    return ctx, page


def bench_tourist_html() -> None:
    """The tourist page of the server (GET /v1/tourist): the first screen over the sightseeing Wi-Fi."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("MACHI_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        print("tourist page over 3G: skipped (no /usr/bin/chromium)")
        return
    tmp = Path(tempfile.mkdtemp(prefix="machi-tourist-html-"))
    port = free_port()
    env = dict(os.environ, MACHI_DATA_DIR=str(tmp))
    for key in ("MACHI_DATABASE_URL", "MACHI_FCM_CREDENTIALS", "MACHI_TRANSPORT"):
        env.pop(key, None)
    machi = Path(sys.executable).with_name("machi")
    server = subprocess.Popen(
        [str(machi), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(tmp)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/openapi.json", server)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            for lang in ("en", "ja", "pt_BR"):
                ctx, page = _throttled_page(browser)
                sizes: list[int] = []
                page.on("response", lambda r, sizes=sizes: sizes.append(len(r.body())))
                t0 = time.perf_counter()
                page.goto(f"{url}/v1/tourist?city=matsusaka&lang={lang}", timeout=120_000)
                page.get_by_role("heading", level=2).first.wait_for(timeout=120_000)
                took = time.perf_counter() - t0
                print(
                    f"tourist page (GET /v1/tourist, {lang}) over 3G-like link, cold: {took:.2f} s "
                    f"({sum(sizes) / 1000:.1f} kB)"
                )
                ctx.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(15)


def bench_tourist() -> None:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("MACHI_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        print("tourist mode over 3G: skipped (no /usr/bin/chromium)")
        return
    tmp = Path(tempfile.mkdtemp(prefix="machi-tourist-bench-"))
    port = free_port()
    machi = Path(sys.executable).with_name("machi")
    env = dict(os.environ, FLET_FORCE_WEB_SERVER="1", MACHI_DATA_DIR=str(tmp), MACHI_MAP_TILES="off")
    app = subprocess.Popen(
        [str(machi), "app", "--web", "--port", str(port), "--api", f"http://127.0.0.1:{free_port()}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/", app)
        args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=args)
            ctx = browser.new_context(viewport={"width": 412, "height": 915}, locale="en-US")
            page = ctx.new_page()
            cdp = ctx.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": 400,
                    "downloadThroughput": 400_000 / 8,
                    "uploadThroughput": 400_000 / 8,
                },
            )
            sizes: list[int] = []
            page.on("response", lambda r: sizes.append(int(r.headers.get("content-length", 0) or 0)))
            for label in ("cold (empty cache)", "warm (second visit)"):
                sizes.clear()
                t0 = time.perf_counter()
                page.goto(url + "/city?tab=tourist", timeout=600_000)
                page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=600_000)
                page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
                page.get_by_role("heading", name="Tourist mode", exact=True).first.wait_for(timeout=600_000)
                took = time.perf_counter() - t0
                print(
                    f"tourist mode first screen over 3G-like link, {label}: {took:.1f} s "
                    f"({sum(sizes) / 1e6:.1f} MB declared by content-length)"
                )
            browser.close()
    finally:
        app.terminate()
        app.wait(15)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument(
        "--flet", action="store_true", help="also time the Flet app's tourist mode over 3G (minutes)"
    )
    ap.add_argument("--only-browser", action="store_true")
    a = ap.parse_args()
    if not a.only_browser:
        bench_api(a.requests, a.concurrency)
    if not a.no_browser:
        bench_tourist_html()
        if a.flet:
            bench_tourist()


if __name__ == "__main__":
    main()
