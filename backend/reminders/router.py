from __future__ import annotations

from fastapi import APIRouter, Body, Depends

from backend.delivery import planner
from backend.deps import DB, AuthedDevice, get_settings
from backend.errors import responses
from backend.reminders import service, templates
from backend.reminders.schemas import MAX_REMINDERS, AppReminderIn, AppRemindersOut, TemplateOut
from backend.settings import Settings

router = APIRouter(tags=["reminders"])


@router.put(
    "/v1/devices/{device_id}/reminders",
    response_model=AppRemindersOut,
    responses=responses(401, 404, 413, 422, 429),
    summary="Replace the device's app-owned reminders (atomically)",
)
def put_reminders(
    device: AuthedDevice,
    db: DB,
    items: list[AppReminderIn] = Body(max_length=MAX_REMINDERS),
    settings: Settings = Depends(get_settings),
) -> AppRemindersOut:
    service.replace(db, device, items)
    db.commit()
    planner.plan_device(db, settings, device.id)
    return service.listing(db, device)


@router.get(
    "/v1/devices/{device_id}/reminders",
    response_model=AppRemindersOut,
    responses=responses(401, 404, 422, 429),
    summary="The device's app-owned reminders",
)
def get_reminders(device: AuthedDevice, db: DB) -> AppRemindersOut:
    return service.listing(db, device)


@router.get(
    "/v1/reminder-templates", response_model=list[TemplateOut], summary="Templates and their parameters"
)
def get_templates() -> list[TemplateOut]:
    return [TemplateOut(**d) for d in templates.describe()]
