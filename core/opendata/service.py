"""``machi city import KIND PATH``: read one file, report every row, write the city's data atomically.

The target is ``<data dir>/cities/<slug>/places.json`` (or ``events.json``); one kind of
place is replaced at a time. A fatal error (unreadable file, wrong header, nothing usable)
writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from core.city import assets_dir, default_data_dir
from core.events import find_events_file, load_events, save_events
from core.opendata.build import merge_kind
from core.opendata.csvimport import import_csv
from core.opendata.gsi import inherit_shelter_hazards, parse_gsi
from core.opendata.kinds import CSV_KINDS, IMPORT_KINDS
from core.opendata.report import RowReport
from core.places import PlacesNotFound, load_places, save_places
from core.places.model import Place


class UnknownKind(ValueError):
    pass


def _looks_like_geojson(data: bytes) -> bool:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return head == b"{"


def read_file(kind: str, path: Path) -> tuple[RowReport, list[Place], list]:
    """Parse without writing: (report, places, events)."""
    if kind not in IMPORT_KINDS:
        raise UnknownKind(f"unknown kind {kind!r}; one of {', '.join(IMPORT_KINDS)}")
    name = path.name
    if not path.is_file():
        report = RowReport(kind=kind, file=name)
        report.fatal(f"{path}: file not found")
        return report, [], []
    data = path.read_bytes()
    if _looks_like_geojson(data):
        if kind not in ("evacuation", "shelter"):
            report = RowReport(kind=kind, file=name)
            report.fatal(f"{name}: GeoJSON is read for evacuation and shelter only, not {kind}")
            return report, [], []
        report = RowReport(kind=kind, file=name, encoding="utf-8", header="gsi")
        places = parse_gsi(data.decode("utf-8-sig", errors="replace"), kind=kind, name=name, report=report)
        if not report.fatal_errors and not report.accepted:
            report.fatal(f"{name}: no feature could be imported ({len(report.rejected)} rejected)")
        return report, places, []
    if kind not in CSV_KINDS:
        report = RowReport(kind=kind, file=name)
        report.fatal(f"{name}: {kind} is imported from GSI GeoJSON (指定避難所), not CSV")
        return report, [], []
    result = import_csv(data, kind=kind, name=name)
    return result.report, result.places, result.events


def import_file(
    kind: str,
    path: Path,
    *,
    city: str,
    data_dir: Path | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> RowReport:
    """Import one file into the city's data; returns the row report (``fatal_errors`` = nothing written)."""
    step = on_progress or (lambda _msg: None)
    step("reading")
    report, places, events = read_file(kind, path)
    if report.fatal_errors:
        return report
    target = (Path(data_dir) if data_dir else default_data_dir()) / "cities" / city
    step("merging")
    if kind == "events":
        save_events(target / "events.json", events)
        return report
    existing: list[Place] = []
    for root in (data_dir, assets_dir()) if data_dir else (None,):
        try:  # the data directory's places, else the bundled ones: other kinds are kept, not lost
            existing = list(load_places(city, root))
            break
        except PlacesNotFound:
            continue
    if kind == "shelter":
        places = inherit_shelter_hazards(places, [p for p in existing if p.kind == "evacuation"])
    merged = merge_kind(existing, kind, places)
    if kind == "evacuation":  # shelters follow the new sites' flags
        shelters = [p for p in merged if p.kind == "shelter"]
        if shelters:
            stripped = [_without_inherited(s) for s in shelters]
            merged = merge_kind(merged, "shelter", inherit_shelter_hazards(stripped, places))
    step("writing")
    meta = {}
    places_file = target / "places.json"
    if places_file.is_file():
        meta = {
            k: v
            for k, v in json.loads(places_file.read_text("utf-8")).items()
            if k not in ("format", "places")
        }
    sources = dict(meta.get("sources", {}))
    sources[kind] = {"file": path.name, "header": report.header, "rows": len(report.accepted)}
    meta["sources"] = sources
    save_places(places_file, merged, meta)
    return report


def _without_inherited(p: Place) -> Place:
    if "hazards_from" not in p.info:
        return p
    info = {k: v for k, v in p.info.items() if k != "hazards_from"}
    return Place(
        id=p.id, kind=p.kind, name=p.name, lat=p.lat, lon=p.lon, address=p.address, names=p.names, info=info
    )


__all__ = ["UnknownKind", "find_events_file", "import_file", "load_events", "read_file"]
