"""A spatial index: places bucketed in a lat/lon grid, searched ring by ring outwards.

Pure Python (loads in Pyodide). A nearest query looks only at the cells around the point
until the next ring of cells cannot hold anything closer than the k-th answer so far.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Iterable

from core.places.geo import EARTH_RADIUS_M, bearing_deg, haversine_m
from core.places.model import Place

Hit = tuple[Place, int, float]
_M_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180.0


def _matches(place: Place, kind: str | None, hazard: str | None) -> bool:
    return (kind is None or place.kind == kind) and (hazard is None or hazard in place.hazards)


class PlaceIndex:
    """Grid of ``cell_deg`` x ``cell_deg`` buckets over the places given."""

    def __init__(self, places: Iterable[Place], cell_deg: float | None = None):
        self.places: list[Place] = list(places)
        self.cell = cell_deg or self.auto_cell(self.places)
        self._cells: dict[tuple[int, int], list[tuple[int, Place]]] = defaultdict(list)
        for n, p in enumerate(self.places):
            self._cells[self._key(p.lat, p.lon)].append((n, p))
        keys = list(self._cells)
        self._bounds = (
            (
                min(k[0] for k in keys),
                max(k[0] for k in keys),
                min(k[1] for k in keys),
                max(k[1] for k in keys),
            )
            if keys
            else (0, -1, 0, -1)
        )

    def __len__(self) -> int:
        return len(self.places)

    @staticmethod
    def auto_cell(places: list[Place]) -> float:
        """A cell size giving a few places per occupied cell: about twice the mean spacing."""
        if len(places) < 2:
            return 0.05
        lats = [p.lat for p in places]
        lons = [p.lon for p in places]
        area = max(max(lats) - min(lats), 0.01) * max(max(lons) - min(lons), 0.01)
        return min(1.0, max(0.005, 2 * math.sqrt(area / len(places))))

    def _key(self, lat: float, lon: float) -> tuple[int, int]:
        return (math.floor(lat / self.cell), math.floor(lon / self.cell))

    def _ring(self, ci: int, cj: int, r: int) -> Iterable[list[tuple[int, Place]]]:
        """The non-empty buckets at Chebyshev distance ``r`` cells, clipped to the data's extent."""
        i0, i1, j0, j1 = self._bounds
        cells = self._cells
        for i in range(max(i0, ci - r), min(i1, ci + r) + 1):
            if abs(i - ci) == r:
                js: Iterable[int] = range(max(j0, cj - r), min(j1, cj + r) + 1)
            else:
                js = [j for j in {cj - r, cj + r} if j0 <= j <= j1]
            for j in js:
                if bucket := cells.get((i, j)):
                    yield bucket

    def _ring_floor_m(self, lat: float, r: int) -> float:
        """A lower bound of the great-circle distance from the query to any point outside ring ``r``."""
        if r <= 0:
            return 0.0
        # Outside ring r a point is more than r cells away in latitude (then at least that
        # meridian arc away), or within (r+1) cells in latitude and more than r in longitude:
        # sin^2(d/2R) >= cos(phi1) cos(phi2) sin^2(dlon/2) >= cos^2(phi_max) sin^2(dlon/2).
        by_lat = r * self.cell * _M_PER_DEG_LAT
        phi_max = math.radians(min(90.0, abs(lat) + (r + 1) * self.cell))
        s = math.cos(phi_max) * math.sin(math.radians(r * self.cell) / 2)
        by_lon = 2 * EARTH_RADIUS_M * math.asin(min(1.0, s))
        return min(by_lat, by_lon)

    def _ring_span(self, ci: int, cj: int) -> tuple[int, int]:
        """The first and last rings that can hold data."""
        i0, i1, j0, j1 = self._bounds
        di = max(i0 - ci, 0, ci - i1)
        dj = max(j0 - cj, 0, cj - j1)
        far = max(abs(ci - i0), abs(ci - i1), abs(cj - j0), abs(cj - j1))
        return max(di, dj), far

    def nearest(
        self,
        *,
        lat: float,
        lon: float,
        kind: str | None = None,
        hazard: str | None = None,
        limit: int = 5,
        radius_m: float | None = None,
        accept: Callable[[Place], bool] | None = None,
    ) -> list[Hit]:
        """The ``limit`` nearest places (matching kind and hazard), nearest first; ties by input order."""
        if limit <= 0 or not self.places:
            return []
        ci, cj = self._key(lat, lon)
        worst: list[tuple[float, int, Place]] = []  # heap of (-distance, -position): worst on top
        first, last = self._ring_span(ci, cj)
        for r in range(first, last + 1):
            floor = self._ring_floor_m(lat, r - 1)  # nothing in rings >= r is closer than this
            if len(worst) >= limit and floor > -worst[0][0]:
                break
            if radius_m is not None and floor > radius_m:
                break
            for bucket in self._ring(ci, cj, r):
                for n, p in bucket:
                    if not _matches(p, kind, hazard) or (accept is not None and not accept(p)):
                        continue
                    d = haversine_m(lat, lon, p.lat, p.lon)
                    if radius_m is not None and d > radius_m:
                        continue
                    item = (-d, -n, p)
                    if len(worst) < limit:
                        heapq.heappush(worst, item)
                    elif (d, n) < (-worst[0][0], -worst[0][1]):
                        heapq.heapreplace(worst, item)
        ordered = sorted((-nd, -nn, p) for nd, nn, p in worst)
        return [(p, round(d), bearing_deg(lat, lon, p.lat, p.lon)) for d, _, p in ordered]

    def within(
        self, *, lat: float, lon: float, radius_m: float, kind: str | None = None, hazard: str | None = None
    ) -> list[Hit]:
        """Every matching place within ``radius_m``, nearest first."""
        return self.nearest(
            lat=lat, lon=lon, kind=kind, hazard=hazard, limit=len(self.places), radius_m=radius_m
        )


def brute_force_nearest(
    places: Iterable[Place],
    *,
    lat: float,
    lon: float,
    kind: str | None = None,
    hazard: str | None = None,
    limit: int = 5,
) -> list[Hit]:
    """The same answer as ``PlaceIndex.nearest`` by a full scan (tests and tiny lists)."""
    scored = [
        (haversine_m(lat, lon, p.lat, p.lon), i, p) for i, p in enumerate(places) if _matches(p, kind, hazard)
    ]
    scored.sort(key=lambda x: (x[0], x[1]))
    return [(p, round(d), bearing_deg(lat, lon, p.lat, p.lon)) for d, _, p in scored[:limit]]
