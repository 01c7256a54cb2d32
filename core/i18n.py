"""Languages, gettext catalogs and Babel formatting.

Catalogs live in ``locales/<tag>/LC_MESSAGES/machi.po`` (source language: English msgids).
They are read with Babel and served through ``babel.support.Translations`` (real gettext
objects, with the catalog's plural rules), so no compile step is needed to run.

やさしい日本語 (Easy Japanese) is its own catalog with the tag ``ja@easy``: a locale
modifier that both Babel (``Locale.parse("ja@easy")``) and gettext folder lookup accept.
Its texts put the reading of every kanji word in parentheses: 燃(も)えるごみ.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from core.city import REPO_ROOT

DOMAIN = "machi"
SOURCE_LANGUAGE = "en"
# The launch set, in the order the language picker shows them.
LANGUAGES = ["ja", "ja@easy", "en", "pt_BR", "vi", "tl", "zh_Hans", "ko", "es"]

_ALIASES = {
    "ja-easy": "ja@easy", "ja_easy": "ja@easy", "easy": "ja@easy", "ja-x-easy": "ja@easy",
    "pt": "pt_BR", "zh": "zh_Hans", "zh_cn": "zh_Hans", "zh_sg": "zh_Hans", "fil": "tl",
}


class UnknownLanguage(ValueError):
    pass


def locales_dir() -> Path:
    return Path(os.environ.get("MACHI_LOCALES_DIR", REPO_ROOT / "locales"))


def normalize_language(tag: str | None, fallback: str | None = None) -> str:
    """Map a BCP 47 or POSIX tag (``pt-BR``, ``zh-Hans-CN``, ``ja_JP.UTF-8``) to a launch language.

    Raises UnknownLanguage unless ``fallback`` is given.
    """
    if tag:
        raw = tag.split(".")[0].replace("-", "_").strip()
        low = raw.lower()
        if low in _ALIASES:
            return _ALIASES[low]
        for lang in LANGUAGES:
            if low == lang.lower():
                return lang
        if "@easy" in low and low.startswith("ja"):
            return "ja@easy"
        parts = low.split("_")
        if parts[0] == "fil":
            parts[0] = "tl"  # Filipino is served by the Tagalog catalog
        if parts[0] == "zh" and "hant" not in parts and not {"tw", "hk", "mo"} & set(parts):
            return "zh_Hans"
        if parts[0] == "pt":
            return "pt_BR"
        for lang in LANGUAGES:
            if parts[0] == lang.lower() and "@" not in lang:
                return lang
    if fallback is not None:
        return fallback
    raise UnknownLanguage(f"unknown language {tag!r}; choose one of: {', '.join(LANGUAGES)}")


def babel_locale(lang: str) -> Locale:
    return Locale.parse(lang)


@cache
def translations(lang: str) -> Translations:
    """The gettext catalog of ``lang`` (English msgids fall through where a msgstr is empty)."""
    po = locales_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        raise UnknownLanguage(f"no catalog for {lang!r} at {po}")
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)



class Translator:
    """Bound helpers for one language: ``t = Translator("vi"); t("Garbage")``."""

    def __init__(self, lang: str):
        self.lang = normalize_language(lang)
        self.locale = babel_locale(self.lang)
        self._t = translations(self.lang)

    def __call__(self, message: str, **params: object) -> str:
        text = self._t.gettext(message)
        return text.format(**params) if params else text

    def plural(self, singular: str, plural: str, n: int, **params: object) -> str:
        return self._t.ngettext(singular, plural, n).format(n=n, **params)

    # Dates through Babel: 「11月27日(金)」, "Fri, Nov 27".
    def day(self, day: dt.date) -> str:
        return format_skeleton("MMMEd", day, locale=self.locale)

    def long_day(self, day: dt.date) -> str:
        return format_date(day, format="full", locale=self.locale)

    def month(self, day: dt.date) -> str:
        return format_skeleton("yMMMM", day, locale=self.locale)

    def join(self, names: list[str]) -> str:
        """「燃えるごみ、資源物」, "Burnable and recyclables" (Babel list patterns)."""
        return format_list(names, style="standard", locale=self.locale) if names else ""

    def weekday_short(self, weekday: int) -> str:
        """Mon=0 ... Sun=6, abbreviated in this language."""
        return self.locale.days["format"]["abbreviated"][weekday]

    def language_name(self, lang: str | None = None) -> str:
        lang = lang or self.lang
        if lang == "ja@easy":
            return "やさしい にほんご"
        return babel_locale(lang).get_display_name(babel_locale(lang)) or lang


_PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def check_catalogs(template: Path | None = None) -> list[str]:
    """Problems in the catalogs: a message of the template missing or untranslated in a
    language, a fuzzy entry, a broken placeholder ({name} sets differ), or a plural without
    every form.  An empty list means every language is complete."""
    template = template or locales_dir() / f"{DOMAIN}.pot"
    with template.open("rb") as fh:
        pot = read_po(fh)
    wanted = {m.id for m in pot if m.id}
    problems: list[str] = []
    for lang in LANGUAGES:
        po = locales_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po.is_file():
            problems.append(f"{lang}: no catalog {po}")
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        have = {m.id: m for m in catalog if m.id}
        for mid in sorted(wanted, key=str):
            msg = have.get(mid)
            shown = mid if isinstance(mid, str) else mid[0]
            if msg is None:
                problems.append(f"{lang}: missing {shown!r}")
                continue
            if msg.fuzzy:
                problems.append(f"{lang}: fuzzy {shown!r}")
            ids = mid if isinstance(mid, tuple) else (mid,)
            strs = msg.string if isinstance(msg.string, tuple) else (msg.string,)
            if isinstance(mid, tuple) and len(strs) != catalog.num_plurals:
                problems.append(f"{lang}: {shown!r} has {len(strs)} plural forms, {catalog.num_plurals} needed")
            want = {p for i in ids for p in _PLACEHOLDER.findall(i)}
            for s in strs:
                if not s:
                    problems.append(f"{lang}: untranslated {shown!r}")
                elif {p for p in _PLACEHOLDER.findall(s)} != want:
                    problems.append(f"{lang}: placeholders of {shown!r} differ: {s!r}")
    return problems
