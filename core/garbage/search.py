"""何ごみ検索: find an item from kanji, kana (either script, any width), romaji, small typos,
or its name in the user's language.

Every item gets a few search keys, built once per (city, language):

* its name (NFKC, case-folded, katakana folded to hiragana),
* its reading in hiragana,
* the Hepburn romaji of the reading, folded by ``core.text.romaji_key``,
* its synonyms and its translated name in the chosen language.

Ranking: exact match, then prefix, then substring, then fuzzy (rapidfuzz) above a cut-off.
Within a tier, a shorter key wins (a closer match), then the dictionary order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from core.garbage.model import Item
from core.text import is_ascii_word, kakasi_convert, kana_key, lookup_key, romaji_key

EXACT, PREFIX, SUBSTRING, FUZZY = 4, 3, 2, 1
# やさしい日本語 writes readings after kanji: 燃(も)えるごみ.  Search both 燃えるごみ and もえるごみ.
_RUBY = re.compile(r"([\u3400-\u9fff々〆ヶ]+)\(([\u3041-\u309f\u30fc]+)\)")


def _ruby_variants(text: str) -> set[str]:
    if not _RUBY.search(text):
        return {text}
    return {text, _RUBY.sub(r"\1", text), _RUBY.sub(r"\2", text)}


FUZZY_CUTOFF = 78.0


def _romaji(reading: str) -> str:
    return "".join(p["hepburn"] for p in kakasi_convert(reading))


@dataclass(frozen=True)
class Hit:
    item: Item
    tier: int
    score: float
    matched: str  # the key that matched
    order: int  # position in the dictionary, the last tie-breaker


class SearchIndex:
    def __init__(self, items: list[Item], translated_names: dict[str, str] | None = None):
        self.items = items
        keys: list[str] = []
        owners: list[int] = []
        romaji: list[str] = []
        romaji_owners: list[int] = []
        translated_names = translated_names or {}
        for n, item in enumerate(items):
            texts = {kana_key(item.name), kana_key(item.reading)} if item.reading else {kana_key(item.name)}
            for extra in (*item.synonyms, translated_names.get(item.name, "")):
                for variant in _ruby_variants(extra) if extra else ():
                    texts.add(kana_key(variant))
            for text in texts:
                if text:
                    keys.append(text)
                    owners.append(n)
            reading = item.reading or item.name
            r = romaji_key(_romaji(reading))
            if r:
                romaji.append(r)
                romaji_owners.append(n)
        self._keys, self._owners = keys, owners
        self._romaji, self._romaji_owners = romaji, romaji_owners

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        q = kana_key(query)
        if not q or limit <= 0:
            return []
        best: dict[int, Hit] = {}

        def offer(n: int, tier: int, score: float, key: str) -> None:
            old = best.get(n)
            if old is None or (tier, score) > (old.tier, old.score):
                best[n] = Hit(self.items[n], tier, score, key, n)

        def scan(query_key: str, keys: list[str], owners: list[int]) -> None:
            for key, n in zip(keys, owners):
                if query_key not in key:
                    continue
                tier = EXACT if key == query_key else PREFIX if key.startswith(query_key) else SUBSTRING
                offer(n, tier, 100.0 * len(query_key) / len(key), key)

        scan(q, self._keys, self._owners)
        rq = romaji_key(query) if is_ascii_word(lookup_key(query)) else ""
        if rq:
            scan(rq, self._romaji, self._romaji_owners)
        if len(best) < limit and len(q) >= 3:
            self._fuzzy(q, self._keys, self._owners, offer)
            if rq and len(rq) >= 4:
                self._fuzzy(rq, self._romaji, self._romaji_owners, offer)
        hits = sorted(best.values(), key=lambda h: (-h.tier, -h.score, len(h.item.name), h.order))
        return hits[:limit]

    @staticmethod
    def _fuzzy(q: str, keys: list[str], owners: list[int], offer) -> None:
        # Compare the query with the start of each key (as long as the query, plus slack),
        # so that a typo in a prefix ("pettobotoru" -> "petobotoru") still counts.
        window = len(q) + 2
        heads = [k[:window] for k in keys]
        for _, score, i in process.extract(q, heads, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=50):
            offer(owners[i], FUZZY, score, keys[i])
