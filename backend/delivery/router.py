"""The inbox endpoints (notifications of the inbox transport, fetched and acknowledged by the app) and
the Web Push key the web app subscribes with."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import or_, select, update

from backend.db import utcnow
from backend.delivery.models import InboxItem
from backend.deps import DB, AuthedDevice, get_settings
from backend.errors import ApiError, responses
from backend.settings import Settings

router = APIRouter(prefix="/v1/devices/{device_id}/inbox", tags=["inbox"])


class InboxItemOut(BaseModel):
    id: str
    title: str
    body: str
    created_at: dt.datetime
    kind: str = Field(description="garbage | app | announcement | alert")
    occurrence_key: str
    priority: str = Field(description="normal | high")
    data: dict[str, str]
    expires_at: dt.datetime | None
    acknowledged_at: dt.datetime | None


class InboxOut(BaseModel):
    items: list[InboxItemOut]


class AckIn(BaseModel):
    ids: list[str] = Field(min_length=1, max_length=500)


class AckOut(BaseModel):
    acknowledged: int


def _out(i: InboxItem) -> InboxItemOut:
    return InboxItemOut(
        id=str(i.id),
        title=i.title,
        body=i.body,
        created_at=i.created_at,
        kind=i.kind,
        occurrence_key=i.occurrence_key,
        priority="high" if i.priority else "normal",
        data={str(k): str(v) for k, v in (i.data or {}).items()},
        expires_at=i.expires_at,
        acknowledged_at=i.acknowledged_at,
    )


@router.get(
    "",
    response_model=InboxOut,
    responses=responses(401, 404, 422, 429),
    summary="Notifications waiting for the device (newest first)",
)
def get_inbox(
    device: AuthedDevice,
    db: DB,
    include_acknowledged: bool = Query(False, description="Also list acknowledged items."),
    limit: int = Query(100, ge=1, le=500),
) -> InboxOut:
    now = utcnow()
    q = select(InboxItem).where(
        InboxItem.device_id == device.id, or_(InboxItem.expires_at.is_(None), InboxItem.expires_at > now)
    )
    if not include_acknowledged:
        q = q.where(InboxItem.acknowledged_at.is_(None))
    rows = db.scalars(
        q.order_by(InboxItem.priority.desc(), InboxItem.created_at.desc(), InboxItem.id.desc()).limit(limit)
    ).all()
    return InboxOut(items=[_out(r) for r in rows])


@router.post(
    "/ack",
    response_model=AckOut,
    responses=responses(401, 404, 413, 422, 429),
    summary="Acknowledge items (they leave the default listing)",
)
def ack(data: AckIn, device: AuthedDevice, db: DB) -> AckOut:
    ids = []
    for raw in data.ids:
        if raw.isdigit() and len(raw) < 19:
            ids.append(int(raw))
    if not ids:
        return AckOut(acknowledged=0)
    res = db.execute(
        update(InboxItem)
        .where(InboxItem.device_id == device.id, InboxItem.id.in_(ids), InboxItem.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow())
    )
    db.commit()
    return AckOut(acknowledged=res.rowcount or 0)


push_router = APIRouter(prefix="/v1/push", tags=["push"])


class VapidKeyOut(BaseModel):
    public_key: str = Field(
        description="The server's VAPID public key (base64url, uncompressed P-256 point): the "
        "applicationServerKey for pushManager.subscribe()."
    )


@push_router.get(
    "/vapid-public-key",
    response_model=VapidKeyOut,
    responses=responses(404),
    summary="The VAPID public key the web app subscribes with",
)
def vapid_public_key(settings: Settings = Depends(get_settings)) -> VapidKeyOut:
    if not settings.webpush:
        raise ApiError(404, "webpush_off", "this server does not send Web Push (MACHI_WEBPUSH=0)")
    from backend.delivery.webpush import vapid_public_key as public_key

    return VapidKeyOut(public_key=public_key(settings))
