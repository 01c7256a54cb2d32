"""Text normalisation shared by importers, lookups and search.

Three levels, each a tiny pure function:

* ``clean_cell`` — what an importer keeps for display: trimmed (ASCII and ideographic
  spaces), inner whitespace runs collapsed, full-width digits and Latin letters made
  half-width.  Japanese punctuation such as （） is kept as the city wrote it.
* ``lookup_key`` — what two names are compared by: NFKC, case-folded, no spaces.
* ``kana_key`` — ``lookup_key`` with katakana folded to hiragana, so ペット == ぺっと.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_WS = re.compile(r"[\s\u3000]+")
# Full-width ASCII block (！..～) except the punctuation Japanese text keeps full-width.
_FULLWIDTH_ALNUM = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp - 0xFEE0).isalnum()}


def clean_cell(value: str | None) -> str:
    """Normalise a CSV cell for storage and display ("" for blank)."""
    if value is None:
        return ""
    value = value.translate(_FULLWIDTH_ALNUM)
    return _WS.sub(" ", value).strip()


def lookup_key(value: str) -> str:
    """Key that matches names regardless of width, case and spacing."""
    return _WS.sub("", unicodedata.normalize("NFKC", value)).casefold()


def katakana_to_hiragana(value: str) -> str:
    return "".join(chr(ord(ch) - 0x60) if "\u30a1" <= ch <= "\u30f6" else ch for ch in value)


def kana_key(value: str) -> str:
    return katakana_to_hiragana(lookup_key(value))


_ROMAJI_RULES = [
    # Fold Hepburn, Kunrei and common IME spellings onto one key.
    ("tch", "tt"),
    ("sh", "sy"),
    ("ch", "ty"),
    ("ts", "t"),
    ("j", "zy"),
    ("fu", "hu"),
    ("dz", "z"),
    ("zyy", "zy"),
    ("syi", "si"),
    ("tyi", "ti"),
    ("zyi", "zi"),
    ("mb", "nb"),
    ("mp", "np"),
    ("mm", "nm"),
    ("nn", "n"),
    ("'", ""),
    ("-", ""),
    ("ou", "o"),
    ("oo", "o"),
    ("uu", "u"),
    ("aa", "a"),
    ("ii", "i"),
    ("ee", "e"),
    ("ei", "e"),
    ("l", "r"),
    ("c", "k"),
    ("wo", "o"),
]


def romaji_key(value: str) -> str:
    """Fold a romaji string so that common spelling variants compare equal.

    ``pettobotoru``, ``pettobotoru`` and ``pettobottoru`` stay distinct enough for fuzzy
    matching, while ``shinbun``/``sinbun``/``shimbun`` and ``gyuunyuu``/``gyunyu`` collapse.
    """
    key = re.sub(r"[^a-z'\-]", "", unicodedata.normalize("NFKC", value).casefold())
    for old, new in _ROMAJI_RULES:
        key = key.replace(old, new)
    return key


def is_ascii_word(value: str) -> bool:
    return bool(value) and all(ord(ch) < 128 for ch in value)


@functools.cache
def _kakasi():
    # pykakasi loads its dictionaries when an instance is made (~0.7 s): only when a reading is
    # first needed (importing a city, building a search index), never at every command start.
    import pykakasi

    return pykakasi.kakasi()


def kakasi_convert(text: str) -> list[dict]:
    """pykakasi's segments of ``text`` (keys ``hira``, ``hepburn``, ...), one shared instance."""
    return _kakasi().convert(text)
