from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel
from sqlalchemy import func, select

from backend.admin import service
from backend.admin.models import ApiToken
from backend.delivery.models import OutboxRow, Pause
from backend.deps import DB, auth_failed, bearer_scheme, check_auth_allowed
from backend.devices.models import Device
from backend.errors import ApiError, responses

router = APIRouter(prefix="/v1/admin", tags=["staff"])
StaffToken = ApiToken


def staff(scope: str | None):
    def dep(
        request: Request,
        db: DB,
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    ) -> ApiToken:
        ip = check_auth_allowed(request)
        request.app.state.admin_limiter.check(ip, "staff requests from this address")
        token = service.check_token(db, creds.credentials if creds else None)
        if token is None:
            raise auth_failed(request, ip, "missing, wrong or revoked staff token (machi admin create-token)")
        if scope is not None and not service.allows(token, scope):
            raise ApiError(
                403, "forbidden", f"this token has scope {token.scope!r}; {scope!r} or 'admin' is needed"
            )
        db.commit()
        return token

    return dep


class AuditOut(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    action: str
    target: str | None
    detail: dict


class StatsOut(BaseModel):
    devices: int
    devices_with_push_token: int
    outbox: dict[str, int]
    paused: dict[str, dt.datetime]


@router.get(
    "/audit",
    response_model=list[AuditOut],
    responses=responses(401, 403, 422, 429),
    summary="The audit log, newest first (scope admin)",
)
def get_audit(
    db: DB, token: ApiToken = Depends(staff("admin")), limit: int = Query(100, ge=1, le=1000)
) -> list[AuditOut]:
    return [
        AuditOut(id=e.id, at=e.at, actor=e.actor, action=e.action, target=e.target, detail=e.detail)
        for e in service.entries(db, limit)
    ]


@router.get(
    "/stats",
    response_model=StatsOut,
    responses=responses(401, 403, 429),
    summary="Delivery figures (scope admin)",
)
def get_stats(db: DB, token: ApiToken = Depends(staff("admin"))) -> StatsOut:
    outbox = dict(db.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all())
    return StatsOut(
        devices=db.scalar(select(func.count()).select_from(Device)) or 0,
        devices_with_push_token=db.scalar(
            select(func.count()).select_from(Device).where(Device.push_token.is_not(None))
        )
        or 0,
        outbox={k: int(v) for k, v in outbox.items()},
        paused={p.key: p.until for p in db.scalars(select(Pause))},
    )
