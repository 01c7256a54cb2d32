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
* Only collection days inside the city's validity period (``CityGarbage.validity``) are
  reminded.  When the data runs out, each subscribed device gets one notice that reminders
  are paused (key ``garbage-paused:<city>:<last valid day>``), at the time its first missing
  reminder was due (or at once if that is past), outside the night or its quiet hours.
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
from core.city import City, CityNotFound, load_city
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


def expiry(
    send_local: dt.datetime,
    late: dt.timedelta,
    quiet: tuple[dt.time, dt.time] | None,
    deadline: dt.datetime | None = None,
) -> dt.datetime:
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
    paused: bool = False  # the notice that the city's data has run out (``day`` is its last valid day)


def _collections_uncached(city: City, area_id: str, start: dt.date, end: dt.date):
    """Collection days in [start, end] that the city's data covers, with their category ids.

    ``city`` is one loaded version of the city's data (``load_city`` loads a new object when its
    garbage.json changes, e.g. after ``machi city publish`` or an import), so the cache below is
    keyed by the data itself, never by the slug: new data is planned at once."""
    area = find_area(city, area_id)
    validity = city.garbage.validity
    if validity.start and start < validity.start:
        start = validity.start
    if validity.end and end > validity.end:
        end = validity.end
    if start > end:
        return []
    return [
        (day, tuple(c.category.id for c in cs))
        for day, cs in cal.collections(city.garbage, area, start, end).items()
    ]


_collections = lru_cache(maxsize=4096)(_collections_uncached)


def garbage_occurrences(
    city_slug: str,
    area_id: str,
    tz_name: str,
    time_hm: str,
    day_offset: int,
    categories: tuple[str, ...] | None,
    quiet: tuple[dt.time, dt.time] | None,
    start: dt.datetime,
    end: dt.datetime,
    late: dt.timedelta,
    cached: bool = True,
) -> list[Occurrence]:
    """Reminders of one subscription whose (quiet-adjusted) send time is in [start, end]."""
    city = load_city(city_slug)
    tz, city_tz = zone(tz_name), zone(city.timezone)
    first = start.astimezone(tz).date() - dt.timedelta(days=day_offset) - DAY
    last = end.astimezone(tz).date() - dt.timedelta(days=day_offset) + DAY
    deadline_time = put_out_by(city)
    at = hm(time_hm)
    out = []
    days = (_collections if cached else _collections_uncached)(city, area_id, first, last)
    for day, cats in days:
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


def paused_notice(
    city_slug: str,
    tz_name: str,
    time_hm: str,
    day_offset: int,
    quiet: tuple[dt.time, dt.time] | None,
    now: dt.datetime,
    end: dt.datetime,
) -> Occurrence | None:
    """The one notice that reminders are paused, if the city's data has run out by ``end``.

    It goes out when the reminder of the first day the data does not cover was due, or at
    ``now`` if that is past, moved out of the night (or the device's quiet hours)."""
    valid_to = load_city(city_slug).garbage.validity.end
    if valid_to is None:
        return None
    tz = zone(tz_name)
    due = dt.datetime.combine(valid_to + DAY + dt.timedelta(days=day_offset), hm(time_hm), tzinfo=tz)
    local = quiet_release(max(due, now.astimezone(tz)), quiet or NIGHT)
    send = local.astimezone(dt.UTC)
    if send > end:
        return None
    exp = expiry(local, DAY, quiet).astimezone(dt.UTC)
    return Occurrence(
        f"garbage-paused:{city_slug}:{valid_to.isoformat()}", send, exp, valid_to, (), paused=True
    )


def next_reminder(
    *,
    city_slug: str,
    area_id: str,
    tz_name: str,
    time_hm: str,
    day_offset: int,
    categories: tuple[str, ...] | None,
    quiet: tuple[dt.time, dt.time] | None,
    now: dt.datetime,
    late: dt.timedelta,
) -> dt.datetime | None:
    """When the next garbage reminder of a subscription goes out (UTC), from the calendar and
    within the city's validity period; None if there is none within ``cal.NEXT_HORIZON``."""
    valid_to = load_city(city_slug).garbage.validity.end
    horizon = now + cal.NEXT_HORIZON
    start, span = now, dt.timedelta(days=8)
    while start < horizon:
        if valid_to is not None and start.date() > valid_to + 2 * DAY:
            return None
        stop = min(start + span, horizon)
        occs = garbage_occurrences(
            city_slug,
            area_id,
            tz_name,
            time_hm,
            day_offset,
            categories,
            quiet,
            start,
            stop,
            late,
            cached=False,
        )
        if occs:
            return min(o.send_at for o in occs)
        start, span = stop, span * 4
    return None


@dataclass
class PlanReport:
    candidates: int = 0
    inserted: int = 0
    seconds: float = 0.0


def _quiet(start: str | None, end: str | None):
    return (hm(start), hm(end)) if start and end else None


def outbox_row(
    device_id: str,
    key: str,
    kind: str,
    title: str,
    body: str,
    data: dict,
    send: dt.datetime,
    expires: dt.datetime,
    now: dt.datetime,
    priority: int = 0,
) -> dict:
    """One pending outbox row, ready for ``insert_rows`` (texts cut to the column sizes)."""
    return {
        "device_id": device_id,
        "occurrence_key": key,
        "kind": kind,
        "priority": priority,
        "title": title[:300],
        "body": body[:2000],
        "data": data,
        "send_at": send,
        "expires_at": expires,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": send,
        "created_at": now,
        "updated_at": now,
    }


def _garbage_rows(
    conn: Connection,
    settings: Settings,
    now: dt.datetime,
    start: dt.datetime,
    end: dt.datetime,
    device_id: str | None = None,
) -> list[dict]:
    s, d = GarbageSubscription.__table__, Device.__table__
    q = select(
        s.c.device_id,
        s.c.city,
        s.c.area_id,
        s.c.time,
        s.c.day_offset,
        s.c.categories,
        d.c.locale,
        d.c.timezone,
        d.c.quiet_start,
        d.c.quiet_end,
    ).join(d, d.c.id == s.c.device_id)
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
                occs = garbage_occurrences(
                    r.city, r.area_id, r.timezone, r.time, r.day_offset, cats, quiet, start, end, late
                )
                notice = paused_notice(r.city, r.timezone, r.time, r.day_offset, quiet, now, end)
                if notice is not None:
                    occs.append(notice)
            except (CityNotFound, AreaNotFound, KeyError) as exc:
                log.error("garbage subscription of %s names missing city data: %s", r.device_id, exc)
                occs = []
            cache[gk] = occs
        for o in occs:
            if o.paused:
                title, body = messages.garbage_paused(r.locale, r.city, o.day)
                data = {
                    "kind": "garbage_paused",
                    "city": r.city,
                    "area_id": r.area_id,
                    "valid_to": o.day.isoformat(),
                }
            else:
                title, body = messages.garbage(r.locale, r.city, o.day, o.categories, r.day_offset)
                data = {
                    "kind": "garbage",
                    "city": r.city,
                    "area_id": r.area_id,
                    "date": o.day.isoformat(),
                    "categories": ",".join(o.categories),
                }
            rows.append(
                outbox_row(r.device_id, o.key, "garbage", title, body, data, o.send_at, o.expires_at, now)
            )
    return rows


def _app_rows(
    conn: Connection,
    settings: Settings,
    now: dt.datetime,
    start: dt.datetime,
    end: dt.datetime,
    device_id: str | None = None,
) -> list[dict]:
    a, d = AppReminder.__table__, Device.__table__
    late = dt.timedelta(minutes=settings.app_reminder_late_minutes)
    q = (
        select(
            a.c.device_id,
            a.c.occurrence_key,
            a.c.send_at,
            a.c.template,
            a.c.params,
            d.c.locale,
            d.c.timezone,
            d.c.quiet_start,
            d.c.quiet_end,
        )
        .join(d, d.c.id == a.c.device_id)
        .where(a.c.send_at >= start - DAY, a.c.send_at <= end)
    )
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
        rows.append(
            outbox_row(r.device_id, f"app:{r.occurrence_key}", "app", title, body, data, send, exp, now)
        )
    return rows


def insert_rows(conn: Connection, rows: list[dict], chunk: int = 5000) -> None:
    stmt = insert_ignore(conn, outbox)
    for i in range(0, len(rows), chunk):
        conn.execute(stmt, rows[i : i + chunk])


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


def plan_device(
    db: Session, settings: Settings, device_id: str, now: dt.datetime | None = None
) -> dt.datetime | None:
    """Plan one device right away (after a subscription change); returns its next garbage send time."""
    now = now or utcnow()
    start, end = _window(settings, now)
    conn = db.connection()
    rows = _garbage_rows(conn, settings, now, start, end, device_id) + _app_rows(
        conn, settings, now, start, end, device_id
    )
    insert_rows(conn, rows)
    db.commit()
    upcoming = [r["send_at"] for r in rows if r["data"]["kind"] == "garbage" and r["send_at"] >= now]
    return min(upcoming) if upcoming else None
