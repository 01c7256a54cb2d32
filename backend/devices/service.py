from __future__ import annotations

import re

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from backend.admin.service import audit
from backend.db import utcnow
from backend.delivery.models import PENDING, OutboxRow
from backend.devices.models import Device
from backend.devices.schemas import DeviceIn, DeviceOut
from backend.security import hash_secret, new_id, new_secret

FID = re.compile(r"^[cdef][A-Za-z0-9_-]{21}$")


def token_kind(token: str | None) -> str | None:
    if not token:
        return None
    return "fid" if FID.match(token) else "token"


def _take_token(db: Session, device: Device, token: str | None) -> None:
    """Give ``token`` to ``device``; another device holding the same token (a reinstall)
    loses it, so one phone never gets a reminder twice."""
    token = token or None
    th = hash_secret(token) if token else None
    if th:
        others = db.scalars(select(Device.id).where(Device.token_hash == th, Device.id != device.id)).all()
        if others:
            db.execute(
                update(Device)
                .where(Device.id.in_(others))
                .values(push_token=None, token_hash=None, token_kind=None, token_updated_at=utcnow())
            )
            for other in others:
                audit(db, "system:devices", "token.moved", other, {"to_device": device.id})
    device.push_token, device.token_hash, device.token_kind = token, th, token_kind(token)
    device.token_updated_at = utcnow()


def register(db: Session, data: DeviceIn, news_default: list[str]) -> tuple[Device, str]:
    secret = new_secret()
    device = Device(
        id=new_id(),
        secret_hash=hash_secret(secret),
        platform=data.platform,
        locale=data.locale,
        timezone=data.timezone,
        app_version=data.app_version,
        disaster_alerts=True,
        news_categories=list(news_default),
    )
    now = utcnow()
    device.created_at = device.updated_at = device.last_seen_at = now
    _take_token(db, device, data.push_token)
    db.add(device)
    db.commit()
    return device, secret


def set_token(db: Session, device: Device, token: str | None) -> Device:
    if (token or None) != device.push_token:
        _take_token(db, device, token)
    db.commit()
    return device


def drop_pending(db: Session, device_id: str, kinds: tuple[str, ...]) -> int:
    """Forget planned-but-unsent rows (the planner writes them again from the new settings)."""
    res = db.execute(
        delete(OutboxRow).where(
            OutboxRow.device_id == device_id,
            OutboxRow.status == PENDING,
            OutboxRow.attempts == 0,
            OutboxRow.kind.in_(kinds),
        )
    )
    return res.rowcount or 0


def unregister(db: Session, device: Device) -> None:
    db.delete(device)
    db.commit()


def out(device: Device) -> DeviceOut:
    return DeviceOut(
        id=device.id,
        platform=device.platform,
        locale=device.locale,
        timezone=device.timezone,
        app_version=device.app_version,
        has_push_token=bool(device.push_token),
        created_at=device.created_at,
        last_seen_at=device.last_seen_at,
    )
