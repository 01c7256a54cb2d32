"""City content answered from city folders: places (grid index), events, news, the published bundle."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from backend.city import news as news_mod
from backend.errors import ApiError, not_found
from backend.settings import Settings
from core.bundle import current
from core.city import assets_dir
from core.events import Event, load_events
from core.events import query as query_events
from core.places import PlacesNotFound, load_places
from core.places.model import Place


def _roots(settings: Settings) -> list[Path]:
    return [Path(settings.data_dir), assets_dir()]  # each holds cities/<slug>


def city_dir(*, settings: Settings, city: str) -> Path:
    """The city's folder: the server's data directory first, else the bundled copy."""
    for root in _roots(settings):
        if (root / "cities" / city).is_dir():
            return root / "cities" / city
    raise not_found(f"city {city!r}")


def load(*, settings: Settings, city: str):
    """The city (core.city.City): the server's data directory first, else the bundled copy."""
    from core.city import CityNotFound, load_city

    for root in _roots(settings):
        try:
            return load_city(city, root)
        except CityNotFound:
            continue
    raise not_found(f"city {city!r}")


def places(*, settings: Settings, city: str):
    """The city's places (with their spatial index)."""
    for root in _roots(settings):
        try:
            return load_places(city, root)
        except PlacesNotFound:
            continue
    raise not_found(f"places of city {city!r}")


def events(*, settings: Settings, city: str) -> list[Event]:
    """The city's events (sorted by start)."""
    for root in _roots(settings):
        if (root / "cities" / city / "events.json").is_file():
            return load_events(city, root)
    city_dir(settings=settings, city=city)  # 404 for an unknown city
    return []


def news(*, settings: Settings, city: str) -> list[dict]:
    """The city's news items, newest first."""
    return news_mod.load_news(city_dir(settings=settings, city=city))


def parse_near(near: str) -> tuple[float, float]:
    """``LAT,LON`` -> floats, or a 422 naming the problem."""
    try:
        lat_s, lon_s = near.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise ApiError(
            422, "invalid", f"near must be LAT,LON in decimal degrees, not {near!r}", "near"
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ApiError(422, "invalid", f"near {near!r} is not a point on Earth", "near")
    return lat, lon


def find_places(
    *,
    settings: Settings,
    city: str,
    kind: str | None,
    near: str | None,
    radius: float | None,
    hazard: str | None,
    offset: int,
    limit: int,
) -> tuple[int, list[tuple[Place, int | None, float | None]]]:
    """(total, one page): nearest first around ``near`` (within ``radius`` if given), else in source order."""
    all_places = places(settings=settings, city=city)
    if near is None:
        if radius is not None:
            raise ApiError(422, "invalid", "radius needs near=LAT,LON", "radius")
        rows = [
            (p, None, None)
            for p in all_places
            if (kind is None or p.kind == kind) and (hazard is None or hazard in p.hazards)
        ]
        return len(rows), rows[offset : offset + limit]
    lat, lon = parse_near(near)
    index = all_places.index
    if radius is not None:
        hits = index.within(lat=lat, lon=lon, radius_m=radius, kind=kind, hazard=hazard)
        return len(hits), hits[offset : offset + limit]
    # Without a radius, "total" is every matching place; the index answers only the page asked for.
    counts = all_places.__dict__.setdefault("_counts", {})  # per loaded list: counted once, not per request
    if (kind, hazard) not in counts:
        counts[(kind, hazard)] = sum(
            1
            for p in all_places
            if (kind is None or p.kind == kind) and (hazard is None or hazard in p.hazards)
        )
    total = counts[(kind, hazard)]
    hits = index.nearest(lat=lat, lon=lon, kind=kind, hazard=hazard, limit=offset + limit)
    return total, hits[offset:]


def find_events(
    *, settings: Settings, city: str, start: dt.date | None, end: dt.date | None, category: str | None
) -> list[Event]:
    """Events overlapping [start, end] of a category."""
    return query_events(events(settings=settings, city=city), start=start, end=end, category=category)


def bundle(*, settings: Settings, city: str) -> tuple[dict, bytes]:
    """(manifest, bytes) of the city's published bundle."""
    found = current(city, settings.data_dir)
    if found is None or not found[1].is_file():
        raise not_found(f"published bundle of city {city!r} (run machi city publish {city})")
    return found[0], found[1].read_bytes()


def etag_of(payload: object) -> str:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
