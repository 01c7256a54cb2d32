from __future__ import annotations

import re

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from backend.admin.service import audit
from backend.db import utcnow
from backend.delivery.models import PENDING, OutboxRow
from backend.devices.models import Device
from backend.devices.schemas import DeviceIn, DeviceOut, WebPushSubscription
from backend.errors import ApiError
from backend.security import hash_secret, new_id, new_secret
from backend.settings import Settings

FID = re.compile(r"^[cdef][A-Za-z0-9_-]{21}$")


def token_kind(token: str | None) -> str | None:
    if not token:
        return None
    return "fid" if FID.match(token) else "token"


NO_PUSH = dict(
    push_token=None,
    token_hash=None,
    token_kind=None,
    webpush_p256dh=None,
    webpush_auth=None,
    push_retry_at=None,
)


def check_web_push(sub: WebPushSubscription | None, settings: Settings) -> None:
    """422 unless the subscription points at an allowed push service and carries valid keys."""
    if sub is None:
        return
    from backend.delivery.webpush import check_endpoint, check_keys

    try:
        check_endpoint(sub.endpoint, settings)
    except ValueError as exc:
        raise ApiError(422, "push_service_not_allowed", str(exc), "web_push.endpoint") from None
    try:
        check_keys(sub.keys.p256dh, sub.keys.auth)
    except ValueError as exc:
        raise ApiError(422, "invalid_subscription", str(exc), "web_push.keys") from None


def check_city(slug: str | None) -> str | None:
    """The device's city slug, or 422 unknown_city."""
    if slug is None:
        return None
    from backend.subscriptions.service import city_or_422

    return city_or_422(slug).slug


def _take_token(
    db: Session, device: Device, token: str | None, web_push: WebPushSubscription | None = None
) -> None:
    """Give ``token`` (an FCM token / FID) or the Web Push subscription ``web_push`` (its endpoint
    is the token) to ``device``; another device holding the same one (a reinstall, the same
    browser registering again) loses it, so one phone never gets a reminder twice."""
    token = (web_push.endpoint if web_push is not None else token) or None
    th = hash_secret(token) if token else None
    if th:
        others = db.scalars(select(Device.id).where(Device.token_hash == th, Device.id != device.id)).all()
        if others:
            db.execute(
                update(Device).where(Device.id.in_(others)).values(**NO_PUSH, token_updated_at=utcnow())
            )
            for other in others:
                audit(db, "system:devices", "token.moved", other, {"to_device": device.id})
    device.push_token, device.token_hash = token, th
    device.token_kind = "webpush" if web_push is not None else token_kind(token)
    device.webpush_p256dh = web_push.keys.p256dh if web_push is not None else None
    device.webpush_auth = web_push.keys.auth if web_push is not None else None
    device.push_retry_at = None
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
        city=data.city,
    )
    now = utcnow()
    device.created_at = device.updated_at = device.last_seen_at = now
    _take_token(db, device, data.push_token, data.web_push)
    db.add(device)
    db.commit()
    return device, secret


def set_token(
    db: Session, device: Device, token: str | None, web_push: WebPushSubscription | None = None
) -> Device:
    """Replace the device's push token or Web Push subscription (both None: inbox only)."""
    new = (web_push.endpoint if web_push is not None else token) or None
    same_keys = web_push is None or (
        (device.webpush_p256dh, device.webpush_auth) == (web_push.keys.p256dh, web_push.keys.auth)
    )
    if new != device.push_token or not same_keys or (web_push is None) != (device.token_kind != "webpush"):
        _take_token(db, device, token, web_push)
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
        push_kind=device.token_kind if device.push_token else None,
        city=device.city,
        created_at=device.created_at,
        last_seen_at=device.last_seen_at,
    )
