"""Web Push sending cost (issue 14 point 3): the Web Push transport alone (RFC 8291 encryption per
message, the cached VAPID JWT, httpx POSTs) against the fake push service in a separate process,
which verifies and decrypts every message.  Prints figures; asserts nothing.

    .venv/bin/python -m benchmarks.push.webpush [--messages 2000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from backend.delivery.transport import Outgoing
from backend.delivery.webpush import WebPushTransport, vapid_public_key
from backend.settings import Settings
from benchmarks.push.bench import REPO, cpu_seconds, free_port

FAKE = "import sys,time;from backend.delivery.fakepush import FakePushService;FakePushService().start(port=int(sys.argv[1]));time.sleep(1e9)"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            webpush_hosts="127.0.0.1",
            webpush_concurrency=args.concurrency,
            transport="inbox",
        )
        port = free_port()
        fake = subprocess.Popen([sys.executable, "-c", FAKE, str(port)], cwd=REPO)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    httpx.get(f"{url}/_fake/messages", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.05)
            key = vapid_public_key(settings)
            subs = [
                httpx.post(f"{url}/_fake/subscribe", json={"application_server_key": key}).json()
                for _ in range(200)
            ]
            now = dt.datetime.now(dt.UTC)
            batch = [
                Outgoing(
                    i,
                    f"dev{i}",
                    f"garbage:matsusaka:a{i % 50}:2014-05-08",
                    "garbage",
                    0,
                    "明日はごみの日です",
                    "5月8日(木): 可燃ごみ。朝8時30分までに出してください。",
                    {"kind": "garbage"},
                    now + dt.timedelta(hours=3),
                    0,
                    s["endpoint"],
                    "webpush",
                    "web",
                    "ja",
                    s["keys"]["p256dh"],
                    s["keys"]["auth"],
                )
                for i, s in ((i, subs[i % len(subs)]) for i in range(args.messages))
            ]
            transport = WebPushTransport(settings)

            async def send():
                out = []
                for i in range(0, len(batch), 500):
                    out += await transport.send(None, batch[i : i + 500], now)
                await transport.aclose()
                return out

            f0, c0, t0 = cpu_seconds(fake.pid), time.process_time(), time.perf_counter()
            results = asyncio.run(send())
            wall, cpu, f1 = time.perf_counter() - t0, time.process_time() - c0, cpu_seconds(fake.pid)
            got = httpx.get(f"{url}/_fake/messages", timeout=60).json()
            sent = sum(r.outcome == "sent" for r in results)
            print(
                f"[webpush] {sent}/{len(batch)} sent, {len(got['messages'])} decrypted and verified by the fake"
            )
            print(
                f"[webpush] wall {wall:.2f} s, {sent / wall:.0f} messages/s, concurrency {args.concurrency}"
            )
            print(
                f"[webpush] sender CPU {1e3 * cpu / max(sent, 1):.2f} ms per message (encryption + VAPID + httpx)"
            )
            if f0 is not None and f1 is not None:
                print(f"[webpush] fake push service CPU {1e3 * (f1 - f0) / max(sent, 1):.2f} ms per message")
            print(
                f"[webpush] load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
            )
        finally:
            fake.terminate()
            fake.wait(10)


if __name__ == "__main__":
    main()
