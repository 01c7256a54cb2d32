"""Cell readers for 自治体標準オープンデータセット files: dates, times, booleans, lists, numbers.

Each returns ``(value, fix)``: ``fix`` names what was repaired ("" when the cell was clean);
a cell that cannot be read raises ``ValueError`` with the reason.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

TRUE_WORDS = {"1", "○", "〇", "◯", "有", "有り", "あり", "true", "yes", "y", "可"}
FALSE_WORDS = {"", "0", "×", "無", "無し", "なし", "false", "no", "n", "-", "不可"}

_ERAS = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988, "昭和": 1925, "S": 1925}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASH = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_KANJI = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_WAREKI = re.compile(r"^(令和|平成|昭和|R|H|S)(\d{1,2}|元)[年.](\d{1,2})[月.](\d{1,2})日?$")
_TIME = re.compile(r"^(\d{1,2})[:時](\d{2})(?::(\d{2}))?分?$")
_EXCEL_NUMBER = re.compile(r"^\d(?:\.\d+)?E\+\d+$", re.IGNORECASE)


def norm(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def parse_date(value: str) -> tuple[dt.date | None, str]:
    """``2026-05-28``, ``2026/5/28``, ``2026年5月28日``, ``20260528``, ``令和8年5月28日``, ``R8.5.28``."""
    text = norm(value)
    if not text:
        return None, ""
    fix = ""
    if m := _ISO.match(text):
        y, mo, d = m.groups()
        fix = "" if len(mo) == 2 and len(d) == 2 else f"{text!r} read as ISO"
    elif m := _SLASH.match(text) or _KANJI.match(text) or _COMPACT.match(text):
        y, mo, d = m.groups()
        fix = f"{text!r} read as ISO"
    elif m := _WAREKI.match(text):
        era, ey, mo, d = m.groups()
        y = str(_ERAS[era] + (1 if ey == "元" else int(ey)))
        fix = f"{text!r} (Japanese era) read as ISO"
    else:
        raise ValueError(f"{value!r} is not a date (expected YYYY-MM-DD, YYYY/M/D or 令和N年M月D日)")
    try:
        day = dt.date(int(y), int(mo), int(d))
    except ValueError:
        raise ValueError(f"{value!r} is not a real date") from None
    return day, (f"{fix} {day.isoformat()}" if fix else "")


def parse_time(value: str) -> tuple[str | None, str]:
    """``13:00``, ``9:00``, ``13時00分`` -> ``HH:MM``."""
    text = norm(value)
    if not text:
        return None, ""
    m = _TIME.match(text)
    if not m:
        raise ValueError(f"{value!r} is not a time (expected HH:MM)")
    h, mi = int(m.group(1)), int(m.group(2))
    if not (0 <= h <= 24 and 0 <= mi < 60) or (h == 24 and mi):
        raise ValueError(f"{value!r} is not a time of day")
    out = f"{h:02d}:{mi:02d}"
    return out, ("" if out == text else f"{text!r} read as {out}")


def parse_bool(value: str) -> bool:
    """``1``/``○``/``有`` true; blank/``0``/``×``/``無`` false; anything else is an error."""
    text = norm(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"{value!r} is not yes/no (expected 1, ○ or 有 for yes; blank, 0 or 無 for no)")


def parse_list(value: str) -> list[str]:
    """``a;b;c`` (also the full-width ；) -> ``["a", "b", "c"]``."""
    return [p.strip() for p in norm(value).split(";") if p.strip()]


def parse_coordinate(value: str, what: str) -> float | None:
    text = norm(value)
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{what} {value!r} is not a number")
    return number


def is_excel_mangled(value: str) -> bool:
    """``1.00E+12``: a long number code (法人番号, ID) that Excel turned into a float; digits are lost."""
    return bool(_EXCEL_NUMBER.match(norm(value)))
