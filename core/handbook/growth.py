"""Growth: percentile bands against the 2023 乳幼児身体発育調査 and WHO 2006 z-scores.

Data: assets/growth/ (see its SOURCE.md).  Japanese bands are plotted at their midpoints and
interpolated linearly between them; a value's band is where it falls between the interpolated
3rd ... 97th percentiles.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import math
from functools import cache

from core.city import REPO_ROOT

DATA_DIR = REPO_ROOT / "assets" / "growth"
MEASURES = ("weight", "height", "head")
SEXES = ("male", "female")
PERCENTILES = (3, 10, 25, 50, 75, 90, 97)
BANDS = ("<p3", "p3-p10", "p10-p25", "p25-p50", "p50-p75", "p75-p90", "p90-p97", ">p97")
DAYS_PER_MONTH = 365.25 / 12
WHO_INDICATOR = {"weight": "wfa", "height": "lhfa", "head": "hcfa"}
UNITS = {"weight": "kg", "height": "cm", "head": "cm"}


class GrowthError(ValueError):
    pass


@cache
def _table(path: str = str(DATA_DIR / "jp_2023_nyuyoji_percentiles.csv")):
    """{(measure, sex): (midpoints in months, [percentile values per midpoint], last month covered)}."""
    rows: dict[tuple[str, str], list] = {}
    with open(path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            lo, hi = float(r["age_months_min"]), float(r["age_months_max"])
            if r["band_key"] == "birth":
                mid = 0.0
            elif r["band_key"] == "d30":
                mid = 30 / DAYS_PER_MONTH
            else:
                mid = (lo + hi) / 2
            rows.setdefault((r["measure"], r["sex"]), []).append(
                (mid, hi, tuple(float(r[f"p{p}"]) for p in PERCENTILES))
            )
    out = {}
    for key, items in rows.items():
        items.sort()
        out[key] = ([m for m, _, _ in items], [v for _, _, v in items], max(h for _, h, _ in items))
    return out


def _check(measure: str, sex: str) -> None:
    if measure not in MEASURES:
        raise GrowthError(f"unknown measurement {measure!r} (one of {', '.join(MEASURES)})")
    if sex not in SEXES:
        raise GrowthError(f"unknown sex {sex!r} (male or female)")


def age_months(birth: dt.date, on: dt.date) -> float:
    return (on - birth).days / DAYS_PER_MONTH


def max_months(measure: str, sex: str) -> float:
    _check(measure, sex)
    return _table()[(measure, sex)][2]


def percentiles_at(measure: str, sex: str, months: float) -> tuple[float, ...]:
    """p3 … p97 at ``months`` of age (linear between band midpoints)."""
    _check(measure, sex)
    mids, values, last = _table()[(measure, sex)]
    if months < 0 or months > last:
        raise GrowthError(f"{measure}: the 2023 reference covers 0 to {last:g} months, not {months:.1f}")
    i = bisect.bisect_right(mids, months)
    if i == 0:
        return values[0]
    if i == len(mids):
        return values[-1]
    m0, m1 = mids[i - 1], mids[i]
    f = (months - m0) / (m1 - m0)
    return tuple(a + (b - a) * f for a, b in zip(values[i - 1], values[i], strict=True))


def band(measure: str, sex: str, months: float, value: float) -> str:
    """Where ``value`` falls: ``<p3``, ``p3-p10``, …, ``>p97``."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise GrowthError(f"{measure}: {value!r} is not a positive number")
    cuts = percentiles_at(measure, sex, months)
    return BANDS[bisect.bisect_right(cuts, value)]


def curves(measure: str, sex: str, until_months: float | None = None, step: float = 0.5):
    """[(months, (p3 … p97))] every ``step`` months, for charts."""
    last = max_months(measure, sex) if until_months is None else min(until_months, max_months(measure, sex))
    out, m = [], 0.0
    while m <= last + 1e-9:
        out.append((round(m, 3), percentiles_at(measure, sex, m)))
        m += step
    return out


@cache
def _who(path: str = str(DATA_DIR / "who2006_lms_by_day_0_1856.csv")):
    table: dict[tuple[str, str], dict[int, tuple[float, float, float]]] = {}
    with open(path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            table.setdefault((r["indicator"], r["sex"]), {})[int(r["age_days"])] = (
                float(r["L"]),
                float(r["M"]),
                float(r["S"]),
            )
    return table


def who_z(measure: str, sex: str, age_days: int, value: float) -> float:
    """WHO 2006 z-score (LMS) for ``value`` at ``age_days`` (0 to 1856)."""
    _check(measure, sex)
    lms = _who()[(WHO_INDICATOR[measure], sex)].get(age_days)
    if lms is None:
        raise GrowthError(f"{measure}: the WHO standard covers 0 to 1856 days, not {age_days}")
    lam, mu, sigma = lms
    if value <= 0:
        raise GrowthError(f"{measure}: {value!r} is not a positive number")
    if lam == 0:
        return math.log(value / mu) / sigma
    return ((value / mu) ** lam - 1) / (lam * sigma)


def z_to_percentile(z: float) -> float:
    return 50 * (1 + math.erf(z / math.sqrt(2)))


# Plausibility for data entry: far outside the reference asks for confirmation; impossible is refused.
def plausibility(measure: str, sex: str, months: float, value: float) -> str:
    """``ok``, ``unusual`` (outside p3-p97 widened by 15 %: ask to confirm) or ``impossible``."""
    if not (isinstance(value, (int, float)) and math.isfinite(value)) or value <= 0:
        return "impossible"
    hard = {"weight": (0.3, 60.0), "height": (20.0, 150.0), "head": (18.0, 60.0)}[measure]
    if not hard[0] <= value <= hard[1]:
        return "impossible"
    try:
        cuts = percentiles_at(measure, sex, months)
    except GrowthError:
        return "ok"
    lo, hi = cuts[0], cuts[-1]
    if value < lo * 0.6 or value > hi * 1.6:
        return "impossible"
    if value < lo * 0.85 or value > hi * 1.15:
        return "unusual"
    return "ok"
