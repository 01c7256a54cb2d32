"""City events (イベント一覧): model, the city's ``events.json`` and date-range queries."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from core.city import city_roots, write_json_atomic

EVENTS_FORMAT = "machi-events/1"


@dataclass(frozen=True)
class Event:
    id: str
    title: str
    start: dt.date
    end: dt.date
    start_time: str | None = None  # HH:MM in the city's zone
    end_time: str | None = None
    description: str = ""
    category: str = ""
    place_name: str = ""
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    url: str = ""
    fee: str = ""
    organizer: str = ""
    language: str = "ja"  # the language the city wrote it in
    titles: dict = field(default_factory=dict, compare=False, hash=False)  # {"en": "..."} from the source

    def to_json(self) -> dict:
        data = {
            "id": self.id,
            "title": self.title,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "start_time": self.start_time,
            "end_time": self.end_time,
            "description": self.description,
            "category": self.category,
            "place_name": self.place_name,
            "address": self.address,
            "lat": self.lat,
            "lon": self.lon,
            "url": self.url,
            "fee": self.fee,
            "organizer": self.organizer,
            "language": self.language,
        }
        if self.titles:
            data["titles"] = dict(self.titles)
        return data

    @classmethod
    def from_json(cls, d: dict) -> Event:
        return cls(
            id=str(d["id"]),
            title=d["title"],
            start=dt.date.fromisoformat(d["start"]),
            end=dt.date.fromisoformat(d["end"]),
            start_time=d.get("start_time"),
            end_time=d.get("end_time"),
            description=d.get("description", ""),
            category=d.get("category", ""),
            place_name=d.get("place_name", ""),
            address=d.get("address", ""),
            lat=d.get("lat"),
            lon=d.get("lon"),
            url=d.get("url", ""),
            fee=d.get("fee", ""),
            organizer=d.get("organizer", ""),
            language=d.get("language", "ja"),
            titles=dict(d.get("titles", {})),
        )

    def title_in(self, lang: str) -> tuple[str, str]:
        """(title, its language): the source's own translation if it has one, else the original."""
        for key in (lang, lang.split("_")[0].split("@")[0]):
            if self.titles.get(key):
                return self.titles[key], key
        return self.title, self.language

    def overlaps(self, start: dt.date | None, end: dt.date | None) -> bool:
        return (start is None or self.end >= start) and (end is None or self.start <= end)


def events_to_json(events: list[Event]) -> dict:
    return {"format": EVENTS_FORMAT, "events": [e.to_json() for e in events]}


def events_from_json(data: dict) -> list[Event]:
    if data.get("format") != EVENTS_FORMAT:
        raise ValueError(f"not a {EVENTS_FORMAT} file (format {data.get('format')!r})")
    return [Event.from_json(e) for e in data.get("events", [])]


def find_events_file(city_slug: str, data_dir: Path | None = None) -> Path | None:
    for root in city_roots(data_dir):
        if (root / city_slug / "events.json").is_file():
            return root / city_slug / "events.json"
    return None


def load_events(city_slug: str, data_dir: Path | None = None) -> list[Event]:
    """The city's events, sorted by start (an empty list when the city publishes none)."""
    path = find_events_file(city_slug, data_dir)
    if path is None:
        return []
    return sorted(
        events_from_json(json.loads(path.read_text("utf-8"))), key=lambda e: (e.start, e.start_time or "")
    )


def save_events(path: Path, events: list[Event]) -> None:
    write_json_atomic(path, events_to_json(events))


def query(
    events: list[Event],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    category: str | None = None,
) -> list[Event]:
    """Events overlapping [start, end], of a category if given."""
    return [e for e in events if e.overlaps(start, end) and (not category or e.category == category)]
