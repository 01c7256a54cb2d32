"""Issue 15 in-process: the page language of every app language, the demo-only date override,
and the sizes that keep labels whole at 200 % on a 320-px phone."""

from __future__ import annotations

import pytest

from app.views import a11y
from app.views.theme import nav_label_size
from core.i18n import LANGUAGES, Translator
from tests.app.conftest import make_vm


def test_every_app_language_has_a_page_language_and_flutter_locale():
    tags = {lang: a11y.bcp47(lang) for lang in LANGUAGES}
    assert tags == {
        "ja": "ja",
        "ja@easy": "ja",  # やさしい日本語 is Japanese to a screen reader
        "en": "en",
        "pt_BR": "pt-BR",
        "vi": "vi",
        "tl": "tl",
        "zh_Hans": "zh-Hans",
        "ko": "ko",
        "es": "es",
    }
    conf = a11y.locale_configuration("pt_BR")
    assert conf.current_locale.language_code == "pt" and conf.current_locale.country_code == "BR"
    assert conf.current_locale in conf.supported_locales  # Flet ignores a current locale it does not support
    assert len(conf.supported_locales) == 8  # ja and ja@easy share one


@pytest.mark.asyncio
async def test_the_date_override_is_offered_only_in_demo_mode(repo):
    assert make_vm(repo).demo_mode  # MACHI_TODAY (tests, demos)
    resident = make_vm(repo, today=None)
    assert not resident.demo_mode
    resident.settings.date_override = "2014-05-08"  # pinned before: it can still be cleared
    assert resident.demo_mode


def test_tab_labels_grow_with_the_text_size_but_never_break_a_word():
    from app.viewmodels.garbage import text_width

    for lang in ("ja", "en", "vi", "pt_BR"):
        t = Translator(lang)
        labels = [t(x) for x in ("Home", "Garbage", "Handbook", "Pay", "City")]
        for width in (320, 360, 412):
            small, large = nav_label_size(1.0, width, labels), nav_label_size(2.0, width, labels)
            assert small <= large <= 24
            words = [w for label in labels for w in label.split()]
            # every word fits its tab (by the generous width estimate) unless the 11-px floor applies
            assert large == 11.0 or max(text_width(w, large) for w in words) <= width / 5 - 12 + 0.01
    # where there is room, 200 % text gives larger labels than 100 %
    vi = Translator("vi")
    assert nav_label_size(2.0, 412, [vi("Home"), vi("Pay")]) > nav_label_size(
        1.0, 412, [vi("Home"), vi("Pay")]
    )


def test_fitting_size_shrinks_only_what_would_be_cut_off():
    assert a11y.fitting_size(32, 1000, ["English"]) == 32
    assert a11y.fitting_size(32, 100, ["português (Brasil)"]) < 32
    assert a11y.fitting_size(32, 100, []) == 32
