from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from backend.admin.service import audit
from backend.announcements.models import Announcement
from backend.announcements.schemas import AlertIn, AnnouncementIn, AnnouncementOut
from backend.db import utcnow
from backend.delivery import messages
from backend.delivery.planner import hm, insert_rows, outbox_row, quiet_release, zone
from backend.devices.models import Device
from backend.errors import ApiError
from backend.settings import Settings
from backend.subscriptions.models import GarbageSubscription
from backend.subscriptions.service import city_or_422
from core.city import city_roots
from core.garbage.service import AreaNotFound, find_area


def installed_cities() -> list[str]:
    """The slugs of every city with garbage data (data directory and bundled assets)."""
    return sorted({p.parent.name for root in city_roots(None) for p in root.glob("*/garbage.json")})


def city_slug(slug: str | None) -> str:
    """The announcement's city: the one named, else the only city installed (422 when there are several)."""
    if slug is not None:
        return city_or_422(slug).slug
    known = installed_cities()
    if len(known) != 1:
        raise ApiError(
            422,
            "city_required",
            f"name the city: this server has {len(known)} cities ({', '.join(known) or 'none'})",
            "city",
        )
    return known[0]


def _areas(city_slug: str, areas: list[str] | None) -> list[str] | None:
    city = city_or_422(city_slug)
    if areas is None:
        return None
    out = []
    for i, a in enumerate(areas):
        try:
            out.append(find_area(city, a).id)
        except AreaNotFound as exc:
            raise ApiError(422, "unknown_area", str(exc), f"areas.{i}") from None
    return sorted(set(out))


def in_city(city: str, areas: list[str] | None, area_unknown: bool):
    """The devices of ``city`` as a query over devices outer-joined to their garbage subscription,
    and its condition.  A device's city is its own (``devices.city``), else that of its garbage
    subscription; its area is the subscription's when that is in the same city.  With ``areas``,
    only devices in those areas, plus (``area_unknown``) those whose area is not known."""
    d, s = Device.__table__, GarbageSubscription.__table__
    joined = d.outerjoin(s, s.c.device_id == d.c.id)
    cond = or_(d.c.city == city, and_(d.c.city.is_(None), s.c.city == city))
    if areas is not None:
        known = and_(s.c.city == city, s.c.area_id.in_(areas))
        cond = and_(
            cond, or_(known, or_(s.c.device_id.is_(None), s.c.city != city)) if area_unknown else known
        )
    return joined, cond


def _targets(db: Session, ann: Announcement):
    d = Device.__table__
    # An announcement reaches the devices of its own city only, or of some of its areas (devices
    # whose area is unknown get city-wide announcements only); a staff alert limited to some areas
    # also reaches the city's devices whose area is unknown (a tourist may be there).
    joined, cond = in_city(ann.city, ann.areas, area_unknown=ann.kind == "alert")
    q = (
        select(
            d.c.id,
            d.c.locale,
            d.c.timezone,
            d.c.quiet_start,
            d.c.quiet_end,
            d.c.news_categories,
            d.c.disaster_alerts,
        )
        .select_from(joined)
        .where(cond)
    )
    for r in db.execute(q):
        if ann.kind == "alert" and not r.disaster_alerts:
            continue
        if ann.kind == "announcement" and ann.category not in (r.news_categories or []):
            continue
        yield r


def fan_out(db: Session, ann: Announcement, now: dt.datetime) -> int:
    rows, texts = [], {}
    key = f"{'alert' if ann.kind == 'alert' else 'announce'}:{ann.id}"
    for r in _targets(db, ann):
        if r.locale not in texts:
            texts[r.locale] = (
                messages.alert(r.locale, ann.severity, ann.event, ann.title, ann.body)
                if ann.kind == "alert"
                else messages.announcement(r.locale, ann.title, ann.body)
            )
        title, body = texts[r.locale]
        send = ann.send_at
        if ann.kind != "alert" and r.quiet_start and r.quiet_end:  # alerts ignore quiet hours
            send = quiet_release(send.astimezone(zone(r.timezone)), (hm(r.quiet_start), hm(r.quiet_end)))
            send = send.astimezone(dt.UTC)
        if send >= ann.expires_at:
            continue
        data = {"kind": ann.kind, "id": str(ann.id), "city": ann.city}
        if ann.kind == "alert":
            data.update(severity=ann.severity, event=ann.event)
        else:
            data["category"] = ann.category
        rows.append(
            outbox_row(
                r.id,
                key,
                ann.kind,
                title,
                body,
                data,
                send,
                ann.expires_at,
                now,
                priority=1 if ann.kind == "alert" else 0,
            )
        )
    insert_rows(db.connection(), rows)
    return len(rows)


def create_announcement(db: Session, settings: Settings, data: AnnouncementIn, actor: str) -> Announcement:
    now = utcnow()
    send = data.send_at or now
    expires = data.expires_at or send + dt.timedelta(hours=settings.announcement_ttl_hours)
    if expires <= send or expires <= now:
        raise ApiError(422, "invalid", "expires_at must be after send_at and in the future", "expires_at")
    city = city_slug(data.city)
    ann = Announcement(
        kind="announcement",
        city=city,
        category=data.category,
        title=data.title,
        body=data.body,
        areas=_areas(city, data.areas),
        send_at=send,
        expires_at=expires,
        created_at=now,
        created_by=actor[:64],
        devices=0,
    )
    db.add(ann)
    db.flush()
    ann.devices = fan_out(db, ann, now)
    audit(
        db,
        actor,
        "announcement.create",
        str(ann.id),
        {
            "category": ann.category,
            "areas": ann.areas,
            "devices": ann.devices,
            "languages": sorted(data.title),
        },
    )
    db.commit()
    return ann


def create_alert(db: Session, data: AlertIn, actor: str) -> Announcement:
    now = utcnow()
    if data.expires <= now:
        raise ApiError(422, "invalid", "expires must be in the future", "expires")
    if data.expires > now + dt.timedelta(days=7):
        raise ApiError(422, "invalid", "an alert can last at most 7 days", "expires")
    city = city_slug(data.city)
    if data.level is not None:  # evacuation information: the disaster-alert path (backend/alerts)
        from backend.alerts.service import issue_evacuation

        alert = issue_evacuation(
            db_session=db,
            city=city,
            level=data.level,
            areas=_areas(city, data.areas),
            expires=data.expires,
            drill=data.drill,
            actor=actor,
            lifted=data.lift,
            now=now,
        )
        ann = Announcement(
            kind="alert",
            city=city,
            severity=alert.severity,
            event="evacuation",
            areas=alert.areas,
            send_at=now,
            expires_at=data.expires,
            created_at=now,
            created_by=actor[:64],
            devices=alert.devices,
            title=alert.headline,
            body=alert.instruction,
        )  # listed for staff; pushed by issue_evacuation
        db.add(ann)
        db.commit()
        return ann
    ann = Announcement(
        kind="alert",
        city=city,
        severity=data.severity,
        event=data.event,
        title=data.headline,
        body=data.description or {},
        areas=_areas(city, data.areas),
        send_at=now,
        expires_at=data.expires,
        created_at=now,
        created_by=actor[:64],
        devices=0,
    )
    db.add(ann)
    db.flush()
    ann.devices = fan_out(db, ann, now)
    audit(
        db,
        actor,
        "alert.create",
        str(ann.id),
        {"severity": ann.severity, "event": ann.event, "areas": ann.areas, "devices": ann.devices},
    )
    db.commit()
    return ann


def out(a: Announcement) -> AnnouncementOut:
    return AnnouncementOut(
        id=str(a.id),
        kind=a.kind,
        city=a.city,
        category=a.category,
        severity=a.severity,
        event=a.event,
        areas=a.areas,
        send_at=a.send_at,
        expires_at=a.expires_at,
        created_at=a.created_at,
        devices=a.devices,
    )


def recent(db: Session, limit: int = 50) -> list[Announcement]:
    return list(db.scalars(select(Announcement).order_by(Announcement.id.desc()).limit(limit)))
