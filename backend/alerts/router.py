from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from backend.admin.router import StaffToken, staff
from backend.alerts import service
from backend.alerts.models import Alert
from backend.alerts.schemas import AlertOut, CityAlerts, ShelterOut
from backend.deps import DB
from backend.errors import responses
from core.i18n import normalize_language, pick

router = APIRouter(tags=["alerts"])
CitySlug = Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,64}$", description="City slug")]
PlaceId = Annotated[str, Path(min_length=1, max_length=64, description="Place id of the city's places data")]


def out(a: Alert, lang: str) -> AlertOut:
    return AlertOut(
        id=str(a.id),
        origin=a.origin,
        event=a.event,
        change=a.change,
        level=a.level,
        severity=a.severity,
        urgency=a.urgency,
        name=a.name,
        drill=a.drill,
        headline=pick(a.headline, lang),
        instruction=pick(a.instruction, lang),
        source=pick(a.sender, lang) if a.sender else "",
        areas=a.areas,
        issued_at=a.issued_at,
        expires_at=a.expires_at,
    )


@router.get(
    "/v1/cities/{city}/alerts",
    response_model=CityAlerts,
    responses=responses(422, 429),
    summary="Alerts in force, open shelters and the history of a city, in one language",
)
def city_alerts(
    city: str, db: DB, lang: str = Query("ja", max_length=20), limit: int = Query(50, ge=1, le=200)
) -> CityAlerts:
    slug = service._city(city)
    lang = normalize_language(lang, fallback="ja")
    return CityAlerts(
        city=slug,
        active=[out(a, lang) for a in service.active(db_session=db, city=slug)],
        open_shelters=service.open_shelters(db_session=db, city=slug),
        history=[out(a, lang) for a in service.history(db_session=db, city=slug, limit=limit)],
    )


def _shelter(db, city: str, place_id: str, is_open: bool, token: StaffToken) -> ShelterOut:
    row = service.set_shelter(
        db_session=db, city=city, place_id=place_id, is_open=is_open, actor=f"token:{token.id}"
    )
    return ShelterOut(city=row.city, id=row.place_id, open=row.open, updated_at=row.updated_at)


@router.post(
    "/v1/admin/cities/{city}/shelters/{place_id}/open",
    response_model=ShelterOut,
    tags=["staff"],
    responses=responses(401, 403, 404, 422, 429),
    summary="Open a shelter (scope alert)",
)
def open_shelter(
    city: CitySlug, place_id: PlaceId, db: DB, token: StaffToken = Depends(staff("alert"))
) -> ShelterOut:
    return _shelter(db, city, place_id, True, token)


@router.post(
    "/v1/admin/cities/{city}/shelters/{place_id}/close",
    response_model=ShelterOut,
    tags=["staff"],
    responses=responses(401, 403, 404, 422, 429),
    summary="Close a shelter (scope alert)",
)
def close_shelter(
    city: CitySlug, place_id: PlaceId, db: DB, token: StaffToken = Depends(staff("alert"))
) -> ShelterOut:
    return _shelter(db, city, place_id, False, token)
