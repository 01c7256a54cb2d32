"""Disaster mode view model against the real backend (in-process): card, shelters, dismiss, history, offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.viewmodels.city import CityViewModel
from app.viewmodels.disaster import LEVEL_COLOURS, DisasterViewModel
from core.places import load_places
from tests.app.conftest import closed_port_url, make_vm

JMA = Path(__file__).resolve().parents[1] / "fixtures" / "jma"
FLOOD_SHELTER = "E2420400001111"  # 伊勢寺小学校（体育館）: flood, landslide, earthquake ...


@pytest.fixture
def engine(backend_transport, tmp_path):
    from backend.db import get_engine
    from backend.settings import Settings

    return get_engine(Settings(data_dir=tmp_path).db_url())


def ingest(engine, name: str) -> None:
    from backend.alerts import service

    with Session(engine) as db:
        service.ingest(db_session=db, data=(JMA / name).read_bytes())


def open_shelter(engine, place_id: str) -> None:
    from backend.alerts import service

    with Session(engine) as db:
        service.set_shelter(db_session=db, city="matsusaka", place_id=place_id, is_open=True, actor="test")


async def disaster_vm(repo, transport, lang="en") -> DisasterViewModel:
    vm = make_vm(repo, transport=transport)
    await vm.load([lang])
    return DisasterViewModel(vm, CityViewModel(vm))


@pytest.mark.asyncio
async def test_level4_card_nearest_open_flood_shelter_dismiss_and_back_when_raised(
    repo, backend_transport, engine
):
    no_flood = next(p for p in load_places("matsusaka") if p.kind == "shelter" and "flood" not in p.hazards)
    open_shelter(engine, FLOOD_SHELTER)
    open_shelter(engine, no_flood.id)
    d = await disaster_vm(repo, backend_transport)
    assert await d.refresh() and d.card() is None  # nothing in force
    ingest(engine, "mie-r06-ooame-lv4-hatsuho.xml")
    assert await d.refresh()
    card = d.card()
    assert card is not None and card.alert.level == 4 and card.alert.level_text == "Level 4"
    assert (card.background, card.foreground) == LEVEL_COLOURS[4]
    assert card.alert.headline == "Level 4 Heavy rain danger warning issued for Matsusaka"
    assert card.alert.instruction.startswith("Level 4:") and card.alert.source.startswith("Source:")
    assert [s.id for s in card.shelters] == [FLOOD_SHELTER]  # open and designated for floods only
    assert card.shelters[0].label.startswith("伊勢寺小学校") and " to the " in card.shelters[0].label
    assert card.origin == "from the city centre"
    assert [r.level for r in d.active_rows()] == [4]
    d.dismiss()
    assert d.card() is None
    await d.refresh()
    assert d.card() is None  # the same level stays dismissed
    ingest(engine, "mie-r06-ooame-lv5.xml")
    await d.refresh()
    assert d.card().alert.level == 5 and d.card().background == "#0C000C"
    d.dismiss()
    ingest(engine, "mie-r06-ooame-lv5-to-lv4.xml")
    await d.refresh()
    assert d.card() is None  # lowered: no card ...
    ingest(engine, "mie-r06-ooame-kaijo.xml")
    await d.refresh()
    assert d.active_rows() == [] and d.card() is None
    assert [(h.change, h.level) for h in d.history()] == [
        ("lifted", 4),
        ("lowered", 4),
        ("raised", 5),
        ("issued", 4),
    ]


@pytest.mark.asyncio
async def test_level2_shows_on_home_but_no_card_and_position_is_used(repo, backend_transport, engine):
    open_shelter(engine, FLOOD_SHELTER)
    ingest(engine, "mie-r06-ooame-lv2.xml")
    d = await disaster_vm(repo, backend_transport, "ja")
    await d.refresh()
    assert [r.level_text for r in d.active_rows()] == ["レベル2"] and d.card() is None
    ingest(engine, "mie-r06-dosha-lv4.xml")
    await d.refresh()
    d.set_position(34.5713, 136.4830)  # next to the school
    card = d.card()
    assert card.alert.event == "landslide" and card.origin == "現在地から"
    assert [s.id for s in card.shelters] == [FLOOD_SHELTER] and card.shelters[0].distance.endswith("m")
    with pytest.raises(ValueError):
        d.set_position(136.5, 34.5 + 200)


@pytest.mark.asyncio
async def test_offline_keeps_the_last_alerts(repo):
    vm = make_vm(repo, base_url=closed_port_url())
    await vm.load(["en"])
    d = DisasterViewModel(vm, CityViewModel(vm))
    d.apply(
        {
            "active": [
                {
                    "id": "1",
                    "origin": "city",
                    "event": "evacuation",
                    "change": "issued",
                    "level": 4,
                    "drill": True,
                    "headline": "[DRILL] Evacuation order for Matsusaka",
                    "instruction": "Level 4: ...",
                    "source": "",
                    "issued_at": "2026-08-29T20:00:00Z",
                }
            ],
            "history": [],
            "open_shelters": [FLOOD_SHELTER],
        }
    )
    assert not await d.refresh()
    assert d.offline_note() == "No connection: showing the last alerts received."
    card = d.card()
    assert card.alert.drill == "DRILL" and [s.id for s in card.shelters] == [
        FLOOD_SHELTER
    ]  # any open shelter


@pytest.mark.asyncio
async def test_orders_for_other_areas_do_not_open_the_card(repo):
    vm = make_vm(repo)
    await vm.load(["en"])
    vm.settings.area_id = "mine"
    d = DisasterViewModel(vm, CityViewModel(vm))
    order = {
        "id": "1",
        "origin": "city",
        "event": "evacuation",
        "change": "issued",
        "level": 4,
        "drill": False,
        "headline": "Evacuation order",
        "instruction": "",
        "source": "",
        "issued_at": "2026-08-29T20:00:00Z",
    }
    d.apply({"active": [order | {"areas": ["elsewhere"]}], "history": [], "open_shelters": []})
    assert d.card() is None and d.active_rows() == []
    d.apply({"active": [order | {"areas": ["elsewhere", "mine"]}], "history": [], "open_shelters": []})
    assert d.card().alert.level == 4
