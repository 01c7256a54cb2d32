"""Great-circle geometry on the WGS84 mean sphere: distance, initial bearing, Japan's extent."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius

# A generous box around Japan's territory (Okinotorishima 20.4 N .. Etorofu 45.6 N,
# Yonaguni 122.9 E .. Minamitorishima 154.0 E). A point outside it is a data error.
JAPAN_LAT = (20.0, 46.0)
JAPAN_LON = (122.0, 154.5)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing from point 1 to point 2, degrees clockwise from north in [0, 360)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return round(math.degrees(math.atan2(x, y)) % 360.0, 1) % 360.0


COMPASS_POINTS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def compass_point(bearing: float) -> str:
    """The 8-wind compass point of a bearing ("N", "NE", ...)."""
    return COMPASS_POINTS[int((bearing % 360 + 22.5) // 45) % 8]


def in_japan(lat: float, lon: float) -> bool:
    """Whether a point lies within Japan's bounding box (rejects swapped or zero coordinates)."""
    return JAPAN_LAT[0] <= lat <= JAPAN_LAT[1] and JAPAN_LON[0] <= lon <= JAPAN_LON[1]
