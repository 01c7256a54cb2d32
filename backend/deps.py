"""Request dependencies: settings, a DB session, the authenticated device, a staff token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import update
from sqlalchemy.orm import Session

from backend.db import utcnow
from backend.devices.models import Device
from backend.errors import ApiError, unauthorized
from backend.ratelimit import client_address
from backend.security import verify_secret
from backend.settings import Settings

bearer_scheme = HTTPBearer(
    auto_error=False, description="Device secret (from POST /v1/devices) or staff token."
)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


def client_ip(request: Request) -> str:
    """The client's address: the TCP peer, or from X-Forwarded-For when the peer is a trusted proxy
    (MACHI_TRUSTED_PROXIES, e.g. the web app's server passing on each resident's address)."""
    return client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        request.app.state.trusted_proxies,
    )


def check_auth_allowed(request: Request) -> str:
    """429 before any secret is checked when this address has failed to authenticate too often."""
    ip = client_ip(request)
    request.app.state.auth_failure_limiter.ensure_available(ip, "failed authentications from this address")
    return ip


def auth_failed(request: Request, ip: str, message: str) -> ApiError:
    """Count a failed authentication of ``ip``; the 401 to raise (a 429 once the budget is used up)."""
    request.app.state.auth_failure_limiter.check(ip, "failed authentications from this address")
    return unauthorized(message)


DB = Annotated[Session, Depends(get_db)]
DeviceId = Annotated[str, Path(min_length=1, max_length=64, description="Device id from registration.")]


def authed_device(
    request: Request,
    device_id: DeviceId,
    db: DB,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Device:
    ip = check_auth_allowed(request)
    secret = creds.credentials if creds else None
    if not secret:
        raise auth_failed(request, ip, "missing device secret (Authorization: Bearer <secret>)")
    device = db.get(Device, device_id)
    if not verify_secret(secret, device.secret_hash if device else None):
        raise auth_failed(request, ip, "wrong device id or secret")
    request.app.state.device_limiter.check(device.id, "requests for this device")
    now = utcnow()
    if now - device.last_seen_at > dt.timedelta(minutes=5):
        db.execute(update(Device).where(Device.id == device.id).values(last_seen_at=now))
        db.commit()
        device.last_seen_at = now
    return device


AuthedDevice = Annotated[Device, Depends(authed_device)]
