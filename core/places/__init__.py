"""Places of a city (shelters, evacuation sites, Wi-Fi, tourism, AED, childcare) and nearest queries.

A city's places live in ``<city folder>/places.json`` (``machi-places/1``), compiled by
``machi city import`` from GSI GeoJSON and 自治体標準オープンデータセット CSVs (core.opendata).

    places = load_places("some-city")
    for place, distance_m, bearing in nearest(places, lat=34.57, lon=136.53, kind="evacuation",
                                              hazard="flood", limit=3): ...
"""

from __future__ import annotations

import json
from pathlib import Path

from core.city import city_roots, write_json_atomic
from core.places.geo import bearing_deg, compass_point, haversine_m, in_japan
from core.places.index import Hit, PlaceIndex, brute_force_nearest
from core.places.model import HAZARD_COLUMNS, HAZARDS, KINDS, PLACES_FORMAT, Place

__all__ = [
    "HAZARDS",
    "HAZARD_COLUMNS",
    "KINDS",
    "Hit",
    "Place",
    "PlaceIndex",
    "PlaceList",
    "PlacesNotFound",
    "bearing_deg",
    "brute_force_nearest",
    "compass_point",
    "find_places_file",
    "haversine_m",
    "in_japan",
    "load_places",
    "nearest",
    "places_from_json",
    "places_to_json",
    "save_places",
]


class PlacesNotFound(LookupError):
    pass


class PlaceList(list):
    """The places of one city, with a spatial index built on first use."""

    meta: dict

    def __init__(self, places=(), meta: dict | None = None):
        super().__init__(places)
        self.meta = meta or {}
        self._index: PlaceIndex | None = None

    @property
    def index(self) -> PlaceIndex:
        if self._index is None or len(self._index) != len(self):
            self._index = PlaceIndex(self)
        return self._index


def places_to_json(places: list[Place], meta: dict | None = None) -> dict:
    return {"format": PLACES_FORMAT, **(meta or {}), "places": [p.to_json() for p in places]}


def places_from_json(data: dict) -> PlaceList:
    if data.get("format") != PLACES_FORMAT:
        raise ValueError(f"not a {PLACES_FORMAT} file (format {data.get('format')!r})")
    meta = {k: v for k, v in data.items() if k not in ("format", "places")}
    return PlaceList((Place.from_json(p) for p in data.get("places", [])), meta)


def find_places_file(city_slug: str, data_dir: Path | None = None) -> Path:
    roots = city_roots(data_dir)
    for root in roots:
        if (root / city_slug / "places.json").is_file():
            return root / city_slug / "places.json"
    raise PlacesNotFound(f"no places for city {city_slug!r} in {', '.join(str(r) for r in roots)}")


_CACHE: dict[tuple[Path, int], PlaceList] = {}


def load_places(city_slug: str, data_dir: Path | None = None) -> PlaceList:
    """Every place of a city (the data directory's import first, else the bundled copy)."""
    path = find_places_file(city_slug, data_dir)
    key = (path, path.stat().st_mtime_ns)
    if key not in _CACHE:
        _CACHE[key] = places_from_json(json.loads(path.read_text("utf-8")))
    return _CACHE[key]


def save_places(path: Path, places: list[Place], meta: dict | None = None) -> None:
    write_json_atomic(path, places_to_json(places, meta))


def nearest(
    places: list[Place],
    *,
    lat: float,
    lon: float,
    kind: str | None = None,
    hazard: str | None = None,
    limit: int = 5,
) -> list[tuple[Place, int, float]]:
    """The ``limit`` nearest places as (place, great-circle metres, initial bearing in degrees)."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown place kind {kind!r}; one of {', '.join(KINDS)}")
    if hazard is not None and hazard not in HAZARDS:
        raise ValueError(f"unknown hazard {hazard!r}; one of {', '.join(HAZARDS)}")
    index = places.index if isinstance(places, PlaceList) else None
    if index is None:
        return brute_force_nearest(places, lat=lat, lon=lon, kind=kind, hazard=hazard, limit=limit)
    return index.nearest(lat=lat, lon=lon, kind=kind, hazard=hazard, limit=limit)
