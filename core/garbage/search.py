"""何ごみ検索: find an item from kanji, kana (either script, any width), romaji, small typos,
or its name in the user's language.

Every item gets a few search keys, built once per (city, language):

* its name (NFKC, case-folded, katakana folded to hiragana),
* its reading in hiragana,
* the Hepburn romaji of the reading, folded by ``core.text.romaji_key``,
* its synonyms and its translated name in the chosen language,
* for a language Snowball stems (English, Portuguese, Spanish, ...): the word stems of the
  translated name, so ``battery`` and ``dry battery`` find "Dry-cell batteries" and ``pilha seca``
  finds "Pilhas secas" (``snowballstemmer``, pure Python).  Japanese, Chinese, Korean, Vietnamese
  and Tagalog have no Snowball stemmer and are matched as they are.

Ranking: exact match, then prefix, then substring (or every query word's stem among the name's
stems), then fuzzy above a cut-off.  Fuzzy scores come from rapidfuzz's ``fuzz.ratio`` where it is
installed, else (in the browser, where Pyodide has no rapidfuzz wheel) from the standard library's
``difflib.SequenceMatcher.ratio`` on the same 0-100 scale (``FUZZY_BACKEND`` says which).  Within a tier, a shorter key wins (a closer
match), then the dictionary order.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

import snowballstemmer
from babel import Locale, UnknownLocaleError

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


def _rapidfuzz_extract(query: str, choices: list[str], cutoff: float, limit: int) -> list[tuple[float, int]]:
    from rapidfuzz import fuzz, process

    return [
        (score, i)
        for _, score, i in process.extract(
            query, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit
        )
    ]


def _difflib_extract(query: str, choices: list[str], cutoff: float, limit: int) -> list[tuple[float, int]]:
    """(score, index) of the best ``limit`` choices at or above ``cutoff``, best first, then by index."""
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(query)  # SequenceMatcher caches what it learns about seq2
    found = []
    for i, choice in enumerate(choices):
        matcher.set_seq1(choice)
        if matcher.real_quick_ratio() * 100 >= cutoff and matcher.quick_ratio() * 100 >= cutoff:
            score = matcher.ratio() * 100
            if score >= cutoff:
                found.append((score, i))
    found.sort(key=lambda hit: -hit[0])  # stable: the order of the choices breaks ties
    return found[:limit]


def _default_backend() -> str:
    return "rapidfuzz" if importlib.util.find_spec("rapidfuzz") else "difflib"  # found, not imported


FUZZY_BACKENDS = {"rapidfuzz": _rapidfuzz_extract, "difflib": _difflib_extract}
FUZZY_BACKEND = _default_backend()
_WORD = re.compile(r"\w+")


@cache
def stemmer_for(lang: str | None):
    """Snowball's stemmer of ``lang`` (``en``, ``pt_BR``, ``es``...), or None when Snowball has none.

    Snowball names its algorithms by the English name of the language, which Babel knows."""
    if not lang:
        return None
    try:
        code = Locale.parse(lang.split("@")[0]).language
    except (ValueError, UnknownLocaleError):
        return None
    name = (Locale("en").languages.get(code) or "").lower()
    return snowballstemmer.stemmer(name) if name in snowballstemmer.algorithms() else None


def stems(stemmer, text: str) -> tuple[str, ...]:
    """The word stems of ``text``: ``Dry-cell batteries`` -> ``("dri", "cell", "batteri")``."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    return tuple(stemmer.stemWords(words)) if words else ()


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
    def __init__(
        self, items: list[Item], translated_names: dict[str, str] | None = None, lang: str | None = None
    ):
        self.items = items
        self._stemmer = stemmer_for(lang)
        self._stem_keys: list[tuple[tuple[str, ...], int]] = []  # (stems of a translated name, item)
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
            if self._stemmer is not None and translated_names.get(item.name):
                self._stem_keys.append((stems(self._stemmer, translated_names[item.name]), n))
            reading = item.reading or item.name
            r = romaji_key(_romaji(reading))
            if r:
                romaji.append(r)
                romaji_owners.append(n)
        self._keys, self._owners = keys, owners
        self._postings: dict[str, set[int]] = {}  # stem -> the stem keys that contain it
        for k, (key, _) in enumerate(self._stem_keys):
            for stem in key:
                self._postings.setdefault(stem, set()).add(k)
        self._vocabulary = sorted(self._postings)
        self._heads: dict[tuple[int, int], list[str]] = {}
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
            for key, n in zip(keys, owners, strict=True):
                if query_key not in key:
                    continue
                tier = EXACT if key == query_key else PREFIX if key.startswith(query_key) else SUBSTRING
                offer(n, tier, 100.0 * len(query_key) / len(key), key)

        scan(q, self._keys, self._owners)
        if self._stemmer is not None:
            self._scan_stems(query, offer)
        rq = romaji_key(query) if is_ascii_word(lookup_key(query)) else ""
        if rq:
            scan(rq, self._romaji, self._romaji_owners)
        if len(best) < limit and len(q) >= 3:
            self._fuzzy(q, self._keys, self._owners, offer)
            if rq and len(rq) >= 4:
                self._fuzzy(rq, self._romaji, self._romaji_owners, offer)
        hits = sorted(best.values(), key=lambda h: (-h.tier, -h.score, len(h.item.name), h.order))
        return hits[:limit]

    def _scan_stems(self, query: str, offer) -> None:
        """Every query word's stem is a word stem of the name (the last word may be a prefix,
        as it is being typed): ``dry battery`` -> "Dry-cell batteries"."""
        wanted = stems(self._stemmer, query)
        if not wanted:
            return
        *whole, last = wanted
        raw_last = _WORD.findall(unicodedata.normalize("NFKC", query).casefold())[-1]
        postings = self._postings
        found: set[int] = set()
        for prefix in {last, raw_last}:  # the stems of the vocabulary that start with the last word
            i = bisect_left(self._vocabulary, prefix)
            while i < len(self._vocabulary) and self._vocabulary[i].startswith(prefix):
                found |= postings[self._vocabulary[i]]
                i += 1
        for w in whole:
            found &= postings.get(w, set())
        for k in found:
            key, n = self._stem_keys[k]
            tier = EXACT if sorted(key) == sorted(wanted) else SUBSTRING
            offer(n, tier, 100.0 * len(wanted) / len(key), " ".join(key))

    def _fuzzy(self, q: str, keys: list[str], owners: list[int], offer) -> None:
        # Compare the query with the start of each key (as long as the query, plus slack),
        # so that a typo in a prefix ("pettobotoru" -> "petobotoru") still counts.
        window = len(q) + 2
        heads = self._heads.get((id(keys), window))
        if heads is None:  # the heads of one window length, cut once per index
            heads = self._heads[id(keys), window] = [k[:window] for k in keys]
        for score, i in FUZZY_BACKENDS[FUZZY_BACKEND](q, heads, FUZZY_CUTOFF, 50):
            offer(owners[i], FUZZY, score, keys[i])
