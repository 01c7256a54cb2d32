"""Static web app (Python in the browser) against the server-session web app, over emulated 4G.

    .venv/bin/python -m benchmarks.app.bench_static [--runs 2]

Both modes in the same run, the same resident (set up, 旭ヶ丘, Japanese) and the same first
meaningful screen (the Home feed's "Your area" line in the accessibility tree):

* static: ``machi serve`` with ``MACHI_WEB_DIR`` = a ``machi app build-web --today 2014-05-08`` build
  (gzip on the way out), as ``machi up`` runs it;
* session: ``machi app --web`` (today's server-session web app, no compression of its own).

Per mode: a first visit in a fresh browser profile (bytes transferred, compressed, as the network
carried them: every response of the page, its workers and the service worker, headers included),
a second visit in the same profile (the HTTP and service-worker caches), and a visit with the
network off. Bytes are counted by a TCP relay in front of each server (everything it sent: page,
workers, service worker, websocket). The link is Chromium's network emulation on the page's
target: 9 Mbit/s down, 1.5 Mbit/s up, 60 ms latency (DevTools' "Fast 4G" preset); requests of the
Python worker and the service worker may not be throttled (Chromium applies the emulation per
target), so the static site's times are a lower bound. Server CPU and
memory after the visits are printed from /proc. Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from benchmarks.app.bench_app import ARGS, REPO, free_port

TODAY = "2014-05-08"
LINK = {"offline": False, "latency": 60, "downloadThroughput": 9e6 / 8, "uploadThroughput": 1.5e6 / 8}
BOOT_MS = 600_000


def wait(url: str, proc: subprocess.Popen) -> None:
    for _ in range(1200):
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def proc_stats(pid: int) -> tuple[float, float]:
    """(CPU seconds, resident MB) of a process and its children."""
    cpu = rss = 0.0
    pids = [pid]
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(p) for p in out]
    except OSError:
        pass
    tick = os.sysconf("SC_CLK_TCK")
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / tick
            rss += int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 1e6
        except (OSError, IndexError, ValueError):
            continue
    return cpu, rss


class CountingProxy:
    """A TCP relay in front of a server that counts the bytes it sends to the browser: what the
    network carried, compressed as sent, headers and websocket frames included, for every client
    (page, workers, service worker)."""

    def __init__(self, target_port: int):
        import asyncio
        import threading

        self.target_port = target_port
        self.port = free_port()
        self.sent = 0
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def pipe(reader, writer, count: bool):
            try:
                while data := await reader.read(65536):
                    if count:
                        self.sent += len(data)
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                writer.close()

        async def handle(client_reader, client_writer):
            try:
                server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
            except OSError:
                client_writer.close()
                return
            await asyncio.gather(
                pipe(client_reader, server_writer, False), pipe(server_reader, client_writer, True)
            )

        async def serve():
            await asyncio.start_server(handle, "127.0.0.1", self.port)
            ready.set()

        def run():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(serve())
            self.loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        ready.wait(10)


def visit(context, url: str, proxy: CountingProxy, expect_text: str, offline: bool = False, sw: bool = False):
    """(seconds to the first meaningful screen or None, bytes sent by the server) of one page load."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", dict(LINK, offline=offline))
    if offline:
        context.set_offline(True)
    sent = proxy.sent
    t0 = time.perf_counter()
    try:
        page.goto(url, timeout=BOOT_MS)
        page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=BOOT_MS)
        page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
        page.get_by_text(expect_text, exact=True).first.wait_for(state="attached", timeout=BOOT_MS)
        took = time.perf_counter() - t0
    except Exception:  # noqa: BLE001 - offline, the session app does not start: that is the figure
        took = None
    if sw and not offline:  # the service worker's precache of a first visit is part of its cost
        for _ in range(BOOT_MS // 500):  # (wait_for_function takes a promise for a truthy value)
            if page.evaluate(
                "navigator.serviceWorker ? navigator.serviceWorker.getRegistrations().then(rs => "
                "rs.length > 0 && rs.every(r => r.active && !r.installing)) : true"
            ):
                break
            page.wait_for_timeout(500)
        page.wait_for_timeout(1000)
    context.set_offline(False)
    page.close()
    return took, proxy.sent - sent


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--site", type=Path, default=REPO / "build" / "web-test")
    args = ap.parse_args()
    from app import webbuild
    from core.city import load_city
    from core.garbage import service
    from core.i18n import Translator

    options = webbuild.BuildOptions(out=args.site, today=TODAY)
    if not webbuild.is_up_to_date(options):
        webbuild.build(options)
    area = service.find_area(load_city("matsusaka"), "旭ヶ丘")
    text = Translator("ja")("Your area: {area}", area=area.name)
    settings = {"onboarded": True, "language": "ja", "area_id": area.id, "reminder": "off"}
    init = f"window.localStorage.setItem('flutter.machi.settings', {json.dumps(json.dumps(json.dumps(settings)))});"
    machi = [sys.executable, "-m", "cli.main"]
    tmp = tempfile.mkdtemp()
    sport, wport = free_port(), free_port()
    env = dict(os.environ, MACHI_DATA_DIR=tmp, MACHI_WEB_DIR=str(args.site))
    static = subprocess.Popen(
        machi + ["serve", "--host", "127.0.0.1", "--port", str(sport), "--data-dir", tmp],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    senv = dict(os.environ, MACHI_TODAY=TODAY, FLET_FORCE_WEB_SERVER="1", MACHI_DATA_DIR=tmp)
    session = subprocess.Popen(
        machi + ["app", "--web", "--port", str(wport), "--api", f"http://127.0.0.1:{sport}"],
        cwd=REPO,
        env=senv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: dict[str, dict[str, list]] = {}
    try:
        wait(f"http://127.0.0.1:{sport}/", static)
        wait(f"http://127.0.0.1:{wport}/", session)
        proxies = {"static": CountingProxy(sport), "session": CountingProxy(wport)}
        before = {"static": proc_stats(static.pid), "session": proc_stats(session.pid)}
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=os.environ.get("MACHI_CHROMIUM", "/usr/bin/chromium"), args=ARGS
            )
            for mode, proxy in proxies.items():
                url = f"http://127.0.0.1:{proxy.port}/"
                rows = results.setdefault(mode, {"first": [], "second": [], "offline": []})
                for _ in range(args.runs):
                    context = browser.new_context(viewport={"width": 412, "height": 915}, locale="ja-JP")
                    context.add_init_script(init)
                    for name in ("first", "second", "offline"):
                        rows[name].append(
                            visit(context, url, proxy, text, offline=name == "offline", sw=mode == "static")
                        )
                        print(f"  ({mode} {name}: {rows[name][-1]})", file=sys.stderr, flush=True)
                    context.close()
            browser.close()
        after = {"static": proc_stats(static.pid), "session": proc_stats(session.pid)}
    finally:
        for proc in (static, session):
            proc.terminate()
            proc.wait(15)

    def secs(xs):
        ok = [x for x in xs if x is not None]
        if not ok:
            return "does not start"
        return f"median {statistics.median(ok):6.1f} s" + (
            f" ({len(xs) - len(ok)} did not start)" if len(ok) < len(xs) else ""
        )

    print(
        f"Machi web app over emulated 4G (9/1.5 Mbit/s, 60 ms), MACHI_TODAY={TODAY}, {args.runs} run(s) each"
    )
    print("first meaningful screen = the Home feed for a set-up resident; bytes = compressed, on the wire")
    for mode in ("static", "session"):
        rows = results[mode]
        name = "static site (Pyodide)" if mode == "static" else "server-session app   "
        for visit_name in ("first", "second", "offline"):
            got = rows[visit_name]
            mb = statistics.median(b for _, b in got) / 1e6
            print(f"  {name} {visit_name:8s} {secs([t for t, _ in got]):34s} {mb:7.2f} MB from the server")
        cpu = after[mode][0] - before[mode][0]
        print(
            f"  {name} server: {cpu:.2f} s CPU for all its visits, {after[mode][1]:.0f} MB resident after them"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
