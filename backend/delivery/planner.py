"""The planner: subscriptions and app reminders -> outbox rows for the coming day.

* Garbage days come from ``core.garbage.calendar``; texts are rendered with Babel/gettext in
  the device's language (``delivery.messages``).
* The reminder time is local to the device's time zone; quiet hours hold a reminder until
  they end (if that is still before the put-out deadline), and every row gets an expiry so
  a late reminder is dropped instead of shown at night: the earliest of
  send time + the late limit, the next start of quiet hours (default night 22:00-06:00),
  and, for garbage, the put-out deadline of the collection day.
* Rows are inserted with ON CONFLICT DO NOTHING on (device_id, occurrence_key): planning is
  idempotent, any number of planners may run.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from backend.db import insert_ignore, utcnow
from backend.delivery import messages
from backend.delivery.models import PENDING, OutboxRow
from backend.devices.models import Device
from backend.reminders import templates
from backend.reminders.models import AppReminder
from backend.settings import Settings
from backend.subscriptions.models import GarbageSubscription
from core.city import CityNotFound, load_city
from core.garbage import calendar as cal
from core.garbage.ics import put_out_by
from core.garbage.service import AreaNotFound, find_area

log = logging.getLogger("machi.planner")

NIGHT = (dt.time(22, 0), dt.time(6, 0))
DAY = dt.timedelta(days=1)
outbox = OutboxRow.__table__


def hm(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


@lru_cache(maxsize=512)
def zone(name: str) -> dt.tzinfo:
    return zoneinfo.ZoneInfo(name)


def in_window(t: dt.time, start: dt.time, end: dt.time) -> bool:
    return start <= t < end if start < end else (t >= start or t < end)


def quiet_release(local: dt.datetime, quiet: tuple[dt.time, dt.time] | None) -> dt.datetime:
    """``local`` itself, or the end of the quiet hours it falls in."""
    if not quiet or not in_window(local.timetz().replace(tzinfo=None), *quiet):
        return local
    start, end = quiet
    day = local.date()
    if not start < end and local.time() >= start:
        day += DAY
    return dt.datetime.combine(day, end, tzinfo=local.tzinfo)


def next_start(local: dt.datetime, start: dt.time) -> dt.datetime:
    candidate = dt.datetime.combine(local.date(), start, tzinfo=local.tzinfo)
    return candidate if candidate > local else candidate + DAY


def expiry(send_local: dt.datetime, late: dt.timedelta, quiet: tuple[dt.time, dt.time] | None,
           deadline: dt.datetime | None = None) -> dt.datetime:
    cap = send_local + late
    window = quiet or NIGHT
    if quiet or not in_window(send_local.time(), *NIGHT):
        cap = min(cap, next_start(send_local, window[0]))
    if deadline is not None:
        cap = min(cap, deadline)
    return cap


@dataclass(frozen=True)
class Occurrence:
    key: str
    send_at: dt.datetime  # UTC
    expires_at: dt.datetime  # UTC
    day: dt.date
    categories: tuple[str, ...]


@lru_cache(maxsize=4096)
def _collections(city_slug: str, area_id: str, start: dt.date, end: dt.date):
    city = load_city(city_slug)
    area = find_area(city, area_id)
    return [(day, tuple(c.category.id for c in cs)) for day, cs in cal.collections(city.garbage, area, start, end).items()]


def garbage_occurrences(city_slug: str, area_id: str, tz_name: str, time_hm: str, day_offset: int,
                        categories: tuple[str, ...] | None, quiet: tuple[dt.time, dt.time] | None,
                        start: dt.datetime, end: dt.datetime, late: dt.timedelta) -> list[Occurrence]:
    """Reminders of one subscription whose (quiet-adjusted) send time is in [start, end]."""
    city = load_city(city_slug)
    tz, city_tz = zone(tz_name), zone(city.timezone)
    first = start.astimezone(tz).date() - dt.timedelta(days=day_offset) - DAY
    last = end.astimezone(tz).date() - dt.timedelta(days=day_offset) + DAY
    deadline_time = put_out_by(city)
    at = hm(time_hm)
    out = []
    for day, cats in _collections(city_slug, area_id, first, last):
        ids = tuple(c for c in cats if categories is None or c in categories)
        if not ids:
            continue
        local = quiet_release(dt.datetime.combine(day + dt.timedelta(days=day_offset), at, tzinfo=tz), quiet)
        deadline = dt.datetime.combine(day, deadline_time, tzinfo=city_tz)
        if local >= deadline:
            continue
        send = local.astimezone(dt.UTC)
        if not start <= send <= end:
            continue
        exp = expiry(local, late, quiet, deadline).astimezone(dt.UTC)
        if exp <= send:
            continue
        out.append(Occurrence(f"garbage:{city_slug}:{area_id}:{day.isoformat()}", send, exp, day, ids))
    return out


@dataclass
class PlanReport:
    candidates: int = 0
    inserted: int = 0
    seconds: float = 0.0


def _quiet(start: str | None, end: str | None):
    return (hm(start), hm(end)) if start and end else None


def outbox_row(device_id: str, key: str, kind: str, title: str, body: str, data: dict, send: dt.datetime,
               expires: dt.datetime, now: dt.datetime, priority: int = 0) -> dict:
    """One pending outbox row, ready for ``insert_rows`` (texts cut to the column sizes)."""
    return {"device_id": device_id, "occurrence_key": key, "kind": kind, "priority": priority, "title": title[:300],
            "body": body[:2000], "data": data, "send_at": send, "expires_at": expires, "status": PENDING,
            "attempts": 0, "next_attempt_at": send, "created_at": now, "updated_at": now}


def _garbage_rows(conn: Connection, settings: Settings, now: dt.datetime, start: dt.datetime, end: dt.datetime,
                  device_id: str | None = None) -> list[dict]:
    s, d = GarbageSubscription.__table__, Device.__table__
    q = (select(s.c.device_id, s.c.city, s.c.area_id, s.c.time, s.c.day_offset, s.c.categories, d.c.locale,
                d.c.timezone, d.c.quiet_start, d.c.quiet_end).join(d, d.c.id == s.c.device_id))
    if device_id:
        q = q.where(s.c.device_id == device_id)
    late = dt.timedelta(minutes=settings.garbage_late_minutes)
    cache: dict[tuple, list[Occurrence]] = {}
    rows: list[dict] = []
    for r in conn.execute(q):
        cats = tuple(r.categories) if r.categories else None
        quiet = _quiet(r.quiet_start, r.quiet_end)
        gk = (r.city, r.area_id, r.timezone, r.time, r.day_offset, cats, quiet)
        occs = cache.get(gk)
        if occs is None:
            try:
                occs = garbage_occurrences(r.city, r.area_id, r.timezone, r.time, r.day_offset, cats, quiet,
                                           start, end, late)
            except (CityNotFound, AreaNotFound, KeyError) as exc:
                log.error("garbage subscription of %s names missing city data: %s", r.device_id, exc)
                occs = []
            cache[gk] = occs
        for o in occs:
            title, body = messages.garbage(r.locale, r.city, o.day, o.categories, r.day_offset)
            data = {"kind": "garbage", "city": r.city, "area_id": r.area_id, "date": o.day.isoformat(),
                    "categories": ",".join(o.categories)}
            rows.append(outbox_row(r.device_id, o.key, "garbage", title, body, data, o.send_at, o.expires_at, now))
    return rows


def _app_rows(conn: Connection, settings: Settings, now: dt.datetime, start: dt.datetime, end: dt.datetime,
              device_id: str | None = None) -> list[dict]:
    a, d = AppReminder.__table__, Device.__table__
    late = dt.timedelta(minutes=settings.app_reminder_late_minutes)
    q = (select(a.c.device_id, a.c.occurrence_key, a.c.send_at, a.c.template, a.c.params, d.c.locale, d.c.timezone,
                d.c.quiet_start, d.c.quiet_end).join(d, d.c.id == a.c.device_id)
         .where(a.c.send_at >= start - DAY, a.c.send_at <= end))
    if device_id:
        q = q.where(a.c.device_id == device_id)
    rows = []
    for r in conn.execute(q):
        quiet = _quiet(r.quiet_start, r.quiet_end)
        local = quiet_release(r.send_at.astimezone(zone(r.timezone)), quiet)
        send = local.astimezone(dt.UTC)
        exp = expiry(local, late, quiet).astimezone(dt.UTC)
        if not start <= send <= end or exp <= send or exp <= now:
            continue
        try:
            title, body = templates.render(r.template, r.params, r.locale)
        except (templates.TemplateError, KeyError, ValueError) as exc:
            log.error("cannot render app reminder %s of %s: %s", r.occurrence_key, r.device_id, exc)
            continue
        data = {"kind": "app", "template": r.template, **{k: str(v) for k, v in r.params.items()}}
        rows.append(outbox_row(r.device_id, f"app:{r.occurrence_key}", "app", title, body, data, send, exp, now))
    return rows


def insert_rows(conn: Connection, rows: list[dict], chunk: int = 5000) -> None:
    stmt = insert_ignore(conn, outbox)
    for i in range(0, len(rows), chunk):
        conn.execute(stmt, rows[i:i + chunk])


def _window(settings: Settings, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    late = max(settings.garbage_late_minutes, settings.app_reminder_late_minutes)
    return now - dt.timedelta(minutes=late), now + dt.timedelta(hours=settings.plan_horizon_hours)


def plan(engine: Engine, settings: Settings, now: dt.datetime | None = None) -> PlanReport:
    import time

    t0 = time.perf_counter()
    now = now or utcnow()
    start, end = _window(settings, now)
    report = PlanReport()
    with engine.connect() as conn:
        rows = _garbage_rows(conn, settings, now, start, end) + _app_rows(conn, settings, now, start, end)
    report.candidates = len(rows)
    with engine.begin() as conn:
        before = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
        insert_rows(conn, rows)
        report.inserted = conn.execute(select(func.count()).select_from(outbox)).scalar_one() - before
    report.seconds = time.perf_counter() - t0
    return report


def plan_device(db: Session, settings: Settings, device_id: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """Plan one device right away (after a subscription change); returns its next garbage send time."""
    now = now or utcnow()
    start, end = _window(settings, now)
    conn = db.connection()
    rows = _garbage_rows(conn, settings, now, start, end, device_id) + _app_rows(conn, settings, now, start, end,
                                                                                 device_id)
    insert_rows(conn, rows)
    db.commit()
    upcoming = [r["send_at"] for r in rows if r["kind"] == "garbage" and r["send_at"] >= now]
    return min(upcoming) if upcoming else None
