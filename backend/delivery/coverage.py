"""How long each city's garbage data lasts: staff are warned before reminders stop.

The planner reminds only days inside a city's validity period (``CityGarbage.validity``);
``machi serve`` logs a warning at start and ``machi admin stats`` lists every city whose data
ends within ``WARN_DAYS`` days or has ended.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from core.city import CityNotFound, city_roots, load_city

WARN_DAYS = 30


def city_slugs() -> list[str]:
    """Every city with garbage data in the data directory or the bundled assets."""
    return sorted({p.parent.name for root in city_roots(None) for p in root.glob("*/garbage.json")})


def data_coverage(*, now: dt.datetime, warn_days: int = WARN_DAYS) -> list[dict]:
    """One entry per city: its validity period, days left (in the city's time zone) and a status:
    ``ok``, ``ending`` (within ``warn_days``), ``ended``, or ``unknown`` (no end date in the data)."""
    out = []
    for slug in city_slugs():
        try:
            city = load_city(slug)
        except (CityNotFound, ValueError, KeyError, OSError) as exc:
            out.append(
                {
                    "city": slug,
                    "valid_from": None,
                    "valid_to": None,
                    "days_left": None,
                    "status": "unreadable",
                    "message": f"{slug}: garbage data cannot be read: {exc}",
                }
            )
            continue
        v = city.garbage.validity
        today = now.astimezone(zoneinfo.ZoneInfo(city.timezone)).date()
        entry = {
            "city": slug,
            "valid_from": v.start and v.start.isoformat(),
            "valid_to": v.end and v.end.isoformat(),
            "days_left": None,
            "status": "unknown",
            "message": "",
        }
        if v.end is not None:
            left = (v.end - today).days
            entry["days_left"] = left
            if left < 0:
                entry["status"] = "ended"
                entry["message"] = (
                    f"{slug}: the garbage data ended on {v.end}; no garbage reminders are sent "
                    f"until a new calendar is imported (machi garbage import)"
                )
            elif left <= warn_days:
                entry["status"] = "ending"
                entry["message"] = (
                    f"{slug}: the garbage data ends on {v.end} ({left} day(s) left); import the "
                    f"new calendar before then or reminders stop (machi garbage import)"
                )
            else:
                entry["status"] = "ok"
        out.append(entry)
    return out


def warnings(*, now: dt.datetime, warn_days: int = WARN_DAYS) -> list[str]:
    """The staff warnings of ``data_coverage``: cities whose data ends soon or has ended."""
    return [
        e["message"]
        for e in data_coverage(now=now, warn_days=warn_days)
        if e["status"] in ("ending", "ended", "unreadable")
    ]
