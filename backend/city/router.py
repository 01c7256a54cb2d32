"""``/v1/cities/{slug}/bundle``, ``/v1/places``, ``/v1/events``, ``/v1/news``: public, cacheable reads.

Every answer carries an ETag and Cache-Control; a matching If-None-Match gets 304. Texts come in
the requested language when the city's data has it, else in Japanese, labelled with their
language and ``original`` — never machine-translated.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from backend.city import service
from backend.city.schemas import EventOut, EventsPage, NewsOut, NewsPage, PlaceOut, PlacesPage, Text
from backend.deps import get_settings
from backend.errors import ApiError, responses
from backend.settings import Settings
from core.city import DEFAULT_CITY
from core.events import Event
from core.places.model import Place

router = APIRouter(prefix="/v1", tags=["city"])

Kind = Literal["tourism", "wifi", "shelter", "evacuation", "aed", "childcare"]
Hazard = Literal[
    "flood", "landslide", "storm_surge", "earthquake", "tsunami", "fire", "inland_flood", "volcano"
]
CACHE = "public, max-age=300"
SLUG = r"^[A-Za-z0-9-]+$"
CityQ = Query(DEFAULT_CITY, pattern=SLUG, description="City slug.")
LangQ = Query(
    "ja", pattern=r"^[A-Za-z_@]{2,12}$", description="Wanted language (ja, ja@easy, en, pt_BR, ...)."
)


def _cached(request: Request, payload: dict, *, cache: str = CACHE) -> Response:
    etag = service.etag_of(payload)
    headers = {"ETag": etag, "Cache-Control": cache, "Vary": "Accept-Encoding"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return JSONResponse(payload, headers=headers)


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def _text(text: str, lang: str, original_lang: str = "ja") -> Text:
    return Text(text=text, language=lang, original=lang == original_lang)


def _place(p: Place, lang: str, distance: int | None, bearing: float | None) -> PlaceOut:
    name, name_lang = p.display_name(lang)
    return PlaceOut(
        id=p.id,
        kind=p.kind,
        name=_text(name, name_lang),
        lat=p.lat,
        lon=p.lon,
        hazards=[
            h
            for h in (
                "flood",
                "landslide",
                "storm_surge",
                "earthquake",
                "tsunami",
                "fire",
                "inland_flood",
                "volcano",
            )
            if h in p.hazards
        ],
        address=p.address,
        distance_m=distance,
        bearing_deg=bearing,
        info=p.info,
    )


def _event(e: Event, lang: str) -> EventOut:
    title, title_lang = e.title_in(lang)
    return EventOut(
        id=e.id,
        title=_text(title, title_lang, e.language),
        start=e.start.isoformat(),
        end=e.end.isoformat(),
        start_time=e.start_time,
        end_time=e.end_time,
        description=_text(e.description, e.language, e.language),
        category=e.category,
        place_name=e.place_name,
        address=e.address,
        lat=e.lat,
        lon=e.lon,
        url=e.url,
    )


def _page(total: int, offset: int, limit: int, shown: int) -> dict:
    nxt = offset + shown if offset + shown < total else None
    return {"total": total, "offset": offset, "limit": limit, "next_offset": nxt}


@router.get(
    "/cities/{slug}/bundle",
    responses={**responses(404, 422), 304: {"description": "Not modified"}},
    summary="The city's published data bundle (manifest + files); ETag = content hash",
)
def get_bundle(
    request: Request, slug: str = Path(pattern=SLUG), settings: Settings = Depends(get_settings)
) -> Response:
    manifest, body = service.bundle(settings=settings, city=slug)
    etag = f'"{manifest["content_hash"]}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache", "X-Machi-Bundle-Version": str(manifest["version"])}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/places",
    response_model=PlacesPage,
    responses={**responses(404, 422), 304: {"description": "Not modified"}},
    summary="Places of a kind, nearest first around near=LAT,LON (spatial index), within radius metres",
)
def get_places(
    request: Request,
    settings: Settings = Depends(get_settings),
    city: str = CityQ,
    kind: Kind | None = Query(None),
    near: str | None = Query(None, description="LAT,LON in decimal degrees (WGS84)."),
    radius: float | None = Query(None, gt=0, le=500_000, description="Metres around near."),
    hazard: Hazard | None = Query(None, description="Only places designated for this hazard."),
    lang: str = LangQ,
    offset: int = Query(0, ge=0, le=200_000),
    limit: int = Query(20, ge=1, le=200),
) -> Response:
    total, rows = service.find_places(
        settings=settings,
        city=city,
        kind=kind,
        near=near,
        radius=radius,
        hazard=hazard,
        offset=offset,
        limit=limit,
    )
    items = [_place(p, lang, d, b).model_dump() for p, d, b in rows]
    return _cached(request, {**_page(total, offset, limit, len(items)), "items": items})


def _day(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApiError(422, "invalid", f"{name} must be YYYY-MM-DD, not {value!r}", name) from None


@router.get(
    "/events",
    response_model=EventsPage,
    responses={**responses(404, 422), 304: {"description": "Not modified"}},
    summary="Events overlapping [from, to] (dates in the city's zone), of a category",
)
def get_events(
    request: Request,
    settings: Settings = Depends(get_settings),
    city: str = CityQ,
    start: str | None = Query(None, alias="from", description="YYYY-MM-DD"),
    end: str | None = Query(None, alias="to", description="YYYY-MM-DD"),
    category: str | None = Query(None, max_length=100),
    lang: str = LangQ,
    offset: int = Query(0, ge=0, le=100_000),
    limit: int = Query(50, ge=1, le=200),
) -> Response:
    first, last = _day(start, "from"), _day(end, "to")
    if first and last and last < first:
        raise ApiError(422, "invalid", f"to {end} is before from {start}", "to")
    found = service.find_events(settings=settings, city=city, start=first, end=last, category=category)
    items = [_event(e, lang).model_dump() for e in found[offset : offset + limit]]
    return _cached(request, {**_page(len(found), offset, limit, len(items)), "items": items})


@router.get(
    "/news",
    response_model=NewsPage,
    responses={**responses(404, 422), 304: {"description": "Not modified"}},
    summary="The city's news (from its RSS/Atom feeds), newest first",
)
def get_news(
    request: Request,
    settings: Settings = Depends(get_settings),
    city: str = CityQ,
    lang: str = LangQ,
    offset: int = Query(0, ge=0, le=100_000),
    limit: int = Query(20, ge=1, le=200),
) -> Response:
    found = service.news(settings=settings, city=city)
    items = [
        NewsOut(
            id=i["id"],
            title=_text(i["title"], i.get("language", "ja"), i.get("language", "ja")),
            link=i["link"],
            published=i.get("published"),
            summary=_text(i.get("summary", ""), i.get("language", "ja"), i.get("language", "ja")),
            source=i.get("source", ""),
        ).model_dump()
        for i in found[offset : offset + limit]
    ]
    return _cached(request, {**_page(len(found), offset, limit, len(items)), "items": items})


@router.get(
    "/tourist",
    response_class=Response,
    responses={
        200: {"content": {"text/html": {}}},
        **responses(404, 422),
        304: {"description": "Not modified"},
    },
    summary="Tourist mode as one small HTML page (no script): language, free Wi-Fi, sights, events",
)
def get_tourist(
    request: Request,
    settings: Settings = Depends(get_settings),
    city: str = CityQ,
    lang: str | None = Query(None, pattern=r"^[A-Za-z_@-]{2,12}$"),
) -> Response:
    from backend.city import tourist

    chosen = tourist.language_of(lang, request.headers.get("accept-language"))
    page = tourist.render(
        city=service.load(settings=settings, city=city),
        places=service.places(settings=settings, city=city),
        events=service.events(settings=settings, city=city),
        lang=chosen,
        app_url=settings.web_origin,
    )
    etag = service.etag_of(page)
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=300",
        "Vary": "Accept-Language",
        "Content-Language": chosen.replace("_", "-"),
    }
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(page.encode("utf-8"), media_type="text/html; charset=utf-8", headers=headers)
