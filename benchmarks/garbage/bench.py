"""Garbage benchmarks (figures printed, never asserted):

1. calendar engine (issue 13): the whole city's year -- Matsusaka, 198 areas x 4 categories,
   2014-04-01..2015-03-31 -- in process, warm (imports done, holidays loaded), median of many
   runs, goal < 13 ms (the 5374 app's own JavaScript in Node took 13.9 ms for the same work).
   "computed" clears the engine's cache before every run, so each run does the work (areas with
   identical rules share it within the run, as the engine does); "repeated" asks again with the
   cache warm.  Printed beside it, measured in the same run: a floor -- a tight Python loop that
   only makes as many dates by arithmetic (``date.fromordinal`` over ``range(first, last, 7)``)
   as the answer holds collections -- and the ratio to it, the day-walking implementation the
   engine replaced (``tests/core/calendar_reference.py``), and the load (``uptime``);
2. cold process: ``machi garbage next … --json`` next to ``python -c pass`` (``cold.py``);
3. 何ごみ検索 over Tsu's 3,984-item dictionary, p50/p99 per query including normalisation
   (goal: p99 < 5 ms): once in Japanese, once with the English Snowball stemmer over a
   Latin name for every item (the romaji of its reading stands in for a translation, so
   every ASCII query also scans 3,984 stemmed names: the worst case of word-form search).

Run: ``.venv/bin/python -m benchmarks.garbage.bench`` (``--only calendar|cold|search``).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import subprocess
import time
from pathlib import Path

from rich.console import Console
from rich.progress import track

from core.city import load_city
from core.garbage import calendar as cal
from core.garbage.importers import import_odgarbage
from core.garbage.search import SearchIndex
from core.text import kakasi_convert

SHARED = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "garbage"
console = Console()
YEAR = (dt.date(2014, 4, 1), dt.date(2015, 3, 31))
PEER_MS = 13.9  # the 5374 app's calendar code in Node, same data and year, same machine (issue 13)
GOAL_MS = 13.0  # issue 13: under the peer's median


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _median_ms(fn, runs: int, before=None) -> tuple[float, float, float]:
    """Median wall time, median CPU time of this thread, and the best wall time, in ms."""
    wall, cpu = [], []
    for _ in range(runs):
        if before is not None:
            before()
        c0, t0 = time.thread_time(), time.perf_counter()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu), min(wall)


def bench_calendar(runs: int = 200) -> None:
    city = load_city("matsusaka")
    g = city.garbage
    start, end = YEAR
    areas = g.areas

    def whole_city() -> int:
        return sum(len(cal.collections(g, a, start, end)) for a in areas)

    def clear() -> None:
        cal.clear_cache(g)

    days = whole_city()  # warm: imports, holidays, month tables
    collections = sum(len(cs) for a in areas for cs in cal.collections(g, a, start, end).values())
    rules = len({tuple(a.schedules.get(c.id) for c in g.categories) for a in areas})
    # The floor: as many dates as the answer holds collections, made by arithmetic alone.
    first = start.toordinal()
    per_category = collections // (len(areas) * len(g.categories))
    extra = collections - per_category * len(areas) * len(g.categories)
    fromordinal = dt.date.fromordinal

    def floor() -> int:
        made = 0
        for _area in areas:
            for _category in g.categories:
                made += len([fromordinal(o) for o in range(first, first + 7 * per_category, 7)])
        return made + len([fromordinal(o) for o in range(first, first + extra)])

    assert floor() == collections
    load_before = uptime()
    computed, computed_cpu, computed_best = _median_ms(whole_city, runs, before=clear)
    repeated, repeated_cpu, _ = _median_ms(whole_city, runs)
    floor_ms, floor_cpu, _ = _median_ms(floor, runs)
    # One area, as a resident's app asks: each a fresh computation of its year.
    sample = random.Random(5374).sample(areas, 50)
    per_area = []
    for area in sample:
        wall, _, _ = _median_ms(lambda area=area: cal.collections(g, area, start, end), 5, before=clear)
        per_area.append(wall)
    reference_ms = None
    try:
        from tests.core import calendar_reference as ref

        reference_ms, _, _ = _median_ms(lambda: sum(len(ref.collections(g, a, start, end)) for a in areas), 5)
    except ImportError:  # an installed copy without the tests
        pass
    load_after = uptime()
    goal = "met" if computed < GOAL_MS else "NOT met"
    lines = [
        f"calendar: Matsusaka, {len(areas)} areas x {len(g.categories)} categories ({rules} distinct rule sets), "
        f"{start}..{end}: {days:,} collection days, {collections:,} collections; median of {runs} runs, in process",
        f"  whole city, computed (cache cleared each run): median {computed:.2f} ms "
        f"(best {computed_best:.2f}, CPU {computed_cpu:.2f}); goal < {GOAL_MS:g} ms "
        f"(the 5374 app's own JavaScript in Node: {PEER_MS} ms): {goal}",
        f"  whole city, repeated (cache warm): median {repeated:.2f} ms (CPU {repeated_cpu:.2f})",
        f"  per area, computed: {computed / len(areas) * 1000:.0f} us (whole city / {len(areas)}); "
        f"one area alone, 50 areas: median {statistics.median(per_area) * 1000:.0f} us",
        f"  floor (a loop making {collections:,} dates by arithmetic): median {floor_ms:.2f} ms "
        f"(CPU {floor_cpu:.2f}); computed / floor = {computed / floor_ms:.2f} (CPU {computed_cpu / floor_cpu:.2f})",
    ]
    if reference_ms is not None:
        lines.append(
            f"  before issue 13 (day-walking reference, tests/core/calendar_reference.py): median of 5 "
            f"{reference_ms:.1f} ms = {reference_ms / computed:.1f} x the engine"
        )
    lines += [f"  load before: {load_before}", f"  load after:  {load_after}"]
    console.print("\n".join(lines), highlight=False, soft_wrap=True)


def bench_cold(runs: int = 10) -> None:
    """Cold ``machi garbage next`` next to ``python -c pass`` (benchmarks/garbage/cold.py)."""
    try:
        from benchmarks.garbage import cold
    except ImportError:  # hook: issue 13 point 4's cold-process figure lives in cold.py
        console.print("cold process: benchmarks/garbage/cold.py is missing; no figure")
        return
    console.print(cold.report(cold.measure_cold(runs)), highlight=False, soft_wrap=True)


def bench_search(queries: int = 2000, stemmed: bool = False) -> None:
    g, _ = import_odgarbage(SHARED / "tsu-2024" / "original.csv", "tsu")
    latin = {i.name: " ".join(p["hepburn"] for p in kakasi_convert(i.reading or i.name)) for i in g.items}
    t0 = time.perf_counter()
    index = SearchIndex(g.items, latin, "en") if stemmed else SearchIndex(g.items)
    build = time.perf_counter() - t0
    what = "en, stemmed names" if stemmed else "ja"
    rng = random.Random(5374)
    names = [i.name for i in g.items]
    readings = [i.reading for i in g.items]
    pool = []
    for _ in range(queries):
        kind = rng.randrange(6 if stemmed else 5)
        name, reading = rng.choice(names), rng.choice(readings)
        if kind == 0:
            pool.append(name[: rng.randint(1, max(1, len(name)))])  # prefix of a name
        elif kind == 1:
            pool.append(reading[: rng.randint(2, max(2, len(reading)))])  # kana prefix
        elif kind == 2:
            pool.append(rng.choice(["petto", "pettobotoru", "reizouko", "terebi", "denchi", "kasa", "futon"]))
        elif kind == 3:  # a typo: one character dropped
            i = rng.randrange(len(reading))
            pool.append(reading[:i] + reading[i + 1 :])
        elif kind == 4:
            pool.append(rng.choice(["zzz", "テレビ台", "ﾍﾟｯﾄﾎﾞﾄﾙ", "ＰＥＴ", "牛乳パック"]))
        else:  # words of a (stand-in) translated name, the last one cut as if being typed
            words = rng.choice(list(latin.values())).split()[:2]
            words[-1] = words[-1][: rng.randint(1, len(words[-1]))]
            pool.append(" ".join(words))
    times = []
    for q in track(pool, description=f"search: Tsu dictionary ({what})", console=console):
        t = time.perf_counter()
        index.search(q, 10)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()

    def p(f: float) -> float:
        return times[min(len(times) - 1, int(f * len(times)))]

    console.print(
        f"search ({what}): {len(g.items)} items, index built in {build:.2f} s; {queries} queries: "
        f"p50 {p(0.50):.2f} ms, p90 {p(0.90):.2f} ms, p99 {p(0.99):.2f} ms, max {times[-1]:.2f} ms "
        f"(goal p99 < 5 ms)"
    )


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Garbage benchmarks")
    parser.add_argument("--only", choices=["calendar", "cold", "search"])
    args = parser.parse_args(argv)
    if args.only in (None, "calendar"):
        bench_calendar()
    if args.only in (None, "cold"):
        bench_cold()
    if args.only in (None, "search"):
        bench_search()
        bench_search(stemmed=True)


if __name__ == "__main__":
    main()
