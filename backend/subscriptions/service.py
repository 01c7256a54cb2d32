from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from backend.db import utcnow
from backend.delivery import planner
from backend.devices.models import Device
from backend.errors import ApiError
from backend.settings import Settings
from backend.subscriptions.models import GarbageSubscription
from backend.subscriptions.schemas import (
    GarbageSubscriptionIn,
    GarbageSubscriptionOut,
    QuietHours,
    SubscriptionsOut,
)
from core.city import City, CityNotFound, load_city
from core.garbage.service import AreaNotFound, find_area


def city_or_422(slug: str) -> City:
    try:
        return load_city(slug)
    except CityNotFound:
        raise ApiError(422, "unknown_city", f"unknown city {slug!r}", "city") from None


def validate(data: GarbageSubscriptionIn) -> tuple[City, str, list[str] | None]:
    city = city_or_422(data.city)
    try:
        area = find_area(city, data.area_id)
    except AreaNotFound as exc:
        raise ApiError(422, "unknown_area", str(exc), "area_id") from None
    cats = None
    if data.categories is not None:
        known = [c.id for c in city.garbage.categories]
        bad = [c for c in data.categories if c not in known]
        if bad:
            raise ApiError(
                422,
                "unknown_category",
                f"unknown category {bad[0]!r}; {city.slug} has: {', '.join(known)}",
                "categories",
            )
        cats = [c for c in known if c in set(data.categories)]
    return city, area.id, cats


def put_garbage(db: Session, device: Device, data: GarbageSubscriptionIn) -> GarbageSubscription:
    city, area_id, cats = validate(data)
    sub = db.get(GarbageSubscription, device.id)
    if sub is None:
        sub = GarbageSubscription(device_id=device.id)
        db.add(sub)
    sub.city, sub.area_id, sub.time, sub.day_offset, sub.categories = (
        city.slug,
        area_id,
        data.time,
        data.day_offset,
        cats,
    )
    return sub


def next_reminder_at(
    *, sub: GarbageSubscription, device: Device, settings: Settings, now: dt.datetime | None = None
) -> dt.datetime | None:
    """When the subscription's next reminder goes out (UTC), from the calendar; None if never."""
    quiet = None
    if device.quiet_start and device.quiet_end:
        quiet = (planner.hm(device.quiet_start), planner.hm(device.quiet_end))
    return planner.next_reminder(
        city_slug=sub.city,
        area_id=sub.area_id,
        tz_name=device.timezone,
        time_hm=sub.time,
        day_offset=sub.day_offset,
        categories=tuple(sub.categories) if sub.categories else None,
        quiet=quiet,
        now=now or utcnow(),
        late=dt.timedelta(minutes=settings.garbage_late_minutes),
    )


def garbage_out(*, sub: GarbageSubscription, device: Device, settings: Settings) -> GarbageSubscriptionOut:
    """The subscription as the API shows it, with its real next reminder time."""
    city = load_city(sub.city)
    area = find_area(city, sub.area_id)
    return GarbageSubscriptionOut(
        city=sub.city,
        area_id=sub.area_id,
        area_name=area.name,
        time=sub.time,
        day_offset=sub.day_offset,
        categories=sub.categories,
        next_reminder_at=next_reminder_at(sub=sub, device=device, settings=settings),
    )


def all_out(*, db_session: Session, device: Device, settings: Settings) -> SubscriptionsOut:
    """Every subscription of the device."""
    sub = db_session.get(GarbageSubscription, device.id)
    quiet = (
        QuietHours(start=device.quiet_start, end=device.quiet_end)
        if device.quiet_start and device.quiet_end
        else None
    )
    return SubscriptionsOut(
        garbage=garbage_out(sub=sub, device=device, settings=settings) if sub else None,
        quiet_hours=quiet,
        news_categories=list(device.news_categories or []),
        disaster_alerts=device.disaster_alerts,
    )
