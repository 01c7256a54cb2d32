"""Disaster alert benchmark (issue 12): from a JMA document arriving to every subscribed device's
notification handed to the transport, for 30,000 devices in nine languages (goal: < 60 s).

The document is a level-4 大雨 warning for Matsusaka (tests/fixtures/jma/mie-r06-ooame-lv4-hatsuho.xml,
derived from a real one); it goes through the live path (``backend.alerts.service.ingest``: parse,
state, alert texts in nine languages, one outbox row per device) and the dispatcher sends every row
through the real firebase-admin SDK to the fake FCM server, in a fresh process like ``machi deliver``.
Printed next to the SDK-path floor of the same run, measured as benchmarks/push does.  Asserts nothing.

    .venv/bin/python -m benchmarks.alerts.bench [--devices 30000] [--db sqlite|postgresql --pg-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.push.bench import (
    calibration,
    cpu_seconds,
    database,
    free_port,
    measure_floor,
    seed,
    wait_http,
)

REPO = Path(__file__).resolve().parents[2]
DOCUMENT = REPO / "tests" / "fixtures" / "jma" / "mie-r06-ooame-lv4-hatsuho.xml"
GOAL_S = 60.0

# Runs in a fresh process: arrival (bytes in hand) -> ingest -> dispatcher run until the outbox is empty.
CODE = """
import json, sys, time
t0 = time.perf_counter()
from sqlalchemy.orm import Session
from backend.alerts import service
from backend.db import get_engine
from backend.delivery.dispatcher import Dispatcher
from backend.settings import get_settings
settings = get_settings()
engine = get_engine(settings.db_url())
data = open(sys.argv[1], 'rb').read()
t_start = time.perf_counter()
with Session(engine, expire_on_commit=False) as db:
    r = service.ingest(db_session=db, data=data)
t_ingest = time.perf_counter()
import resource
def cpu():
    u, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime + c.ru_utime + c.ru_stime
c0 = cpu()
report = Dispatcher(engine, settings).run()
t_end = time.perf_counter()
dispatch_cpu = cpu() - c0
print(json.dumps({"alerts": [(a.event, a.change, a.level, a.devices) for a in r.alerts],
                  "import_s": t_start - t0, "ingest_s": t_ingest - t_start, "dispatch_s": t_end - t_ingest,
                  "total_s": t_end - t_start, "dispatch_cpu_s": dispatch_cpu, **report.as_dict()}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--devices", type=int, default=30_000)
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--floor-messages", type=int, default=5_000)
    ap.add_argument("--concurrency", type=int, default=int(os.environ.get("MACHI_FCM_CONCURRENCY", "4")))
    ap.add_argument(
        "--processes",
        type=int,
        default=int(os.environ.get("MACHI_DISPATCH_PROCESSES", "0")) or (os.cpu_count() or 1),
    )
    args = ap.parse_args()
    fcm_port = free_port()
    fcm_url = f"http://127.0.0.1:{fcm_port}"
    fake = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "dev", "fake-fcm", "--port", str(fcm_port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_http(f"{fcm_url}/_fake/messages", fake)
        cores = os.cpu_count() or 1
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"[machine] {cores} cores, load average {load} (other work shares the CPU); a fixed pure-Python "
            f"loop (5M iterations) took {calibration():.2f} s of CPU",
            flush=True,
        )
        floor_ms = None
        if args.floor_messages:
            f, sender_ms, fake_ms = measure_floor(fcm_url, fake.pid, args.floor_messages, args.concurrency)
            fake_ms = fake_ms or 0.0
            floor_ms = sender_ms + fake_ms
            print(
                f"[sdk] firebase-admin send_each_async -> fake FCM, no database: {f['sent']:,} messages, "
                f"{floor_ms:.2f} ms of CPU per message (sender {sender_ms:.2f} + fake {fake_ms:.2f})",
                flush=True,
            )
        with tempfile.TemporaryDirectory() as tmp:
            url, drop = database(args.db, args.pg_url, Path(tmp))
            try:
                t = time.perf_counter()
                seed(url, args.devices)
                print(
                    f"[{args.db}] seeded {args.devices:,} devices (nine languages, every area) in "
                    f"{time.perf_counter() - t:.1f} s",
                    flush=True,
                )
                env = {k: v for k, v in os.environ.items() if not k.startswith("MACHI_")}
                env.update(
                    MACHI_DATABASE_URL=url,
                    MACHI_DATA_DIR=tmp,
                    MACHI_TRANSPORT="fcm",
                    MACHI_FCM_ENDPOINT=fcm_url,
                    MACHI_FCM_PROJECT_ID="machi-dev",
                    MACHI_DISPATCH_PROCESSES=str(args.processes),
                    MACHI_FCM_CONCURRENCY=str(args.concurrency),
                )
                fake0 = cpu_seconds(fake.pid)
                w = time.perf_counter()
                proc = subprocess.run(
                    [sys.executable, "-c", CODE, str(DOCUMENT)],
                    cwd=REPO,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                wall = time.perf_counter() - w
                fake1 = cpu_seconds(fake.pid)
                if proc.returncode != 0:
                    raise SystemExit(proc.stderr[-3000:])
                r = json.loads(proc.stdout.strip().splitlines()[-1])
                received = len(httpx.get(f"{fcm_url}/_fake/messages", timeout=60).json()["messages"])
                print(
                    f"[{args.db}] alert {r['alerts']}: {r['sent']:,} notifications handed to FCM "
                    f"(fake FCM received {received:,}), {r['failed']} failed",
                    flush=True,
                )
                print(
                    f"[{args.db}]   document -> every notification handed to the transport: {r['total_s']:.2f} s "
                    f"(goal < {GOAL_S:.0f} s): ingest + fan-out {r['ingest_s']:.2f} s, dispatch "
                    f"{r['dispatch_s']:.2f} s; process wall {wall:.2f} s incl. {r['import_s']:.2f} s of imports",
                    flush=True,
                )
                if floor_ms is not None:
                    floor_s = r["sent"] * floor_ms / 1e3 / cores
                    print(
                        f"[{args.db}]   push slot SDK floor of this run: {r['sent']:,} x {floor_ms:.2f} ms on "
                        f"{cores} cores = {floor_s:.1f} s; dispatch / floor = "
                        f"{r['dispatch_s'] / max(floor_s, 1e-9):.2f}; fake FCM CPU "
                        f"{(fake1 - fake0) if fake0 is not None and fake1 is not None else float('nan'):.1f} s",
                        flush=True,
                    )
                    per_msg = 1e3 * r["dispatch_cpu_s"] / max(r["sent"], 1)
                    print(
                        f"[{args.db}]   dispatch CPU per delivered message {per_msg:.2f} ms (sender; the fake's "
                        f"share above) vs the SDK path's {sender_ms:.2f} ms: {per_msg / max(sender_ms, 1e-9):.2f} "
                        f"(comparable under load; wall times are not)",
                        flush=True,
                    )
            finally:
                drop()
    finally:
        fake.terminate()
        fake.wait(timeout=20)


if __name__ == "__main__":
    main()
