"""core.places: great-circle geometry, the grid index against a brute-force haversine, loading."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from core.places import (
    HAZARDS,
    Place,
    PlaceIndex,
    PlacesNotFound,
    bearing_deg,
    compass_point,
    haversine_m,
    in_japan,
    load_places,
    nearest,
)

GSI = Path(__file__).resolve().parents[2] / "assets" / "cities" / "matsusaka" / "places" / "source-gsi"


def _brute(features_file: str, *, lat: float, lon: float, hazard: str | None, limit: int):
    """An independent brute force straight over the GSI GeoJSON (not over core.places)."""
    from core.places.model import HAZARD_COLUMNS

    columns = {h: c for c, h in HAZARD_COLUMNS.items()}
    rows = []
    for f in json.loads((GSI / features_file).read_text("utf-8"))["features"]:
        p = f["properties"]
        if hazard and p.get(columns[hazard]) != "1":
            continue
        flon, flat = f["geometry"]["coordinates"]
        r = 6_371_008.8
        dphi = math.radians(flat - lat)
        dl = math.radians(flon - lon)
        h = (
            math.sin(dphi / 2) ** 2
            + math.cos(math.radians(lat)) * math.cos(math.radians(flat)) * math.sin(dl / 2) ** 2
        )
        rows.append((2 * r * math.asin(math.sqrt(h)), p["共通ID"]))
    rows.sort(key=lambda x: x[0])
    return rows[:limit]


# Points across the city: the castle, the station, the coast, the western mountains, outside.
POINTS = [(34.5759, 136.5258), (34.5785, 136.5345), (34.6200, 136.6000), (34.4000, 136.2000), (34.70, 136.90)]


@pytest.mark.parametrize("lat,lon", POINTS)
@pytest.mark.parametrize("hazard", [None, *HAZARDS])
def test_nearest_evacuation_sites_equal_a_brute_force_haversine_over_the_gsi_data(lat, lon, hazard):
    places = load_places("matsusaka")
    got = nearest(places, lat=lat, lon=lon, kind="evacuation", hazard=hazard, limit=7)
    want = _brute(
        "matsusaka_242047_shitei_kinkyu_hinan_basho.geojson", lat=lat, lon=lon, hazard=hazard, limit=7
    )
    assert [p.id for p, _, _ in got] == [pid for _, pid in want]
    assert [d for _, d, _ in got] == [round(d) for d, _ in want]
    if hazard:
        assert all(hazard in p.hazards for p, _, _ in got)
    if hazard == "volcano":  # no site in the city is designated for volcanic events
        assert got == []


def test_every_gsi_site_and_shelter_is_loaded_with_its_flags():
    places = load_places("matsusaka")
    evac = [p for p in places if p.kind == "evacuation"]
    shelters = [p for p in places if p.kind == "shelter"]
    assert (len(evac), len(shelters)) == (203, 184)
    counts = {h: sum(h in p.hazards for p in evac) for h in HAZARDS}
    # The hazard counts of the GSI data (see the data's README).
    assert counts["inland_flood"] == 166 and counts["landslide"] == 163 and counts["earthquake"] == 161
    assert counts["flood"] == 156 and counts["tsunami"] == 150 and counts["storm_surge"] == 36
    first = next(p for p in evac if p.id == "E2420400001201")
    assert first.name == "伊勢寺小学校（校舎）" and (first.lat, first.lon) == (34.571832, 136.482874)
    assert first.hazards == {"flood", "landslide", "earthquake", "tsunami", "inland_flood"}


def test_a_shelter_takes_the_hazards_of_the_evacuation_site_of_the_same_name():
    places = load_places("matsusaka")
    gym_site = next(p for p in places if p.kind == "evacuation" and p.name == "伊勢寺小学校（体育館）")
    gym_shelter = next(p for p in places if p.kind == "shelter" and p.name == "伊勢寺小学校（体育館）")
    assert gym_shelter.hazards == gym_site.hazards and gym_shelter.hazards
    other = next(p for p in places if p.kind == "shelter" and p.name == "優心作業所")
    assert other.hazards == frozenset()
    hits = nearest(places, lat=other.lat, lon=other.lon, kind="shelter", hazard="flood", limit=50)
    assert other not in [p for p, _, _ in hits]
    assert nearest(places, lat=other.lat, lon=other.lon, kind="shelter", limit=1)[0][0] == other


def test_haversine_and_bearing_known_values():
    # Tokyo station -> Osaka station: about 403 km, heading west-south-west.
    d = haversine_m(35.681236, 139.767125, 34.702485, 135.495951)
    assert 402_000 < d < 404_500
    assert 250 < bearing_deg(35.681236, 139.767125, 34.702485, 135.495951) < 262
    assert bearing_deg(34.0, 136.0, 35.0, 136.0) == 0.0
    assert bearing_deg(34.0, 136.0, 34.0, 137.0) == pytest.approx(89.7, abs=0.3)
    assert bearing_deg(35.0, 136.0, 34.0, 136.0) == 180.0
    assert compass_point(0) == "N" and compass_point(44) == "NE" and compass_point(350) == "N"
    assert compass_point(200) == "S" and compass_point(250) == "W" and compass_point(300) == "NW"
    assert haversine_m(34.5, 136.5, 34.5, 136.5) == 0


def test_japan_extent():
    assert in_japan(34.5759, 136.5258)
    assert not in_japan(136.5258, 34.5759)  # swapped
    assert not in_japan(0.0, 0.0)
    assert not in_japan(-4.0, 5.0)  # the Gulf of Guinea, off Africa


def _synthetic(n: int, seed: int) -> list[Place]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        hz = frozenset(h for h in HAZARDS if rng.random() < 0.3)
        kind = rng.choice(["evacuation", "shelter", "wifi"])
        out.append(Place(f"s{i}", kind, f"site {i}", rng.uniform(24.0, 45.5), rng.uniform(123.0, 146.0), hz))
    return out


@pytest.mark.parametrize("cell", [None, 0.01, 0.05, 0.5])  # None: the automatic size
def test_grid_index_equals_brute_force_on_a_japan_wide_random_set(cell):
    places = _synthetic(5000, seed=7)
    index = PlaceIndex(places, cell_deg=cell)
    rng = random.Random(11)
    for _ in range(150):
        lat, lon = rng.uniform(20.0, 47.0), rng.uniform(120.0, 150.0)
        kind = rng.choice([None, "evacuation", "wifi"])
        hazard = rng.choice([None, *HAZARDS])
        limit = rng.choice([1, 3, 10])
        got = index.nearest(lat=lat, lon=lon, kind=kind, hazard=hazard, limit=limit)
        want = nearest(places, lat=lat, lon=lon, kind=kind, hazard=hazard, limit=limit)  # plain list: scan
        assert [(p.id, d) for p, d, _ in got] == [(p.id, d) for p, d, _ in want]


def test_within_radius_and_far_queries():
    places = _synthetic(2000, seed=3)
    index = PlaceIndex(places)
    lat, lon = 35.0, 135.0
    hits = index.within(lat=lat, lon=lon, radius_m=150_000)
    brute = sorted((haversine_m(lat, lon, p.lat, p.lon), p.id) for p in places)
    assert [p.id for p, _, _ in hits] == [pid for d, pid in brute if d <= 150_000]
    # A point off Africa still gets the nearest site in Japan (clipped rings, no endless search).
    assert (
        index.nearest(lat=0.0, lon=0.0, limit=1)[0][0].id
        == nearest(places, lat=0.0, lon=0.0, limit=1)[0][0].id
    )
    assert PlaceIndex([]).nearest(lat=35, lon=135) == []


def test_unknown_kind_or_hazard_is_named():
    places = load_places("matsusaka")
    with pytest.raises(ValueError, match="unknown hazard 'lava'"):
        nearest(places, lat=34.5, lon=136.5, hazard="lava")
    with pytest.raises(ValueError, match="unknown place kind 'pub'"):
        nearest(places, lat=34.5, lon=136.5, kind="pub")


def test_load_places_reads_the_data_dir_and_says_what_is_missing(tmp_path):
    with pytest.raises(PlacesNotFound, match="no places for city 'nowhere'"):
        load_places("nowhere", data_dir=tmp_path)
    from core.places import save_places

    save_places(tmp_path / "cities" / "t" / "places.json", [Place("a", "wifi", "Spot", 35.0, 135.0)])
    loaded = load_places("t", data_dir=tmp_path)
    assert [(p.id, p.kind, p.name) for p in loaded] == [("a", "wifi", "Spot")]
