from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from backend.delivery import planner
from backend.deps import DB, AuthedDevice, get_settings
from backend.devices.service import drop_pending
from backend.errors import not_found, responses
from backend.settings import Settings
from backend.subscriptions import service
from backend.subscriptions.models import GarbageSubscription
from backend.subscriptions.schemas import (
    AlertsIn,
    GarbageSubscriptionIn,
    GarbageSubscriptionOut,
    NewsIn,
    QuietHours,
    SubscriptionsOut,
)

AppSettings = Annotated[Settings, Depends(get_settings)]
router = APIRouter(prefix="/v1/devices/{device_id}/subscriptions", tags=["subscriptions"])
AUTH = responses(401, 404, 413, 422, 429)


@router.get("", response_model=SubscriptionsOut, responses=AUTH, summary="All subscriptions of the device")
def get_all(device: AuthedDevice, db: DB, settings: AppSettings) -> SubscriptionsOut:
    return service.all_out(db_session=db, device=device, settings=settings)


@router.put(
    "/garbage",
    response_model=GarbageSubscriptionOut,
    responses=AUTH,
    summary="Set the garbage reminder (replaces the previous one)",
)
def put_garbage(
    data: GarbageSubscriptionIn, device: AuthedDevice, db: DB, settings: AppSettings
) -> GarbageSubscriptionOut:
    sub = service.put_garbage(db, device, data)
    drop_pending(db, device.id, ("garbage",))
    db.commit()
    planner.plan_device(db, settings, device.id)
    return service.garbage_out(sub=sub, device=device, settings=settings)


@router.get("/garbage", response_model=GarbageSubscriptionOut, responses=AUTH, summary="The garbage reminder")
def get_garbage(device: AuthedDevice, db: DB, settings: AppSettings) -> GarbageSubscriptionOut:
    sub = db.get(GarbageSubscription, device.id)
    if sub is None:
        raise not_found("garbage subscription")
    return service.garbage_out(sub=sub, device=device, settings=settings)


@router.delete(
    "/garbage", status_code=204, response_class=Response, responses=AUTH, summary="Stop garbage reminders"
)
def delete_garbage(device: AuthedDevice, db: DB) -> Response:
    sub = db.get(GarbageSubscription, device.id)
    if sub is not None:
        db.delete(sub)
    drop_pending(db, device.id, ("garbage",))
    db.commit()
    return Response(status_code=204)


@router.put(
    "/quiet-hours",
    response_model=SubscriptionsOut,
    responses=AUTH,
    summary="Quiet hours (local time): reminders wait until they end",
)
def put_quiet(data: QuietHours, device: AuthedDevice, db: DB, settings: AppSettings) -> SubscriptionsOut:
    device.quiet_start, device.quiet_end = data.start, data.end
    drop_pending(db, device.id, ("garbage", "app"))
    db.commit()
    planner.plan_device(db, settings, device.id)
    return service.all_out(db_session=db, device=device, settings=settings)


@router.delete("/quiet-hours", response_model=SubscriptionsOut, responses=AUTH, summary="No quiet hours")
def delete_quiet(device: AuthedDevice, db: DB, settings: AppSettings) -> SubscriptionsOut:
    device.quiet_start = device.quiet_end = None
    drop_pending(db, device.id, ("garbage", "app"))
    db.commit()
    planner.plan_device(db, settings, device.id)
    return service.all_out(db_session=db, device=device, settings=settings)


@router.put("/news", response_model=SubscriptionsOut, responses=AUTH, summary="News categories to receive")
def put_news(data: NewsIn, device: AuthedDevice, db: DB, settings: AppSettings) -> SubscriptionsOut:
    device.news_categories = sorted(set(data.categories))
    db.commit()
    return service.all_out(db_session=db, device=device, settings=settings)


@router.put(
    "/alerts",
    response_model=SubscriptionsOut,
    responses=AUTH,
    summary="Disaster alerts on or off (on by default)",
)
def put_alerts(data: AlertsIn, device: AuthedDevice, db: DB, settings: AppSettings) -> SubscriptionsOut:
    device.disaster_alerts = data.enabled
    db.commit()
    return service.all_out(db_session=db, device=device, settings=settings)
