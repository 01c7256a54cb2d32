"""自治体標準オープンデータセット CSV import (v1 推奨データセット and v2 headers) with a row report.

Encoding: BOM, UTF-8, then CP932 (core.csvread). Headers: NFKC, aliases of both generations.
A fatal problem (unreadable file, wrong header) imports nothing; a bad row is rejected with its
reason and the rest are kept; a repaired cell is reported as a fix.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from core.csvread import ImportFailed, decode
from core.events import Event
from core.opendata import fields as F
from core.opendata.kinds import CSV_KINDS, KIND_FIELDS, REQUIRED, V2_MARKERS
from core.opendata.report import RowReport
from core.places.geo import in_japan
from core.places.model import HAZARDS, Place
from core.text import clean_cell

_DASHES = re.compile("[\u2010-\u2015\u2212\u30fc\uff70]")


def normalise_header(cell: str) -> str:
    text = unicodedata.normalize("NFKC", cell).strip().lstrip("\ufeff").strip()
    text = text.replace("コ-ド", "コード")
    text = _DASHES.sub("-", text).replace("コ-ド", "コード")
    if text.startswith("災害種別_"):
        text = text[len("災害種別_") :]
    return text


@dataclass
class ImportResult:
    kind: str
    report: RowReport
    places: list[Place]
    events: list[Event]


def _columns(header: list[str], kind: str) -> dict[str, int]:
    wanted = KIND_FIELDS[kind]
    norm = [normalise_header(h) for h in header]
    out: dict[str, int] = {}
    for fieldname, aliases in wanted.items():
        for alias in aliases:
            key = normalise_header(alias)
            if key in norm:
                out[fieldname] = norm.index(key)
                break
    return out


def import_csv(data: bytes, *, kind: str, name: str) -> ImportResult:
    """Read one CSV of ``kind``; ``report.fatal_errors`` non-empty means nothing may be written."""
    if kind not in CSV_KINDS:
        raise ValueError(f"unknown open-data kind {kind!r}; one of {', '.join(CSV_KINDS)}")
    report = RowReport(kind=kind, file=name)
    result = ImportResult(kind=kind, report=report, places=[], events=[])
    try:
        text, report.encoding = decode(data, name)
    except ImportFailed as exc:
        report.fatal("; ".join(i.message for i in exc.errors))
        return result
    if text.startswith("\ufeff"):  # a second (stray) BOM after the first, or one inside UTF-8 text
        text = text.lstrip("\ufeff")
        report.fix(1, "stray byte-order mark removed")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        report.fatal(f"{name}: malformed CSV: {exc}")
        return result
    lines = [(n, r) for n, r in enumerate(rows, start=1)]
    lines = [(n, r) for n, r in lines if any(c.strip() for c in r)]
    if not lines:
        report.fatal(f"{name}: the file is empty (no header row)")
        return result
    header_line, header = lines[0]
    cols = _columns(header, kind)
    missing = [f for f in REQUIRED[kind] if f not in cols]
    if missing:
        expected = ", ".join(KIND_FIELDS[kind][f][0] for f in missing)
        seen = ", ".join(h.strip() for h in header[:8]) + (" …" if len(header) > 8 else "")
        report.fatal(
            f"{name}: not a {kind} file of the 自治体標準オープンデータセット: missing column(s) {expected} "
            f"(header line {header_line} is: {seen})"
        )
        return result
    norm_header = {normalise_header(h) for h in header}
    report.header = "v2" if norm_header & V2_MARKERS else "v1"
    seen_ids: set[str] = set()
    for line, cells in lines[1:]:
        # The row number in the report is the record's line in the file (a header is line 1).
        def cell(fieldname: str, cells=cells) -> str:
            i = cols.get(fieldname)
            return clean_cell(cells[i]) if i is not None and i < len(cells) else ""

        try:
            fixes: list[str] = []
            if kind == "events":
                record = _event(cell, line, fixes)
                rid = record.id
            else:
                record = _place(cell, kind, line, fixes)
                rid = record.id
        except ValueError as exc:
            report.reject(line, str(exc))
            continue
        if rid in seen_ids:
            report.reject(line, f"duplicate ID {rid!r}")
            continue
        seen_ids.add(rid)
        for f in fixes:
            report.fix(line, f)
        report.accept(line)
        (result.events if kind == "events" else result.places).append(record)
    if not report.accepted:
        report.fatal(f"{name}: no row could be imported ({len(report.rejected)} rejected)")
    return result


def _id(cell, kind: str, line: int, fixes: list[str]) -> str:
    raw = cell("id")
    if raw and F.is_excel_mangled(raw):
        fixes.append(f"ID {raw!r} was mangled by a spreadsheet; row number used")
        raw = ""
    return f"{kind}-{raw}" if raw else f"{kind}-line{line}"


def _coordinates(cell, fixes: list[str], required: bool) -> tuple[float | None, float | None]:
    lat = F.parse_coordinate(cell("lat"), "latitude (緯度)")
    lon = F.parse_coordinate(cell("lon"), "longitude (経度)")
    if lat is None or lon is None:
        if required:
            raise ValueError("no coordinates (緯度/経度 empty)")
        if lat is not None or lon is not None:
            fixes.append("only one of 緯度/経度 given: location dropped")
        return None, None
    if not in_japan(lat, lon):
        if in_japan(lon, lat):
            fixes.append(f"latitude and longitude were swapped ({lat}, {lon})")
            return lon, lat
        raise ValueError(f"coordinates {lat}, {lon} are outside Japan")
    return lat, lon


def _common_info(cell, fixes: list[str]) -> dict:
    info = {}
    for key in ("phone", "url", "note", "address_extra"):
        if v := cell(key):
            info[key] = v
    if (corp := cell("corporate_number")) and F.is_excel_mangled(corp):
        fixes.append(f"法人番号 {corp!r} was mangled by a spreadsheet (digits lost): dropped")
    elif corp:
        info["corporate_number"] = corp
    return info


def _place(cell, kind: str, line: int, fixes: list[str]) -> Place:
    name = cell("name")
    if not name:
        raise ValueError("no name (名称)")
    lat, lon = _coordinates(cell, fixes, required=True)
    info = _common_info(cell, fixes)
    hazards: frozenset[str] = frozenset()
    if kind == "evacuation":
        flags = set()
        for h in HAZARDS:
            try:
                if F.parse_bool(cell(h)):
                    flags.add(h)
            except ValueError as exc:
                raise ValueError(f"災害種別 {h}: {exc}") from None
        hazards = frozenset(flags)
        if (v := cell("also_shelter")) and F.parse_bool(v):
            info["also_shelter"] = True
        if v := F.parse_list(cell("communities")):
            info["communities"] = v
        if v := cell("capacity"):
            info["capacity"] = v
    elif kind == "aed":
        if v := cell("location"):
            info["location"] = v
        if v := cell("child_pads"):
            info["child_pads"] = F.parse_bool(v)
    elif kind == "wifi":
        for key in ("ssid", "area", "installer"):
            if v := cell(key):
                info[key] = v
    elif kind == "childcare":
        for key in ("type", "capacity", "ages"):
            if v := cell(key):
                info[key] = v
        if v := cell("temporary_care"):
            info["temporary_care"] = F.parse_bool(v)
    elif kind == "tourism":
        if v := cell("description"):
            info["description"] = v
        if v := cell("description_en"):
            info["description_en"] = v
        if v := F.parse_list(cell("barrier_free")):
            info["barrier_free"] = v
        if v := cell("fee"):
            info["fee"] = v
    if kind in ("tourism", "aed", "childcare"):
        for key in ("open", "close"):
            if raw := cell(key):
                value, fix = F.parse_time(raw)
                info[key] = value
                if fix:
                    fixes.append(fix)
        if v := cell("days"):
            info["days"] = v
    names = {"en": cell("name_en")} if cell("name_en") else {}
    if kana := cell("name_kana"):
        info["kana"] = kana
    return Place(
        id=_id(cell, kind, line, fixes),
        kind=kind,
        name=name,
        lat=lat,
        lon=lon,
        hazards=hazards,
        address=cell("address"),
        names=names,
        info=info,
    )


def _event(cell, line: int, fixes: list[str]) -> Event:
    title = cell("name")
    if not title:
        raise ValueError("no event name (イベント名)")
    start, fix = F.parse_date(cell("start_date"))
    if start is None:
        raise ValueError("no start date (開始日)")
    if fix:
        fixes.append(f"開始日 {fix}")
    end, fix = F.parse_date(cell("end_date"))
    if fix:
        fixes.append(f"終了日 {fix}")
    end = end or start
    if end < start:
        raise ValueError(f"終了日 {end.isoformat()} is before 開始日 {start.isoformat()}")
    times = []
    for key, label in (("start_time", "開始時間"), ("end_time", "終了時間")):
        value, fix = F.parse_time(cell(key))
        if fix:
            fixes.append(f"{label} {fix}")
        times.append(value)
    if times == ["00:00", "00:00"] or (times[0] == "00:00" and times[1] is None):
        fixes.append("開始時間 0:00 means 'time not given': dropped")
        times = [None, None]
    lat, lon = _coordinates(cell, fixes, required=False)
    _common_info(cell, fixes)
    lang = (cell("language") or "ja").lower()
    titles = {"en": cell("name_en")} if cell("name_en") else {}
    return Event(
        id=_id(cell, "event", line, fixes),
        title=title,
        start=start,
        end=end,
        start_time=times[0],
        end_time=times[1],
        description=cell("description"),
        category=cell("category"),
        place_name=cell("place_name"),
        address=cell("address"),
        lat=lat,
        lon=lon,
        url=cell("url"),
        fee=cell("fee"),
        organizer=cell("organizer"),
        language=lang if lang in ("ja", "en") else "ja",
        titles=titles,
    )
