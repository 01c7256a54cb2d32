"""Disaster alerts: JMA documents -> state per (city, phenomenon) -> CAP-like alerts -> push.

* ``ingest`` reads one document (core.alerts.jma), once (content hash), for every installed city
  whose ``city.json`` names its JMA municipality (``jma.area_code``), and derives the changes from
  the stored state (core.alerts.state): issued/raised push with high priority (time-sensitive on
  iOS from level 4), lowered/lifted send one quiet update, a continued warning sends nothing.
* The city's evacuation information (高齢者等避難 3 / 避難指示 4 / 緊急安全確保 5) uses the same
  alerts and push path (``issue_evacuation``); a drill is marked 訓練 in every language.
* Shelters are open or closed by staff (``set_shelter``); the app shows the open ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.admin.service import audit
from backend.alerts.models import Alert, AlertState, JmaDocument, ShelterState
from backend.announcements.service import in_city
from backend.db import utcnow
from backend.delivery.planner import insert_rows, outbox_row
from backend.devices.models import Device
from backend.errors import ApiError
from core.alerts import jma, texts
from core.alerts.state import NONE, State, applies, change
from core.city import CityNotFound, city_roots, load_city
from core.i18n import LANGUAGES, pick

PUSH_TTL = dt.timedelta(hours=6)


@dataclass
class IngestResult:
    status: str  # applied | duplicate | ignored (no city of this server is in the document)
    title: str = ""
    alerts: list[Alert] = field(default_factory=list)


@dataclass(frozen=True)
class JmaArea:
    city: str
    code: str
    name: str
    office: str


def jma_areas(data_dir: Path | None = None) -> list[JmaArea]:
    """Every installed city with a JMA municipality code in its city.json (``jma.area_code``)."""
    out = []
    slugs = sorted({p.parent.name for root in city_roots(data_dir) for p in root.glob("*/garbage.json")})
    for slug in slugs:
        meta = load_city(slug, data_dir).meta.get("jma") or {}
        if meta.get("area_code"):
            out.append(
                JmaArea(slug, str(meta["area_code"]), meta.get("area_name", ""), meta.get("office", ""))
            )
    return out


def _targets(db: Session, city: str, areas: list[str] | None):
    """The devices of the city with alerts on (their own city, else their garbage subscription's);
    an alert for some areas reaches their devices and those whose area is unknown."""
    d = Device.__table__
    joined, cond = in_city(city, areas, area_unknown=True)
    q = select(d.c.id, d.c.locale).select_from(joined).where(cond, d.c.disaster_alerts.is_(True))
    return db.execute(q)


def push(*, db_session: Session, alert: Alert, now: dt.datetime) -> int:
    """Queue one notification per subscribed device of the alert's city, in the device's language."""
    loud = alert.change in ("issued", "raised")
    data = {
        "kind": "alert",
        "id": str(alert.id),
        "city": alert.city,
        "origin": alert.origin,
        "event": alert.event,
        "change": alert.change,
        "level": str(alert.level or ""),
        "severity": alert.severity,
        "drill": "1" if alert.drill else "0",
        "time_sensitive": "1" if loud and (alert.level or 0) >= 4 else "0",
    }
    key = f"alert:{alert.id}"
    expires = min(alert.expires_at or now + PUSH_TTL, now + PUSH_TTL)
    rows, cache = [], {}
    for r in _targets(db_session, alert.city, alert.areas):
        if r.locale not in cache:
            body = pick(alert.instruction, r.locale)
            source = pick(alert.sender, r.locale) if alert.sender else ""
            cache[r.locale] = (pick(alert.headline, r.locale), f"{body}\n{source}".strip())
        title, body = cache[r.locale]
        rows.append(
            outbox_row(r.id, key, "alert", title, body, data, now, expires, now, priority=1 if loud else 0)
        )
    insert_rows(db_session.connection(), rows)
    return len(rows)


def _jma_alert(
    area: JmaArea, event: str, kind: str, before: State, after: State, issued: dt.datetime, drill: bool
) -> Alert:
    shown = after if after.active else before
    headline, instruction, sender = {}, {}, {}
    city = load_city(area.city)
    for lang in LANGUAGES:
        text = texts.jma_alert(
            lang,
            change=kind,
            event=event,
            rank=shown.rank,
            level=shown.level,
            jma_name=shown.name,
            area=city.name(lang),
            drill=drill,
        )
        headline[lang], instruction[lang], sender[lang] = text.headline, text.instruction, text.source
    return Alert(
        city=area.city,
        origin="jma",
        event=event,
        change=kind,
        level=shown.level,
        rank=shown.rank,
        severity=texts.SEVERITY[min(max(shown.rank, 2), 5)] if kind != "lifted" else "Minor",
        urgency="Immediate" if kind in ("issued", "raised") and (shown.level or 0) >= 4 else "Expected",
        name=shown.name,
        drill=drill,
        headline=headline,
        instruction=instruction,
        sender=sender,
        areas=None,
        issued_at=issued,
        expires_at=None,
    )


def ingest(
    *,
    db_session: Session,
    data: bytes,
    url: str | None = None,
    now: dt.datetime | None = None,
    drill: bool = False,
) -> IngestResult:
    """Apply one JMA document (raises jma.NotJmaDocument for anything else); commits."""
    now = now or utcnow()
    digest = hashlib.sha256(data).hexdigest()
    doc = jma.parse(data)
    if db_session.get(JmaDocument, digest) is not None:
        return IngestResult("duplicate", doc.title)
    seen = JmaDocument(
        sha256=digest,
        url=url,
        title=doc.title[:100],
        office=doc.office[:50],
        issued_at=doc.datetime,
        received_at=now,
        changes=0,
    )
    db_session.add(seen)
    result = IngestResult("ignored", doc.title)
    if doc.info_type == "取消":  # a cancellation names no state: recorded, not applied (the next document is)
        result.status = "cancellation"
        db_session.commit()
        return result
    for area in jma_areas():
        if not doc.covers(area.code):
            continue
        result.status = "applied"
        for event, warning in jma.snapshot(doc, area.code, area.name).items():
            row = db_session.get(AlertState, (area.city, event))
            before = (
                State(active=row.active, level=row.level, rank=row.rank, name=row.name, source=row.source)
                if row
                else NONE
            )
            if not applies(before, doc.scheme):
                continue  # R06 is the authority for this phenomenon
            if row is not None and row.source == doc.scheme and doc.datetime <= row.issued_at:
                continue  # an older document of the series: the newest is valid
            after = State.of(warning, doc.scheme)
            if row is None:  # also kept when nothing is in force: it records that R06 has spoken
                row = AlertState(city=area.city, event=event)
                db_session.add(row)
            row.active, row.level, row.rank, row.name = after.active, after.level, after.rank, after.name
            row.source, row.issued_at, row.updated_at = doc.scheme, doc.datetime, now
            told = change(before, after)
            if told is None:
                continue
            alert = _jma_alert(area, event, told.kind, before, after, doc.datetime, drill)
            db_session.add(alert)
            db_session.flush()
            alert.devices = push(db_session=db_session, alert=alert, now=now)
            row.alert_id = alert.id
            result.alerts.append(alert)
    seen.changes = len(result.alerts)
    db_session.commit()
    return result


def _city(slug: str) -> str:
    try:
        return load_city(slug).slug
    except CityNotFound as exc:
        raise ApiError(422, "unknown_city", str(exc), "city") from None


def issue_evacuation(
    *,
    db_session: Session,
    city: str,
    level: int,
    areas: list[str] | None,
    expires: dt.datetime,
    drill: bool,
    actor: str,
    lifted: bool = False,
    now: dt.datetime | None = None,
) -> Alert:
    """The city's evacuation information (level 3, 4 or 5), pushed like a JMA alert; audited; commits."""
    now = now or utcnow()
    if level not in texts.EVACUATION:
        raise ApiError(
            422, "invalid", "level must be 3 (高齢者等避難), 4 (避難指示) or 5 (緊急安全確保)", "level"
        )
    c = load_city(_city(city))
    headline, instruction = {}, {}
    for lang in LANGUAGES:
        text = texts.evacuation_alert(lang, level=level, area=c.name(lang), lifted=lifted, drill=drill)
        headline[lang], instruction[lang] = text.headline, text.instruction
    alert = Alert(
        city=c.slug,
        origin="city",
        event="evacuation",
        change="lifted" if lifted else "issued",
        level=level,
        rank=level,
        severity="Minor" if lifted else texts.SEVERITY[level],
        urgency="Expected" if lifted else "Immediate",
        name=headline["ja"],
        drill=drill,
        headline=headline,
        instruction=instruction,
        sender={},
        areas=areas,
        issued_at=now,
        expires_at=expires,
        ended_at=now if lifted else None,
    )
    db_session.add(alert)
    db_session.flush()
    if lifted:  # the orders this lifts end now
        for old in db_session.scalars(
            select(Alert).where(
                Alert.city == c.slug, Alert.origin == "city", Alert.level == level, Alert.ended_at.is_(None)
            )
        ):
            old.ended_at = now
    alert.devices = push(db_session=db_session, alert=alert, now=now)
    audit(
        db_session,
        actor,
        "evacuation.lift" if lifted else "evacuation.issue",
        str(alert.id),
        {"level": level, "areas": areas, "drill": drill, "devices": alert.devices},
    )
    db_session.commit()
    return alert


def active(*, db_session: Session, city: str, now: dt.datetime | None = None) -> list[Alert]:
    """The alerts in force for a city: the last change of every active JMA phenomenon and the city's orders."""
    now = now or utcnow()
    ids = [
        r.alert_id
        for r in db_session.scalars(
            select(AlertState).where(AlertState.city == city, AlertState.active.is_(True))
        )
        if r.alert_id is not None
    ]
    out = list(db_session.scalars(select(Alert).where(Alert.id.in_(ids)))) if ids else []
    out += list(
        db_session.scalars(
            select(Alert).where(
                Alert.city == city,
                Alert.origin == "city",
                Alert.change == "issued",
                Alert.ended_at.is_(None),
                Alert.expires_at > now,
            )
        )
    )
    return sorted(out, key=lambda a: (-(a.level or 0), -a.rank, a.id))


def history(*, db_session: Session, city: str, limit: int = 100) -> list[Alert]:
    """Every alert of a city, newest first."""
    return list(
        db_session.scalars(select(Alert).where(Alert.city == city).order_by(Alert.id.desc()).limit(limit))
    )


def place_ids(city: str) -> set[str] | None:
    """The ids of the city's places (None when the city has no places data)."""
    try:
        from core.places import load_places
    except ImportError:
        return None
    try:
        return {p.id for p in load_places(city)}
    except (FileNotFoundError, LookupError):
        return None


def set_shelter(
    *,
    db_session: Session,
    city: str,
    place_id: str,
    is_open: bool,
    actor: str,
    now: dt.datetime | None = None,
) -> ShelterState:
    """Open or close one shelter of the city's places data; audited; commits."""
    now = now or utcnow()
    slug = _city(city)
    known = place_ids(slug)
    if known is None:
        raise ApiError(422, "no_places", f"the city {slug!r} has no places data (places.json)", "city")
    if place_id not in known:
        raise ApiError(404, "unknown_place", f"no place {place_id!r} in the places data of {slug!r}", "id")
    row = db_session.get(ShelterState, (slug, place_id))
    if row is None:
        row = ShelterState(city=slug, place_id=place_id)
        db_session.add(row)
    row.open, row.updated_at, row.updated_by = is_open, now, actor[:64]
    audit(db_session, actor, "shelter.open" if is_open else "shelter.close", f"{slug}:{place_id}", {})
    db_session.commit()
    return row


def open_shelters(*, db_session: Session, city: str) -> list[str]:
    """The ids of the city's open shelters."""
    q = select(ShelterState.place_id).where(ShelterState.city == city, ShelterState.open.is_(True))
    return sorted(db_session.scalars(q))
