from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from backend.admin.router import StaffToken, staff
from backend.announcements import service
from backend.announcements.schemas import AlertIn, AnnouncementIn, AnnouncementOut
from backend.deps import DB, get_settings
from backend.errors import responses
from backend.settings import Settings

router = APIRouter(prefix="/v1/admin", tags=["staff"])


@router.post(
    "/announcements",
    status_code=201,
    response_model=AnnouncementOut,
    responses=responses(401, 403, 413, 422, 429),
    summary="Send an announcement (scope announce)",
)
def post_announcement(
    data: AnnouncementIn,
    db: DB,
    token: StaffToken = Depends(staff("announce")),
    settings: Settings = Depends(get_settings),
) -> AnnouncementOut:
    return service.out(service.create_announcement(db, settings, data, f"token:{token.id}"))


@router.post(
    "/alerts",
    status_code=201,
    response_model=AnnouncementOut,
    responses=responses(401, 403, 413, 422, 429),
    summary="Send a disaster alert (scope alert)",
)
def post_alert(data: AlertIn, db: DB, token: StaffToken = Depends(staff("alert"))) -> AnnouncementOut:
    return service.out(service.create_alert(db, data, f"token:{token.id}"))


@router.get(
    "/announcements",
    response_model=list[AnnouncementOut],
    responses=responses(401, 403, 422, 429),
    summary="Recent announcements and alerts (any staff scope)",
)
def list_announcements(
    db: DB, token: StaffToken = Depends(staff(None)), limit: int = Query(50, ge=1, le=500)
) -> list[AnnouncementOut]:
    return [service.out(a) for a in service.recent(db, limit)]
