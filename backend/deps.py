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
from backend.errors import unauthorized
from backend.security import verify_secret
from backend.settings import Settings

bearer_scheme = HTTPBearer(auto_error=False, description="Device secret (from POST /v1/devices) or staff token.")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


DB = Annotated[Session, Depends(get_db)]
DeviceId = Annotated[str, Path(min_length=1, max_length=64, description="Device id from registration.")]


def authed_device(request: Request, device_id: DeviceId, db: DB,
                  creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]) -> Device:
    secret = creds.credentials if creds else None
    if not secret:
        raise unauthorized("missing device secret (Authorization: Bearer <secret>)")
    device = db.get(Device, device_id)
    if not verify_secret(secret, device.secret_hash if device else None):
        raise unauthorized("wrong device id or secret")
    request.app.state.device_limiter.check(device.id, "requests for this device")
    now = utcnow()
    if now - device.last_seen_at > dt.timedelta(minutes=5):
        db.execute(update(Device).where(Device.id == device.id).values(last_seen_at=now))
        db.commit()
        device.last_seen_at = now
    return device


AuthedDevice = Annotated[Device, Depends(authed_device)]
