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
import unicodedata
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
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
    "ja-easy": "ja@easy",
    "ja_easy": "ja@easy",
    "easy": "ja@easy",
    "ja-x-easy": "ja@easy",
    "pt": "pt_BR",
    "zh": "zh_Hans",
    "zh_cn": "zh_Hans",
    "zh_sg": "zh_Hans",
    "fil": "tl",
}


class UnknownLanguage(ValueError):
    pass


def N_(message: str) -> str:
    """Mark a message for extraction (``machi i18n update``) where it is defined; translate it
    with ``Translator`` where it is shown."""
    return message


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


def first_language(tags: list[str], fallback: str = SOURCE_LANGUAGE) -> str:
    """The first of the device's language tags that Machi speaks (``ja-JP`` -> ja, ``pt-BR`` -> pt_BR),
    else ``fallback``."""
    for tag in tags:
        lang = normalize_language(tag, fallback="")
        if lang:
            return lang
    return fallback


def pick(texts: dict[str, str], lang: str, default: str = "") -> str:
    """A text given per language (staff texts, city names): ``lang``, else its base language
    (``pt`` for ``pt_BR``, ``ja`` for ``ja@easy``), else Japanese (the city's own), else any."""
    if texts.get(lang):
        return texts[lang]
    base = lang.split("_")[0].split("@")[0]
    return texts.get(base) or texts.get("ja") or next((v for v in texts.values() if v), default)


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

    # Dates through Babel: 「11月27日(金)」, "Fri, Nov 27"; やさしい日本語 adds the readings:
    # 「11月(がつ)27日(にち)(金(きん))」.
    def day(self, day: dt.date) -> str:
        return self._easy(format_skeleton("MMMEd", day, locale=self.locale))

    def long_day(self, day: dt.date) -> str:
        return self._easy(format_date(day, format="full", locale=self.locale))

    def month(self, day: dt.date) -> str:
        return self._easy(format_skeleton("yMMMM", day, locale=self.locale))

    def _easy(self, text: str) -> str:
        return easy_date_readings(text) if self.lang == "ja@easy" else text

    # Times through Babel, the locale's short format everywhere: "7:00 PM", 「19:00」, "오후 7:00".
    def time(self, value: dt.time) -> str:
        return format_time(value, format="short", locale=self.locale)

    def parse_time(self, text: str) -> dt.time | None:
        """A time as a resident writes it in this language: what ``time`` shows ("7:00 PM",
        「午後7:00」, "오후 7:00") or 24-hour ``19:00``; None if it is not a time."""
        return parse_local_time(text, self.locale)

    def join(self, names: list[str]) -> str:
        """「燃えるごみ、資源物」, "Burnable and recyclables" (Babel list patterns)."""
        return format_list(names, style="standard", locale=self.locale) if names else ""

    def weekday_short(self, weekday: int) -> str:
        """Mon=0 ... Sun=6, abbreviated in this language."""
        return self.locale.days["format"]["abbreviated"][weekday]

    def weekday_narrow(self, weekday: int) -> str:
        """Mon=0 ... Sun=6, CLDR's narrow stand-alone form (calendar headers short of space)."""
        return self.locale.days["stand-alone"]["narrow"][weekday]

    def language_name(self, lang: str | None = None) -> str:
        lang = lang or self.lang
        if lang == "ja@easy":
            return "やさしい にほんご"
        return babel_locale(lang).get_display_name(babel_locale(lang)) or lang


# やさしい日本語: readings after the kanji of a Babel date, as the catalog writes them.
_DAY_READINGS = {
    1: "ついたち",
    2: "ふつか",
    3: "みっか",
    4: "よっか",
    5: "いつか",
    6: "むいか",
    7: "なのか",
    8: "ようか",
    9: "ここのか",
    10: "とおか",
    14: "じゅうよっか",
    20: "はつか",
    24: "にじゅうよっか",
}
_WEEKDAY_READINGS = {
    "月": "げつ",
    "火": "か",
    "水": "すい",
    "木": "もく",
    "金": "きん",
    "土": "ど",
    "日": "にち",
}
_EASY_DATE = re.compile(r"(\d+)年|(\d+)月|(\d+)日|([月火水木金土日])曜日|\(([月火水木金土日])\)")


def easy_date_readings(text: str) -> str:
    """「2014年5月8日木曜日」 -> 「2014年(ねん)5月(がつ)8日(ようか)木曜日(もくようび)」."""

    def ruby(m: re.Match) -> str:
        year, month, day, weekday, short = m.groups()
        if year:
            return f"{year}年(ねん)"
        if month:
            return f"{month}月(がつ)"
        if day:
            return f"{day}日({_DAY_READINGS.get(int(day), 'にち')})"
        if weekday:
            return f"{weekday}曜日({_WEEKDAY_READINGS[weekday]}ようび)"
        return f"({short}({_WEEKDAY_READINGS[short]}))"

    return _EASY_DATE.sub(ruby, text)


_CLOCK = re.compile(r"(\d{1,2})(?:\s*[:.時h]\s*(\d{2}))?")


def parse_local_time(text: str, locale: Locale) -> dt.time | None:
    """Hours and minutes plus the locale's (CLDR) AM/PM markers, in any of their widths."""
    value = unicodedata.normalize("NFKC", text or "").casefold().replace("\u202f", " ")
    m = _CLOCK.search(value)
    if not m or _CLOCK.search(value, m.end()):
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    rest = (value[: m.start()] + " " + value[m.end() :]).replace(".", "").replace(" ", "")
    marks = {"am": {"am", "a"}, "pm": {"pm", "p"}}
    for width in ("abbreviated", "wide", "narrow"):
        for period in marks:
            mark = locale.day_periods["format"][width].get(period)
            if mark:
                marks[period].add(
                    unicodedata.normalize("NFKC", mark).casefold().replace(".", "").replace(" ", "")
                )
    period = next((p for p, names in marks.items() if rest in names), None)
    if rest and period is None:
        return None
    if period is not None and not 1 <= hour <= 12:
        return None
    if period == "pm" and hour < 12:
        hour += 12
    elif period == "am" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return dt.time(hour, minute)


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
                problems.append(
                    f"{lang}: {shown!r} has {len(strs)} plural forms, {catalog.num_plurals} needed"
                )
            want = {p for i in ids for p in _PLACEHOLDER.findall(i)}
            for s in strs:
                if not s:
                    problems.append(f"{lang}: untranslated {shown!r}")
                elif {p for p in _PLACEHOLDER.findall(s)} != want:
                    problems.append(f"{lang}: placeholders of {shown!r} differ: {s!r}")
    return problems
