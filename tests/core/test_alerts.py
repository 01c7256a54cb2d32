"""JMA warning reader and change rules on every real document in tests/fixtures/jma and the derived Mie ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.alerts import jma, texts
from core.alerts.state import NONE, State, applies, change
from core.i18n import LANGUAGES

JMA = Path(__file__).resolve().parents[1] / "fixtures" / "jma"
MATSUSAKA = "2420400"


def doc(name: str) -> jma.Document:
    return jma.parse((JMA / name).read_bytes())


def state(name: str, area: str, event: str) -> tuple[int | None, str, str] | None:
    w = jma.snapshot(doc(name), area, None).get(event)
    return (w.level, w.name, w.status) if w else None


# (file, area code, event) -> (level, JMA name, status) of the strongest active warning, None when none.
REAL = [
    (
        "r06-ooame-abashiri-20260529-hatsuho-lv2.xml",
        "0154300",
        "heavy_rain",
        (2, "レベル２大雨注意報", "issued"),
    ),
    ("r06-ooame-abashiri-20260529-hatsuho-lv2.xml", "0121100", "heavy_rain", None),  # 網走市: none
    (
        "r06-ooame-miyazaki-20260728-hatsuho-lv2.xml",
        "4520800",
        "heavy_rain",
        (2, "レベル２大雨注意報", "issued"),
    ),
    (
        "r06-ooame-gifu-20260728-keizoku-lv3.xml",
        "2120100",
        "heavy_rain",
        (2, "レベル２大雨注意報", "continued"),
    ),
    (
        "r06-ooame-fukui-20260830-lv5-keizoku.xml",
        "1820100",
        "heavy_rain",
        (5, "レベル５大雨特別警報", "continued"),
    ),
    (
        "r06-ooame-fukui-20260830-lv5-keizoku.xml",
        "1821000",
        "heavy_rain",
        (4, "レベル４大雨危険警報", "continued"),
    ),
    (
        "r06-ooame-fukui-20260830-lv5-keizoku.xml",
        "1820700",
        "heavy_rain",
        (3, "レベル３大雨警報", "continued"),
    ),
    ("r06-ooame-fukui-20260830-lv5-keizoku.xml", "1842300", "heavy_rain", (3, "レベル３大雨警報", "issued")),
    (
        "r06-ooame-fukui-20260830-lv5-to-lv4.xml",
        "1820100",
        "heavy_rain",
        (4, "レベル４大雨危険警報", "changed"),
    ),
    ("r06-ooame-fukui-20260830-kaijo.xml", "1820100", "heavy_rain", None),
    (
        "r06-dosha-niigata-20260726-lv4-keizoku-kaijo.xml",
        "1510000",
        "landslide",
        (4, "レベル４土砂災害危険警報", "continued"),
    ),
    ("r06-dosha-niigata-20260726-lv4-keizoku-kaijo.xml", "1520400", "landslide", None),  # 三条市 解除
    (
        "r06-takashio-okinawa-20260531-hatsuho-lv2.xml",
        "4721500",
        "storm_surge",
        (2, "レベル２高潮注意報", "issued"),
    ),
    ("r06-takashio-okinawa-20260601-kaijo.xml", "4721500", "storm_surge", None),
    ("r06-bofu-tokyo-20260528-hatsuho.xml", "1340100", "wind", (None, "強風注意報", "issued")),
    ("r06-bofu-tokyo-20260528-hatsuho.xml", "1310100", "wind", None),  # 千代田区: none
    ("r06-haro-tokyo-20260528-hatsuho.xml", "1340100", "waves", (None, "波浪注意報", "issued")),
    ("r06-sonota-niigata-20260721-kaijo.xml", "1520200", "thunder", None),
    ("h27-vpww54-niigata-20260728.xml", "1510000", "heavy_rain", (2, "大雨注意報", "continued")),
    ("h27-vpww54-niigata-20260728.xml", "1510000", "thunder", (None, "雷注意報", "continued")),
    ("h27-vpww54-niigata-20260728.xml", "1510000", "wind", (None, "強風注意報", "continued")),
    ("h27-vpww53-toyama-20260728.xml", "1620113", "heavy_rain", (3, "大雨警報", "continued")),
    ("h27-vpww53-toyama-20260728.xml", "1620111", "heavy_rain", (2, "大雨注意報", "continued")),
]


@pytest.mark.parametrize(("name", "area", "event", "expected"), REAL)
def test_real_documents_state(name, area, event, expected):
    assert state(name, area, event) == expected


def test_every_real_document_is_read_or_refused_with_its_reason():
    read = {p.name for p in JMA.glob("*.xml") if not p.name.startswith("mie-")}
    other = {"dosha-keikai-vxww50-toyama-20260728-lv4.xml", "kasen-vxko-taiheigawa-20260730-lv3.xml"}
    for name in sorted(read):
        if name in other:
            with pytest.raises(jma.OtherJmaDocument, match="not a weather warning"):
                doc(name)
            continue
        d = doc(name)
        assert d.scheme in ("R06", "H27") and d.office.endswith(("気象台", "本庁"))
        assert len(d.items) >= 17  # every municipality of the office, each time
    assert len(read) == 16  # + the Atom feed, tested below


def test_lifts_are_read_as_lifted():
    lifted = doc("r06-ooame-fukui-20260830-kaijo.xml").for_area("1820100")
    assert [(w.event, w.status, w.active) for w in lifted] == [("heavy_rain", "lifted", False)]
    thunder = doc("r06-sonota-niigata-20260721-kaijo.xml").for_area("1520200")
    assert [(w.event, w.level, w.status) for w in thunder] == [("thunder", None, "lifted")]


def test_product_phenomena():
    assert doc("r06-ooame-fukui-20260830-kaijo.xml").phenomena == ("heavy_rain",)
    assert doc("r06-dosha-niigata-20260726-lv4-keizoku-kaijo.xml").phenomena == ("landslide",)
    assert "thunder" in doc("r06-sonota-niigata-20260721-kaijo.xml").phenomena
    h27 = doc("h27-vpww54-niigata-20260728.xml")
    assert h27.scheme == "H27" and {"heavy_rain", "wind", "thunder", "snow"} <= set(h27.phenomena)


def test_not_documents(tmp_path):
    with pytest.raises(jma.NotJmaDocument, match="Atom feed"):
        jma.parse(
            Path("/work/shared/data/jma/atom-other_l-20260728.xml").read_bytes()
            if Path("/work/shared/data/jma/atom-other_l-20260728.xml").exists()
            else b'<feed xmlns="http://www.w3.org/2005/Atom"/>'
        )
    with pytest.raises(jma.NotJmaDocument, match="not XML"):
        jma.parse(b"hello")
    with pytest.raises(jma.NotJmaDocument, match="root element"):
        jma.parse(b"<Report/>")  # no JMA namespace: names are not matched as strings
    broken = (
        (JMA / "r06-ooame-fukui-20260830-kaijo.xml")
        .read_text("utf-8")
        .replace("<DateTime>2026-08-30T11:04:49Z</DateTime>", "<DateTime>yesterday</DateTime>")
    )
    with pytest.raises(jma.NotJmaDocument, match="Control/DateTime"):
        jma.parse(broken)
    assert not isinstance(jma.NotJmaDocument("x"), jma.OtherJmaDocument)


def test_kind_names():
    assert jma.kind_of("レベル４大雨危険警報") == ("heavy_rain", 4, 4)
    assert jma.kind_of("大雨特別警報") == ("heavy_rain", 5, 5)
    assert jma.kind_of("暴風警報") == ("wind", None, 3)
    assert jma.kind_of("火山") is None
    assert jma.status_of("特別警報から危険警報") == "changed"
    with pytest.raises(jma.NotJmaDocument, match="unknown warning status"):
        jma.status_of("たぶん")


# ---------------------------------------------------------------- derived Mie documents (tests/fixtures/jma/README.md)


def test_mie_documents_concern_matsusaka_only():
    d = doc("mie-r06-ooame-lv4-hatsuho.xml")
    assert d.office == "津地方気象台"
    assert [(w.level, w.status) for w in d.for_area(MATSUSAKA)] == [(4, "issued")]
    assert [w.level for w in d.for_area("2420100")] == [5]  # 津市: not ours
    # Real documents from other offices do not mention Matsusaka at all.
    for p in JMA.glob("r06-*.xml"):
        assert jma.parse(p.read_bytes()).for_area(MATSUSAKA) == []


def _run(names: list[str], area_name: str = "松阪市") -> list[tuple[str, str, int | None]]:
    """Feed documents in order; return (event, change, level) of every change (the backend's rule)."""
    current: dict[str, State] = {}
    out = []
    for name in names:
        d = doc(name)
        for event, w in jma.snapshot(d, MATSUSAKA, area_name).items():
            before = current.get(event, NONE)
            if not applies(before, d.scheme):
                continue
            after = State.of(w, d.scheme)
            current[event] = after
            c = change(before, after)
            if c:
                out.append((event, c.kind, c.level))
    return out


def test_sequence_issue_raise_lower_lift():
    assert _run(
        [
            "mie-r06-ooame-lv4-hatsuho.xml",
            "mie-r06-ooame-lv4-hatsuho.xml",
            "mie-r06-ooame-lv5.xml",
            "mie-r06-ooame-lv5-to-lv4.xml",
            "mie-r06-ooame-kaijo.xml",
        ]
    ) == [
        ("heavy_rain", "issued", 4),
        ("heavy_rain", "raised", 5),
        ("heavy_rain", "lowered", 4),
        ("heavy_rain", "lifted", 4),
    ]


def test_r06_and_h27_of_the_same_state_change_once_in_either_order():
    r06_first = _run(["mie-r06-ooame-lv2.xml", "mie-h27-vpww54-lv2.xml"])
    h27_first = _run(["mie-h27-vpww54-lv2.xml", "mie-r06-ooame-lv2.xml"])
    for changes in (r06_first, h27_first):
        assert [c for c in changes if c[0] == "heavy_rain"] == [("heavy_rain", "issued", 2)]


def test_h27_never_overrides_r06():
    # R06 says level 4 and H27's names say 大雨注意報 (old names under-report): no lowering.
    assert _run(["mie-r06-ooame-lv4-hatsuho.xml", "mie-h27-vpww54-lv2.xml"])[:1] == [
        ("heavy_rain", "issued", 4)
    ]
    assert ("heavy_rain", "lowered", 2) not in _run(
        ["mie-r06-ooame-lv4-hatsuho.xml", "mie-h27-vpww54-lv2.xml"]
    )


def test_h27_notice_carries_level_4():
    assert _run(["mie-h27-vpww53-notice-lv4.xml"])[0] == ("heavy_rain", "issued", 4)
    # Without the city's area name the Notice cannot be matched: the names alone say level 2.
    w = jma.snapshot(doc("mie-h27-vpww53-notice-lv4.xml"), MATSUSAKA, None)["heavy_rain"]
    assert (w.level, w.name) == (2, "大雨注意報")


def test_other_phenomena_and_lifts():
    assert _run(["mie-r06-takashio-lv2.xml", "mie-r06-takashio-kaijo.xml"]) == [
        ("storm_surge", "issued", 2),
        ("storm_surge", "lifted", 2),
    ]
    assert _run(["mie-r06-dosha-lv4.xml"]) == [("landslide", "issued", 4)]


def test_push_rules():
    lv4 = State(active=True, level=4, rank=4, name="x", source="R06")
    lv3 = State(active=True, level=3, rank=3, name="y", source="R06")
    assert change(NONE, lv4).push and change(NONE, lv4).time_sensitive
    assert change(NONE, lv3).push and not change(NONE, lv3).time_sensitive
    assert change(lv3, lv4).kind == "raised" and change(lv3, lv4).push
    assert change(lv4, lv3).kind == "lowered" and not change(lv4, lv3).push
    assert change(lv4, State(active=False, source="R06")).kind == "lifted"
    assert change(lv4, lv4) is None


@pytest.mark.parametrize("lang", LANGUAGES)
def test_alert_texts_in_every_language(lang):
    text = texts.jma_alert(
        lang, change="issued", event="heavy_rain", rank=4, level=4, jma_name="レベル４大雨危険警報", area="X"
    )
    assert "X" in text.headline and text.instruction and text.source
    if lang == "ja":
        assert text.headline.startswith("レベル４大雨危険警報") and "気象庁" in text.source
    if lang == "en":
        assert text.headline == "Level 4 Heavy rain danger warning issued for X"
        assert text.instruction.startswith("Level 4: everyone must leave")
    lifted = texts.jma_alert(
        lang, change="lifted", event="heavy_rain", rank=4, level=4, jma_name="", area="X"
    )
    assert lifted.instruction != text.instruction
    drill = texts.evacuation_alert(lang, level=4, area="X", drill=True)
    assert drill.headline.startswith("[")


# ---------------------------------------------------------------- machi alerts parse (the CLI contract)


def _parse_cli(path: Path, *extra: str):
    from typer.testing import CliRunner

    from cli.main import app

    return CliRunner().invoke(app, ["alerts", "parse", str(path), *extra, "--json"])


@pytest.mark.parametrize("path", sorted(JMA.glob("*.xml")), ids=lambda p: p.name)
def test_cli_parse_every_document(path):
    import json

    result = _parse_cli(path)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    expected = [
        {"event": w.event, "level": w.level, "status": w.status, "name": w.name, "area_code": MATSUSAKA}
        for w in (doc(path.name).for_area(MATSUSAKA) if path.name.startswith("mie-") else [])
    ]
    assert rows == expected
    assert all(set(r) == {"event", "level", "status", "name", "area_code"} for r in rows)
    if path.name == "mie-r06-ooame-lv4-hatsuho.xml":
        assert rows == [
            {
                "event": "heavy_rain",
                "level": 4,
                "status": "issued",
                "name": "レベル４大雨危険警報",
                "area_code": MATSUSAKA,
            }
        ]


def test_cli_parse_errors(tmp_path):
    bad = tmp_path / "x.xml"
    bad.write_text("<html/>")
    assert _parse_cli(bad).exit_code == 2
    assert _parse_cli(tmp_path / "missing.xml").exit_code == 2
    assert _parse_cli(JMA / "mie-r06-ooame-kaijo.xml", "--city", "nowhere").exit_code == 2
