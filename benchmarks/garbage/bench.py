"""Garbage benchmarks (figures printed, never asserted):

1. full-year calendar of every Matsusaka area (issue goal: < 0.5 s);
2. 何ごみ検索 over Tsu's 3,984-item dictionary, p50/p99 per query including normalisation
   (goal: p99 < 5 ms): once in Japanese, once with the English Snowball stemmer over a
   Latin name for every item (the romaji of its reading stands in for a translation, so
   every ASCII query also scans 3,984 stemmed names: the worst case of word-form search).

Run: ``.venv/bin/python -m benchmarks.garbage.bench`` (or ``machi`` users: same command).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
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


def bench_calendar(repeats: int = 5) -> None:
    city = load_city("matsusaka")
    g = city.garbage
    start, end = dt.date(2014, 4, 1), dt.date(2015, 3, 31)
    cal.collections(g, g.areas[0], start, end)  # warm the holiday cache
    times = []
    for _ in track(range(repeats), description="calendar: 198 areas x 1 year", console=console):
        t0 = time.perf_counter()
        total = sum(len(cal.collections(g, a, start, end)) for a in g.areas)
        times.append(time.perf_counter() - t0)
    console.print(
        f"calendar: {len(g.areas)} areas, FY2014, {total} collection days: "
        f"best {min(times):.3f} s, median {statistics.median(times):.3f} s (goal < 0.5 s)"
    )


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


if __name__ == "__main__":
    bench_calendar()
    bench_search()
    bench_search(stemmed=True)
