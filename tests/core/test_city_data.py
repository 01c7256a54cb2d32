"""The bundled city data: complete translations, sources noted, nothing Matsusaka-specific in code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.city import load_city
from core.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
KANJI = re.compile(r"[\u3400-\u9fff々]")


@pytest.fixture(scope="module")
def city():
    return load_city("matsusaka")


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "ja"])
def test_every_item_notice_and_category_is_translated(city, lang):
    tr = city.garbage_translations(lang)
    g = city.garbage
    missing = [i.name for i in g.items if not tr["items"].get(i.name)]
    missing += [i.notice for i in g.items if i.notice and not tr["notices"].get(i.notice)]
    missing += [c.label for c in g.categories if not tr["categories"].get(c.label)]
    assert missing == []
    # No stale keys: every translated string belongs to the data.
    assert set(tr["items"]) <= {i.name for i in g.items}
    assert set(tr["notices"]) <= {i.notice for i in g.items}


def test_easy_japanese_gives_a_reading_after_kanji(city):
    tr = city.garbage_translations("ja@easy")
    for text in [*tr["categories"].values(), *tr["items"].values(), *tr["notices"].values()]:
        # Every run of kanji is followed by its reading in parentheses.
        for m in re.finditer(r"[\u3400-\u9fff々]+", text):
            assert text[m.end() : m.end() + 1] == "(", f"{text!r}: {m.group()!r} has no reading"


def test_foreign_languages_are_not_left_in_japanese(city):
    for lang in ["en", "pt_BR", "vi", "tl", "es", "ko"]:
        tr = city.garbage_translations(lang)
        left = [v for v in tr["items"].values() if KANJI.search(v)]
        # Names residents must recognise on a label may keep their Japanese in brackets; whole
        # untranslated names may not.
        assert all(re.search(r"[A-Za-zÀ-ỹ가-힣]", v) for v in left), left


def test_sources_and_licences_are_noted():
    for city_dir in (ROOT / "assets" / "cities").iterdir():
        source = (city_dir / "SOURCE.md").read_text("utf-8")
        assert "licence" in source.lower() or "license" in source.lower()


CITY_WORDS = ("松阪", "旧松阪市", "旭ヶ丘", "242047")


def test_no_city_specific_code():
    code = "\n".join(p.read_text("utf-8") for d in ("core", "cli") for p in (ROOT / d).rglob("*.py"))
    for word in CITY_WORDS:
        assert word not in code


@pytest.mark.parametrize("folder", ["backend", "app"])
def test_no_city_named_in_the_push_service_or_the_app(folder):
    """The backend and the app take their city from data and settings: the bundled city is not
    named in their code, not even as a default, an example or in a comment."""
    found = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in sorted((ROOT / folder).rglob("*.py"))
        for n, line in enumerate(p.read_text("utf-8").splitlines(), 1)
        if any(word in line.lower() for word in ("matsusaka", "松阪", "242047"))
    ]
    assert found == []
