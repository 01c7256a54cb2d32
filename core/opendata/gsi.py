"""GSI 指定緊急避難場所・指定避難所 GeoJSON (国土地理院) into places with their hazard flags.

指定緊急避難場所 (evacuation sites) carry eight 災害種別 flags ("1" or ""). 指定避難所 (shelters)
carry none; GSI marks a shelter whose address equals an evacuation site's
(指定緊急避難場所との住所同一). Such a shelter takes the hazards of the evacuation site of the
same name (else the same address); other shelters have no hazard designation and are never
returned by a hazard filter.
"""

from __future__ import annotations

import json
import math

from core.opendata.report import RowReport
from core.places.geo import in_japan
from core.places.model import HAZARD_COLUMNS, Place
from core.text import clean_cell

TRUE = {"1", "○", "〇", "有", "true", "yes"}


def _flag(value) -> bool:
    return clean_cell(str(value) if value is not None else "").lower() in TRUE


def parse_gsi(data: bytes | str, *, kind: str, name: str, report: RowReport) -> list[Place]:
    """Places of one GSI GeoJSON FeatureCollection; every feature is reported."""
    try:
        doc = json.loads(data)
    except ValueError as exc:
        report.fatal(f"{name}: not JSON: {exc}")
        return []
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        report.fatal(f"{name}: not a GeoJSON FeatureCollection")
        return []
    places = []
    for n, feature in enumerate(doc.get("features") or [], start=1):
        props = feature.get("properties") or {}
        geom = feature.get("geometry") or {}
        pid = clean_cell(str(props.get("共通ID") or props.get("NO") or ""))
        title = clean_cell(props.get("施設・場所名") or props.get("名称") or "")
        if not title:
            report.reject(n, "no name (施設・場所名)")
            continue
        coords = geom.get("coordinates") if geom.get("type") == "Point" else None
        try:
            lon, lat = float(coords[0]), float(coords[1])
        except (TypeError, ValueError, IndexError):
            report.reject(n, f"{title}: no Point coordinates")
            continue
        if not (math.isfinite(lat) and math.isfinite(lon)):
            report.reject(n, f"{title}: coordinates are not numbers")
            continue
        if not in_japan(lat, lon):
            if in_japan(lon, lat):
                report.fix(n, f"{title}: latitude and longitude were swapped")
                lat, lon = lon, lat
            else:
                report.reject(n, f"{title}: coordinates {lat:.5f}, {lon:.5f} are outside Japan")
                continue
        hazards = frozenset(h for col, h in HAZARD_COLUMNS.items() if _flag(props.get(col)))
        info = {}
        if note := clean_cell(props.get("備考") or ""):
            info["note"] = note
        if target := clean_cell(props.get("受入対象者") or ""):
            info["accepts"] = target
        same = props.get("指定避難所との住所同一", props.get("指定緊急避難場所との住所同一"))
        if _flag(same):
            info["same_address"] = True
        places.append(
            Place(
                id=pid or f"{kind}-{n}",
                kind=kind,
                name=title,
                lat=round(lat, 7),
                lon=round(lon, 7),
                hazards=hazards,
                address=clean_cell(props.get("住所") or ""),
                info=info,
            )
        )
        report.accept(n)
    return places


def inherit_shelter_hazards(shelters: list[Place], evacuation: list[Place]) -> list[Place]:
    """Shelters flagged 住所同一 take the hazards of the evacuation site of the same name/address."""
    by_name = {p.name: p for p in evacuation}
    by_address: dict[str, Place] = {}
    for p in evacuation:
        by_address.setdefault(p.address, p)
    out = []
    for s in shelters:
        site = by_name.get(s.name) or (by_address.get(s.address) if s.info.get("same_address") else None)
        if site is not None and not s.hazards:
            s = Place(
                id=s.id,
                kind=s.kind,
                name=s.name,
                lat=s.lat,
                lon=s.lon,
                hazards=site.hazards,
                address=s.address,
                names=s.names,
                info={**s.info, "hazards_from": site.id},
            )
        out.append(s)
    return out
