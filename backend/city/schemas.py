from __future__ import annotations

from pydantic import BaseModel, Field


class Text(BaseModel):
    text: str
    language: str = Field(
        description="Language of `text`: the requested one, or the original (ja) as written."
    )
    original: bool = Field(
        description="True when this is the city's original text (never machine-translated)."
    )


class PlaceOut(BaseModel):
    id: str
    kind: str
    name: Text
    lat: float
    lon: float
    hazards: list[str]
    address: str
    distance_m: int | None = None
    bearing_deg: float | None = None
    info: dict


class EventOut(BaseModel):
    id: str
    title: Text
    start: str
    end: str
    start_time: str | None
    end_time: str | None
    description: Text
    category: str
    place_name: str
    address: str
    lat: float | None
    lon: float | None
    url: str


class NewsOut(BaseModel):
    id: str
    title: Text
    link: str
    published: str | None
    summary: Text
    source: str


class Page(BaseModel):
    total: int = Field(description="Matching items in all pages.")
    offset: int
    limit: int
    next_offset: int | None = Field(description="Offset of the next page, null on the last one.")


class PlacesPage(Page):
    items: list[PlaceOut]


class EventsPage(Page):
    items: list[EventOut]


class NewsPage(Page):
    items: list[NewsOut]
