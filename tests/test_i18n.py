"""Every catalog complete and unbroken; dates, lists and language tags through Babel."""

from __future__ import annotations

import datetime as dt
import gettext
import shutil

import pytest

from core import i18n
from core.i18n import LANGUAGES, Translator, check_catalogs, normalize_language


def test_every_catalog_is_complete_and_unbroken():
    assert check_catalogs() == []


def test_the_check_catches_missing_and_broken_messages(tmp_path, monkeypatch):
    copy = tmp_path / "locales"
    shutil.copytree(i18n.locales_dir(), copy)
    monkeypatch.setenv("MACHI_LOCALES_DIR", str(copy))
    vi = copy / "vi" / "LC_MESSAGES" / "machi.po"
    text = vi.read_text("utf-8")
    text = text.replace('msgstr "Ngày mai: {categories}"', 'msgstr "Ngày mai: {category}"')
    text = text.replace('msgstr "Ngày"', 'msgstr ""')
    vi.write_text(text, "utf-8")
    (copy / "ko" / "LC_MESSAGES" / "machi.po").unlink()
    problems = check_catalogs()
    assert "vi: placeholders of 'Tomorrow: {categories}' differ: 'Ngày mai: {category}'" in problems
    assert "vi: untranslated 'Date'" in problems
    assert any(p.startswith("ko: no catalog") for p in problems)


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("ja", "11月27日(金)"),
        ("ja@easy", "11月(がつ)27日(にち)(金(きん))"),
        ("en", "Fri, Nov 27"),
        ("pt_BR", "sex., 27 de nov."),
        ("ko", "11월 27일 (금)"),
        ("zh_Hans", "11月27日周五"),
        ("es", "vie, 27 nov"),
        ("vi", "Thứ 6, 27 thg 11"),
        ("tl", "Biy, Nob 27"),
    ],
)
def test_days_are_formatted_by_babel(lang, expected):
    assert Translator(lang).day(dt.date(2026, 11, 27)) == expected


def test_lists_follow_each_language():
    assert Translator("ja").join(["燃えるごみ", "資源物"]) == "燃えるごみ、資源物"
    assert Translator("en").join(["a", "b", "c"]) == "a, b, and c"
    assert Translator("pt_BR").join(["a", "b"]) == "a e b"


@pytest.mark.parametrize(
    "tag, lang",
    [
        ("pt-BR", "pt_BR"),
        ("pt", "pt_BR"),
        ("zh-Hans-CN", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("ja_JP.UTF-8", "ja"),
        ("ja-easy", "ja@easy"),
        ("ja@easy", "ja@easy"),
        ("fil-PH", "tl"),
        ("en-US", "en"),
        ("ES", "es"),
        ("vi-VN", "vi"),
    ],
)
def test_language_tags(tag, lang):
    assert normalize_language(tag) == lang


def test_unknown_languages_are_refused_or_fall_back():
    with pytest.raises(i18n.UnknownLanguage):
        normalize_language("zh-TW")  # no Traditional Chinese catalog yet
    assert normalize_language("de-DE", fallback="en") == "en"


def test_easy_japanese_is_a_tag_babel_and_gettext_accept(tmp_path):
    assert str(i18n.babel_locale("ja@easy")) == "ja@easy"
    # GNU gettext's own lookup finds the catalog folder named by the tag.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    mo = tmp_path / "ja@easy" / "LC_MESSAGES" / "machi.mo"
    mo.parent.mkdir(parents=True)
    with (i18n.locales_dir() / "ja@easy" / "LC_MESSAGES" / "machi.po").open("rb") as fh:
        catalog = read_po(fh)
    with mo.open("wb") as fh:
        write_mo(fh, catalog)
    t = gettext.translation("machi", localedir=tmp_path, languages=["ja@easy"])
    assert t.gettext("Garbage day: {categories}") == "きょうは {categories}の 日(ひ)です"


def test_all_languages_have_distinct_texts():
    texts = {lang: Translator(lang)("Next collection") for lang in LANGUAGES}
    assert len(set(texts.values())) == len(LANGUAGES)
