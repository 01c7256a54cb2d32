"""Push delivery benchmark (issue 3): 30,000 devices across every Matsusaka area and nine
languages; plan the 19:00 slot and deliver it through the real firebase-admin SDK to the
fake FCM server (a separate process); then p50/p99 latency of POST /v1/devices and GET
inbox under load from a second process.  Prints figures; asserts nothing.

It first measures the floor of the SDK path alone (no database, no planner): the CPU that
firebase-admin's ``send_each_async`` and the fake server spend per message, and what that
means for the slot on this machine's cores; and a fixed pure-Python loop, so figures taken
on different days (this machine's speed varies with its neighbours) can be compared.

    .venv/bin/python -m benchmarks.push.bench --db sqlite
    .venv/bin/python -m benchmarks.push.bench --db postgresql --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import insert, text

REPO = Path(__file__).resolve().parents[2]
SLOT = "2014-05-07T19:00+09:00"  # Wednesday evening: reminders for Thursday 2014-05-08
LANGS = ["ja", "ja@easy", "en", "pt_BR", "vi", "tl", "zh_Hans", "ko", "es"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{url}: process exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def database(kind: str, pg_url: str, tmp: Path) -> tuple[str, callable]:
    from backend.db import dispose_all, get_engine, migrate

    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
        migrate(url)
        return url, lambda: None
    schema = f"machi_bench_{uuid.uuid4().hex[:8]}"
    with get_engine(pg_url).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{pg_url}{'&' if '?' in pg_url else '?'}options={quote(f'-csearch_path={schema}')}"
    migrate(url)

    def drop():
        dispose_all()
        with get_engine(pg_url).begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    return url, drop


def seed(url: str, n: int) -> None:
    from backend.db import get_engine
    from backend.devices.models import Device
    from backend.security import hash_secret
    from backend.subscriptions.models import GarbageSubscription
    from core.city import load_city

    areas = [a.id for a in load_city("matsusaka").garbage.areas]
    now = dt.datetime.now(dt.UTC)
    devices, subs = [], []
    for i in range(n):
        did = f"bench{i:06d}"
        devices.append(
            {
                "id": did,
                "secret_hash": hash_secret(did),
                "push_token": f"bench-token-{i:06d}-" + "x" * 140,
                "token_hash": hash_secret(f"t{i}"),
                "token_kind": "token",
                "platform": ("android", "ios")[i % 2],
                "locale": LANGS[i % len(LANGS)],
                "timezone": "Asia/Tokyo",
                "app_version": "1.0",
                "disaster_alerts": True,
                "news_categories": ["general"],
                "created_at": now,
                "updated_at": now,
                "last_seen_at": now,
            }
        )
        subs.append(
            {
                "device_id": did,
                "city": "matsusaka",
                "area_id": areas[i % len(areas)],
                "time": "19:00",
                "day_offset": -1,
                "categories": None,
                "updated_at": now,
            }
        )
    engine = get_engine(url)
    with engine.begin() as conn:
        for i in range(0, n, 5000):
            conn.execute(insert(Device.__table__), devices[i : i + 5000])
            conn.execute(insert(GarbageSubscription.__table__), subs[i : i + 5000])


def calibration(iterations: int = 5_000_000) -> float:
    """Seconds of CPU for a fixed pure-Python loop: this machine's speed at the moment."""
    c0 = time.process_time()
    x = 0
    for i in range(iterations):
        x += i & 7
    return time.process_time() - c0


def sdk_floor(fcm_url: str, n: int, concurrency: int) -> dict:
    """CPU per message of the SDK path alone: ``FcmTransport.send`` (firebase-admin
    ``send_each_async``, batches of 500) to the fake server, with real rendered texts in the
    nine languages.  Sender CPU is this process's; the fake's is read from /proc."""
    import asyncio

    from backend.delivery import messages
    from backend.delivery.fcm import FcmTransport
    from backend.delivery.transport import Outgoing
    from backend.settings import Settings

    settings = Settings(
        transport="fcm", fcm_endpoint=fcm_url, fcm_project_id="machi-dev", fcm_concurrency=concurrency
    )
    now = dt.datetime(2014, 5, 7, 10, tzinfo=dt.UTC)
    day = dt.date(2014, 5, 8)
    texts = {lang: messages.garbage(lang, "matsusaka", day, ("burnable",), -1) for lang in LANGS}
    out = [
        Outgoing(
            i,
            f"bench{i:06d}",
            f"garbage:matsusaka:a{i % 198:08x}:{day}",
            "garbage",
            0,
            *texts[LANGS[i % len(LANGS)]],
            {"kind": "garbage", "city": "matsusaka", "date": str(day)},
            now + dt.timedelta(hours=3),
            0,
            f"bench-token-{i:06d}-" + "x" * 140,
            "token",
            ("android", "ios")[i % 2],
        )
        for i in range(n)
    ]
    transport = FcmTransport(settings)

    async def go() -> tuple[float, float, int]:
        await transport.send(None, out[:100], now)  # connections, first-use imports
        c0, w0, sent = time.process_time(), time.perf_counter(), 0
        for i in range(0, n, 500):
            sent += sum(r.outcome == "sent" for r in await transport.send(None, out[i : i + 500], now))
        c, w = time.process_time() - c0, time.perf_counter() - w0
        await transport.aclose()
        return c, w, sent

    try:
        return dict(zip(("cpu", "wall", "sent"), asyncio.run(go()), strict=True))
    finally:
        transport.close()


def measure_floor(fcm_url: str, fake_pid: int, n: int, concurrency: int) -> tuple[dict, float, float | None]:
    """The SDK path alone (``sdk_floor``) with the fake server's CPU over the same messages:
    (result, sender ms per message, fake ms per message or None without /proc).  Resets the fake."""
    f0 = cpu_seconds(fake_pid)
    f = sdk_floor(fcm_url, n, concurrency)
    f1 = cpu_seconds(fake_pid)
    httpx.post(f"{fcm_url}/_fake/reset")
    sender_ms = 1e3 * f["cpu"] / max(f["sent"], 1)
    fake_ms = 1e3 * (f1 - f0) / max(f["sent"], 1) if f0 is not None and f1 is not None else None
    return f, sender_ms, fake_ms


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a running process (Linux /proc), for the fake server's share."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def run_slot(url: str, fcm_url: str, data_dir: Path, processes: int, concurrency: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MACHI_")}
    env.update(
        MACHI_DATABASE_URL=url,
        MACHI_DATA_DIR=str(data_dir),
        MACHI_TRANSPORT="fcm",
        MACHI_FCM_ENDPOINT=fcm_url,
        MACHI_FCM_PROJECT_ID="machi-dev",
        MACHI_DISPATCH_PROCESSES=str(processes),
        MACHI_FCM_CONCURRENCY=str(concurrency),
    )
    # peak_rss_mb: the largest single process of the run (ru_maxrss of waited-for children is a maximum,
    # not a sum); cpu_s: user + system CPU of the deliver process and its dispatcher children.
    code = (
        "import json,resource,subprocess,sys,time;t=time.perf_counter();"
        "p=subprocess.run([sys.executable,'-m','cli.main','deliver','--now',sys.argv[1],'--json'],"
        "capture_output=True,text=True);w=time.perf_counter()-t;"
        "r=json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode==0 else {'error':p.stderr[-2000:]};"
        "u=resource.getrusage(resource.RUSAGE_CHILDREN);"
        "r['wall']=w;r['peak_rss_mb']=u.ru_maxrss/1024;r['cpu_s']=u.ru_utime+u.ru_stime;"
        "print(json.dumps(r))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, SLOT], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )  # a failed deliver is reported from its JSON line
    return json.loads(out.stdout.strip().splitlines()[-1])


def latency(url: str, data_dir: Path, seconds: float = 10.0, workers: int = 8) -> dict:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MACHI_")}
    env.update(
        MACHI_DATABASE_URL=url,
        MACHI_DATA_DIR=str(data_dir),
        MACHI_RATE_REGISTER_PER_MINUTE="100000000",
        MACHI_RATE_DEVICE_PER_MINUTE="100000000",
        MACHI_TRANSPORT="inbox",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--no-worker"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/v1/health", server)
        body = {
            "push_token": None,
            "platform": "web",
            "locale": "vi",
            "timezone": "Asia/Tokyo",
            "app_version": "1",
        }
        with httpx.Client(base_url=base) as c:
            d = c.post("/v1/devices", json=body).json()
        auth = {"Authorization": f"Bearer {d['secret']}"}
        lat = {"POST /v1/devices": [], "GET inbox": []}
        stop = time.monotonic() + seconds

        def worker(k: int):
            with httpx.Client(base_url=base, timeout=30) as c:
                i = 0
                while time.monotonic() < stop:
                    i += 1
                    t = time.perf_counter()
                    if (i + k) % 2:
                        r = c.post("/v1/devices", json=body)
                        lat["POST /v1/devices"].append(time.perf_counter() - t)
                    else:
                        r = c.get(f"/v1/devices/{d['id']}/inbox", headers=auth)
                        lat["GET inbox"].append(time.perf_counter() - t)
                    r.raise_for_status()

        with concurrent.futures.ThreadPoolExecutor(workers) as ex:
            list(ex.map(worker, range(workers)))
        out = {}
        for name, xs in lat.items():
            xs.sort()
            out[name] = {
                "requests": len(xs),
                "per_s": len(xs) / seconds,
                "p50_ms": 1000 * statistics.median(xs),
                "p99_ms": 1000 * xs[int(0.99 * (len(xs) - 1))],
            }
        return out
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    ap.add_argument(
        "--pg-url",
        default=os.environ.get(
            "MACHI_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    ap.add_argument("--devices", type=int, default=30_000)
    ap.add_argument("--latency-seconds", type=float, default=10.0)
    ap.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="MACHI_DISPATCH_PROCESSES for the PostgreSQL run (SQLite always uses one); default: one per "
        "core (on a quiet 2-core machine, 3 processes beside the fake and PostgreSQL cost 1.48x the SDK "
        "path's CPU per message, 2 processes 1.27x, 1 process 0.99x)",
    )
    ap.add_argument(
        "--floor-messages",
        type=int,
        default=5_000,
        help="messages sent through the SDK alone to measure its CPU floor (0: skip)",
    )
    ap.add_argument(
        "--concurrency",
        type=int,
        default=4,
        help="MACHI_FCM_CONCURRENCY: messages in flight per process (the loopback fake answers in "
        "~0.2 ms, so more only adds httpcore pool overhead; real FCM needs ~100)",
    )
    args = ap.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    fcm_port = free_port()
    fake = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "dev", "fake-fcm", "--port", str(fcm_port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    fcm_url = f"http://127.0.0.1:{fcm_port}"
    try:
        wait_http(f"{fcm_url}/_fake/messages", fake)
        cores = os.cpu_count() or 1
        print(
            f"[machine] {cores} cores; a fixed pure-Python loop (5M iterations) took {calibration():.2f} s of CPU "
            f"(lower is faster; compare runs by it)",
            flush=True,
        )
        floor_ms = None
        if args.floor_messages:
            f, sender_ms, fake_ms = measure_floor(fcm_url, fake.pid, args.floor_messages, args.concurrency)
            floor_ms = sender_ms + (fake_ms or 0.0)
            print(
                f"[sdk] firebase-admin send_each_async -> fake FCM, no database: {f['sent']:,} messages in "
                f"{f['wall']:.2f} s ({f['sent'] / max(f['wall'], 1e-9):,.0f}/s, one process); CPU per message: "
                f"sender {sender_ms:.2f} ms + fake server "
                f"{'n/a (no /proc)' if fake_ms is None else f'{fake_ms:.2f} ms'}",
                flush=True,
            )
        for kind in kinds:
            with tempfile.TemporaryDirectory() as tmpd:
                tmp = Path(tmpd)
                url, cleanup = database(kind, args.pg_url, tmp)
                try:
                    t = time.perf_counter()
                    seed(url, args.devices)
                    print(
                        f"[{kind}] seeded {args.devices} devices in {time.perf_counter() - t:.1f} s",
                        flush=True,
                    )
                    httpx.post(f"{fcm_url}/_fake/reset")
                    processes = 1 if kind == "sqlite" else args.processes
                    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
                    fake_cpu0 = cpu_seconds(fake.pid)
                    r = run_slot(url, fcm_url, tmp, processes, args.concurrency)
                    fake_cpu1 = cpu_seconds(fake.pid)
                    if "error" in r:
                        raise SystemExit(r["error"])
                    received = len(httpx.get(f"{fcm_url}/_fake/messages", timeout=60).json()["messages"])
                    httpx.post(f"{fcm_url}/_fake/reset")
                    dispatch_s = r["seconds"]
                    plan_s = r["plan_seconds"]
                    print(
                        f"[{kind}] slot {SLOT}: planned {r['planned']} rows, delivered {r['sent']} "
                        f"(fake FCM received {received}) in {r['batches']} batches; {processes} dispatcher "
                        f"process(es), {args.concurrency} messages in flight each",
                        flush=True,
                    )
                    print(
                        f"[{kind}]   wall time of the whole slot (process start to exit): {r['wall']:.2f} s; "
                        f"dispatch {dispatch_s:.2f} s",
                        flush=True,
                    )
                    print(
                        f"[{kind}]   plan {plan_s:.2f} s, planned/s: "
                        f"{r['planned'] / max(plan_s, 1e-9):,.0f}; delivered/s: {r['sent'] / max(dispatch_s, 1e-9):,.0f}; "
                        f"peak memory (RSS, largest process) {r['peak_rss_mb']:.0f} MB",
                        flush=True,
                    )
                    fake_cpu = (
                        f"{fake_cpu1 - fake_cpu0:.1f} s"
                        if fake_cpu0 is not None and fake_cpu1 is not None
                        else "n/a"
                    )
                    print(
                        f"[{kind}]   CPU: deliver processes {r['cpu_s']:.1f} s "
                        f"({1e6 * r['cpu_s'] / max(r['sent'], 1):,.0f} us per delivered message, planning "
                        f"included); fake FCM server {fake_cpu}; {os.cpu_count()} cores, load average before "
                        f"the slot {load_before}",
                        flush=True,
                    )
                    if floor_ms is not None:
                        # The floor again after the slot: the machine's speed drifts with its neighbours'
                        # load during a run of minutes; the mean of both brackets the slot.
                        _, sender_after, fake_after = measure_floor(
                            fcm_url, fake.pid, args.floor_messages, args.concurrency
                        )
                        print(
                            f"[{kind}]   SDK path measured again after the slot: sender {sender_after:.2f} ms "
                            f"(before: {sender_ms:.2f} ms) + fake server "
                            f"{'n/a' if fake_after is None else f'{fake_after:.2f} ms'}; the mean is the floor below",
                            flush=True,
                        )
                        sender_mean = (sender_ms + sender_after) / 2
                        floor_mean = sender_mean + ((fake_ms or 0.0) + (fake_after or 0.0)) / 2
                        floor_s = r["sent"] * floor_mean / 1e3 / cores
                        print(
                            f"[{kind}]   floor: {r['sent']:,} messages x {floor_mean:.2f} ms of CPU on {cores} cores "
                            f"= {floor_s:.1f} s for the SDK path and the fake alone, "
                            f"before any planning or database work (goal for the whole slot: 15 s)",
                            flush=True,
                        )
                        # What the database and dispatcher add on top of the SDK path, measured in the same
                        # run so that the machine's speed of the day cancels out.
                        print(
                            f"[{kind}]   dispatch / floor: {dispatch_s:.2f} s / {floor_s:.2f} s = "
                            f"{dispatch_s / max(floor_s, 1e-9):.2f} (goal on PostgreSQL: <= 1.15)",
                            flush=True,
                        )
                        # Wall time is only comparable with the CPU floor when the machine is ours: when
                        # neighbours load it (load average above the core count), the CPU ratios are the
                        # figures.  The dispatch one is the goal's (dispatch time over the floor); the
                        # whole-deliver one adds planning and process start-up.
                        dispatch_ms = 1e3 * r["cpu_seconds"] / max(r["sent"], 1)
                        deliver_ms = 1e3 * r["cpu_s"] / max(r["sent"], 1)
                        print(
                            f"[{kind}]   CPU per delivered message, dispatch only (claim, send, record; every "
                            f"dispatcher process): {dispatch_ms:.2f} ms / SDK path {sender_mean:.2f} ms = "
                            f"{dispatch_ms / sender_mean:.2f} (goal on PostgreSQL: <= 1.15)",
                            flush=True,
                        )
                        print(
                            f"[{kind}]   CPU per delivered message, whole deliver (planning and start-up included): "
                            f"{deliver_ms:.2f} ms / SDK path {sender_mean:.2f} ms = {deliver_ms / sender_mean:.2f}",
                            flush=True,
                        )
                    lat = latency(url, tmp, args.latency_seconds)
                    for name, v in lat.items():
                        print(
                            f"[{kind}]   {name}: {v['requests']} requests ({v['per_s']:.0f}/s) under 8 concurrent "
                            f"clients from a second process: p50 {v['p50_ms']:.1f} ms, p99 {v['p99_ms']:.1f} ms",
                            flush=True,
                        )
                finally:
                    cleanup()
    finally:
        fake.terminate()
        fake.wait(timeout=20)


if __name__ == "__main__":
    main()
