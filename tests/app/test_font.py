"""The bundled font covers every character the app can show from its catalogs and city data
(Flutter web ignores system fonts: a missing glyph is a tofu box in the offline web build)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.views.theme import FONT_FILE

REPO = Path(__file__).resolve().parents[2]


def test_the_font_subset_covers_the_catalogs_and_city_data():
    ttlib = pytest.importorskip("fontTools.ttLib", reason="pip install fonttools brotli (dev extra)")
    pytest.importorskip("brotli")
    cmap = ttlib.TTFont(REPO / "assets" / FONT_FILE).getBestCmap()
    files = [*REPO.glob("locales/*/LC_MESSAGES/machi.po"), *REPO.glob("assets/cities/**/*.json")]
    assert len(files) > 9
    missing = {
        ch: f.relative_to(REPO).as_posix()
        for f in files
        for ch in f.read_text("utf-8")
        if ord(ch) > 32 and ch.isprintable() and ord(ch) not in cmap
    }
    assert not missing, f"rebuild with `python -m app.tools.build_font`; missing: {missing}"
    for text in ("燃えるごみ", "설정", "垃圾", "Tiếng Việt", "português"):
        assert all(ord(ch) in cmap for ch in text.replace(" ", ""))
