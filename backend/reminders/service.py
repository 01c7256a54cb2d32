from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.devices.models import Device
from backend.devices.service import drop_pending
from backend.errors import ApiError
from backend.reminders import templates
from backend.reminders.models import AppReminder
from backend.reminders.schemas import MAX_REMINDERS, AppReminderIn, AppReminderOut, AppRemindersOut


def replace(db: Session, device: Device, items: list[AppReminderIn]) -> None:
    """Replace the device's whole set in one transaction: all of it or nothing."""
    if len(items) > MAX_REMINDERS:
        raise ApiError(422, "too_many", f"at most {MAX_REMINDERS} reminders per device", "body")
    seen: set[str] = set()
    rows = []
    for i, item in enumerate(items):
        if item.occurrence_key in seen:
            raise ApiError(
                422,
                "duplicate_key",
                f"occurrence_key {item.occurrence_key!r} appears twice",
                f"{i}.occurrence_key",
            )
        seen.add(item.occurrence_key)
        try:
            params = templates.validate(item.template, item.params)
        except templates.TemplateError as exc:
            raise ApiError(422, "invalid_template", str(exc), f"{i}.{exc.field}") from None
        rows.append(
            AppReminder(
                device_id=device.id,
                occurrence_key=item.occurrence_key,
                send_at=item.send_at,
                template=item.template,
                params=params,
            )
        )
    db.execute(delete(AppReminder).where(AppReminder.device_id == device.id))
    drop_pending(db, device.id, ("app",))
    db.add_all(rows)


def listing(db: Session, device: Device) -> AppRemindersOut:
    rows = db.scalars(
        select(AppReminder)
        .where(AppReminder.device_id == device.id)
        .order_by(AppReminder.send_at, AppReminder.occurrence_key)
    ).all()
    return AppRemindersOut(
        count=len(rows),
        reminders=[
            AppReminderOut(
                occurrence_key=r.occurrence_key, send_at=r.send_at, template=r.template, params=r.params
            )
            for r in rows
        ],
    )
