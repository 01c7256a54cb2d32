"""何ごみ検索 on its two fuzzy backends: rapidfuzz (desktop, server) and difflib (the browser).

    .venv/bin/python -m benchmarks.app.bench_search_backends

For every item of the bundled city whose reading has at least 4 characters, three typo queries of
its reading (one character dropped, two neighbours swapped, one character doubled) and one of its
romaji: the share of queries whose first hit is the item (quality) and the time per query (speed),
per backend, on the same index. CPython here; Pyodide in the browser runs the same code slower.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import time

from core.city import load_city
from core.garbage import search as S
from core.text import kana_key


def typos(text: str) -> list[str]:
    mid = len(text) // 2
    return [
        text[:mid] + text[mid + 1 :],
        text[: mid - 1] + text[mid] + text[mid - 1] + text[mid + 1 :],
        text[:mid] + text[mid] + text[mid:],
    ]


def main() -> int:
    city = load_city("matsusaka")
    items = list(city.garbage.items)
    index = S.SearchIndex(items)
    queries = []
    for item in items:
        reading = kana_key(item.reading or "")
        if len(reading) >= 4:
            queries += [(q, item.name) for q in typos(reading)]
            romaji = S._romaji(item.reading)
            if len(romaji) >= 6:
                queries += [(q, item.name) for q in typos(romaji)[:1]]
    print(f"何ごみ検索 fuzzy backends: {len(queries)} typo queries over {len(items)} items ({city.slug})")
    tops: dict[str, list[str]] = {}
    for backend in ("rapidfuzz", "difflib"):
        S.FUZZY_BACKEND = backend
        index._heads.clear()
        times, right, top = [], 0, []
        for q, name in queries:
            t0 = time.perf_counter()
            hits = index.search(q, limit=10)
            times.append(time.perf_counter() - t0)
            top.append(hits[0].item.name if hits else "")
            right += bool(hits) and hits[0].item.name == name
        tops[backend] = top
        print(
            f"  {backend:9s}  first hit right {right / len(queries):6.1%}   "
            f"median {statistics.median(times) * 1e3:6.2f} ms   p95 {sorted(times)[int(len(times) * 0.95)] * 1e3:6.2f} ms"
        )
    same = sum(a == b for a, b in zip(tops["rapidfuzz"], tops["difflib"], strict=True))
    print(f"  same first hit on both backends: {same / len(queries):.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
