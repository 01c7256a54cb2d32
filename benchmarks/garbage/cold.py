"""Cold-process time of ``machi garbage next … --json`` next to the interpreter's own start.

Issue 13 asks for a cold ``machi garbage next`` within 60 ms of ``python -c pass`` (median of 10
runs, measured in the same run so that the machine's load affects both alike).  Each run starts a
new process (the OS file cache, the .pyc files and machi's next-date table of the year, see
cli/fast.py, are warm: one unmeasured run of each first); the two commands alternate, so a burst
of load hits both.  Figures are printed, never asserted.

Run: ``.venv/bin/python -m benchmarks.garbage.cold`` (``--runs N``); ``benchmarks/garbage/bench.py``
calls ``measure_cold``.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["garbage", "next", "--area", "阿坂地区全自治会", "--on", "2014-05-05", "--json"]
EXPECTED = '{"nonburnable": "2014-05-12", "recyclable": "2014-05-08", "burnable": "2014-05-09", "bottles": "2014-05-14"}'


def machi_command() -> list[str]:
    """The ``machi`` console script a person runs, else ``python -m cli.main``."""
    script = Path(sys.executable).parent / "machi"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cli.main"]


def _load() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(cmd: list[str], check_output: str | None) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one process."""
    cpu0 = _cpu()
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    if p.returncode != 0 or (check_output is not None and p.stdout.strip() != check_output):
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stdout}{p.stderr}")
    return elapsed, cpu


def measure_cold(runs: int = 10) -> dict:
    """Median wall time of ``runs`` cold ``machi garbage next … --json`` processes and of as many
    ``python -c pass`` (the floor), alternating, in seconds (also their CPU time), with the load
    average before and after."""
    machi = machi_command() + ARGS
    floor = [sys.executable, "-c", "pass"]
    env_before = _load()
    _run(floor, None)
    _run(machi, EXPECTED)
    machi_runs, floor_runs = [], []
    for _ in range(runs):
        floor_runs.append(_run(floor, None))
        machi_runs.append(_run(machi, EXPECTED))
    machi_times, machi_cpu = [w for w, _ in machi_runs], [c for _, c in machi_runs]
    floor_times, floor_cpu = [w for w, _ in floor_runs], [c for _, c in floor_runs]
    machi_median = statistics.median(machi_times)
    floor_median = statistics.median(floor_times)
    return {
        "command": " ".join(["machi", *ARGS]),
        "runs": runs,
        "machi_median_s": machi_median,
        "floor_median_s": floor_median,
        "difference_s": machi_median - floor_median,
        "machi_times_s": machi_times,
        "floor_times_s": floor_times,
        # CPU time (user + system) moves less with other processes' load than wall time.
        "machi_cpu_median_s": statistics.median(machi_cpu),
        "floor_cpu_median_s": statistics.median(floor_cpu),
        "load_before": env_before,
        "load_after": _load(),
    }


def report(result: dict) -> str:
    """The figures as printed lines."""
    ms = 1000
    return "\n".join(
        [
            f"cold process: {result['command']}",
            f"  machi median of {result['runs']}: {result['machi_median_s'] * ms:.1f} ms"
            f" (min {min(result['machi_times_s']) * ms:.1f}, max {max(result['machi_times_s']) * ms:.1f})",
            f"  python -c pass median of {result['runs']} (floor, same run): {result['floor_median_s'] * ms:.1f} ms"
            f" (min {min(result['floor_times_s']) * ms:.1f}, max {max(result['floor_times_s']) * ms:.1f})",
            f"  difference: {result['difference_s'] * ms:.1f} ms (goal: within 60 ms)",
            f"  CPU time (user+system) medians: machi {result['machi_cpu_median_s'] * ms:.1f} ms,"
            f" python -c pass {result['floor_cpu_median_s'] * ms:.1f} ms,"
            f" difference {(result['machi_cpu_median_s'] - result['floor_cpu_median_s']) * ms:.1f} ms",
            f"  load before: {result['load_before']}",
            f"  load after:  {result['load_after']}",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    print(report(measure_cold(args.runs)))


if __name__ == "__main__":
    main()
