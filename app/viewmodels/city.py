"""City screens: events (list, month, ICS), places near a point by hazard, tourist mode, Home feed.

No Flet imports. Data comes from the city folder in use (the installed bundle, else the bundled
copy): ``core.events`` and ``core.places``. Texts in the city's language are shown as written and
labelled with their language — never machine-translated.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

from babel.units import format_unit
from icalendar import Calendar
from icalendar import Event as IcsEvent

from app.viewmodels.app import AppViewModel
from app.viewmodels.garbage import add_months, month_start, weekday_names
from core.events import Event, load_events
from core.i18n import N_
from core.places import HAZARDS, PlacesNotFound, compass_point, load_places, nearest
from core.places.model import Place

log = logging.getLogger("machi.app")

HAZARD_NAMES = {
    "flood": N_("Flood"),
    "landslide": N_("Landslide"),
    "storm_surge": N_("Storm surge"),
    "earthquake": N_("Earthquake"),
    "tsunami": N_("Tsunami"),
    "fire": N_("Large fire"),
    "inland_flood": N_("Inland flooding"),
    "volcano": N_("Volcano"),
}
KIND_NAMES = {
    "shelter": N_("Shelters"),
    "evacuation": N_("Evacuation sites"),
    "wifi": N_("Free Wi-Fi"),
    "tourism": N_("Sights"),
    "aed": N_("AED"),
    "childcare": N_("Childcare"),
}
COMPASS = {
    "N": N_("north"),
    "NE": N_("north-east"),
    "E": N_("east"),
    "SE": N_("south-east"),
    "S": N_("south"),
    "SW": N_("south-west"),
    "W": N_("west"),
    "NW": N_("north-west"),
}
INTERESTS = {
    "events": N_("Events"),
    "tourism": N_("Tourism"),
    "childcare": N_("Child-rearing"),
    "tax": N_("Tax"),
    "disaster": N_("Disaster preparedness"),
}
PREFS_KEY = "machi.city"
EVENT_VIEWS = ("list", "month")


@dataclass(frozen=True)
class EventRow:
    id: str
    title: str
    original_note: str  # "(Japanese original)" when the title is not in the reader's language, else ""
    when: str
    where: str
    description: str
    url: str


@dataclass(frozen=True)
class EventDayCell:
    """A day of the events month grid."""

    day: dt.date
    in_month: bool
    is_today: bool
    count: int  # events on that day (a multi-day event counts on each of its days)
    label: str  # for screen readers: "Fri, May 23: 2 events", "Today, Thu, May 8: No events"


@dataclass(frozen=True)
class PlaceRow:
    id: str
    name: str
    distance: str  # "350 m", "1.2 km"
    direction: str  # "north-east"
    hazards: str  # "Flood, Earthquake"
    address: str
    lat: float
    lon: float
    label: str  # one sentence for screen readers


@dataclass(frozen=True)
class FeedItem:
    title: str
    subtitle: str
    route: str


@dataclass
class CityPrefs:
    interests: list[str]
    tourist: bool = False

    @classmethod
    def from_json(cls, text: str | None) -> CityPrefs:
        try:
            data = json.loads(text) if text else {}
            interests = [i for i in data.get("interests", ["events", "disaster"]) if i in INTERESTS]
            return cls(interests=interests, tourist=bool(data.get("tourist", False)))
        except (ValueError, AttributeError, TypeError):
            return cls(interests=["events", "disaster"])

    def to_json(self) -> str:
        return json.dumps({"interests": self.interests, "tourist": self.tourist})


class CityViewModel:
    def __init__(self, app: AppViewModel, bundles=None):
        self.app = app
        self.bundles = bundles  # app.services.bundle.BundleService or None (the bundled copy)
        self.prefs = CityPrefs(interests=["events", "disaster"])
        self.kind = "shelter"
        self.hazard: str | None = None
        self.origin: tuple[float, float] | None = None
        self.origin_name = ""  # set with the origin: "your position", "the point you picked", the centre
        self.events_view = "list"  # or "month": the list reads better with a screen reader
        self.month: dt.date | None = None  # the events month shown (None: see events_month)
        self.selected_day: dt.date | None = None

    @property
    def t(self):
        return self.app.t

    @property
    def slug(self) -> str:
        return self.app.config.city

    def data_dir(self):
        return self.bundles.data_dir() if self.bundles else None

    # ---------------------------------------------------------------- preferences (interests, tourist)
    async def load_prefs(self) -> None:
        try:
            self.prefs = CityPrefs.from_json(await self.app.settings_repo.store.get(PREFS_KEY))
        except Exception as exc:  # noqa: BLE001 - storage unavailable: defaults
            log.warning("city preferences unavailable: %s", exc)

    async def set_interest(self, interest: str, on: bool) -> None:
        if interest not in INTERESTS:
            raise ValueError(f"unknown interest {interest!r}")
        chosen = [i for i in self.prefs.interests if i != interest] + ([interest] if on else [])
        self.prefs.interests = [i for i in INTERESTS if i in chosen]
        await self.app.settings_repo.store.set(PREFS_KEY, self.prefs.to_json())
        self.app.notify("all")

    def interest_choices(self) -> list[tuple[str, str, bool]]:
        return [(k, self.t(v), k in self.prefs.interests) for k, v in INTERESTS.items()]

    # ---------------------------------------------------------------- data
    def places(self) -> list[Place]:
        try:
            return load_places(self.slug, self.data_dir())
        except PlacesNotFound:
            return []

    def events(self) -> list[Event]:
        return load_events(self.slug, self.data_dir())

    def centre(self) -> tuple[float, float] | None:
        c = self.app.repo.city.meta.get("centre")
        return (float(c[0]), float(c[1])) if c else None

    # ---------------------------------------------------------------- events
    def _event_row(self, e: Event) -> EventRow:
        t = self.t
        base = "ja" if self.app.language.startswith("ja") else self.app.language
        title, lang = e.title_in(base)
        note = ""
        if lang.split("_")[0] != base.split("_")[0]:
            from core.i18n import babel_locale

            note = t(
                "(original in {language})", language=babel_locale(lang).get_display_name(t.locale) or lang
            )
        if e.start == e.end:
            when = t.day(e.start)
        else:
            when = t("{start} to {end}", start=t.day(e.start), end=t.day(e.end))
        if e.start_time:
            hh, mm = (int(x) for x in e.start_time.split(":"))
            when += " " + t.time(dt.time(hh % 24, mm))
        return EventRow(
            id=e.id,
            title=title,
            original_note=note,
            when=when,
            where=e.place_name or e.address,
            description=e.description,
            url=e.url,
        )

    def upcoming_events(self, limit: int | None = None) -> list[EventRow]:
        today = self.app.clock.today()
        rows = [self._event_row(e) for e in self.events() if e.end >= today]
        return rows[:limit] if limit else rows

    def _events_by_day(self, first: dt.date, last: dt.date) -> dict[dt.date, list[EventRow]]:
        out: dict[dt.date, list[EventRow]] = {}
        for e in self.events():
            day = max(e.start, first)
            if day > min(e.end, last):
                continue
            row = self._event_row(e)
            while day <= e.end and day <= last:
                out.setdefault(day, []).append(row)
                day += dt.timedelta(days=1)
        return out

    def event_days(self, month: dt.date) -> dict[dt.date, list[EventRow]]:
        """The days of ``month`` with events."""
        first = month_start(month)
        return self._events_by_day(first, add_months(first, 1) - dt.timedelta(days=1))

    # ------------------------------------------------ the events month view (a grid of days)
    def set_events_view(self, view: str) -> None:
        if view not in EVENT_VIEWS:
            raise ValueError(f"unknown events view {view!r}")
        self.events_view = view

    def set_month_param(self, value: str | None) -> bool:
        """``?month=YYYY-MM`` from a deep link; False (month unchanged) for bad input."""
        try:
            year, month = (int(x) for x in (value or "").split("-"))
            self.month = dt.date(year, month, 1)
        except ValueError:
            return False
        self.selected_day = None
        return True

    def events_month(self) -> dt.date:
        """The month shown: the one chosen, else this month — or, when no event is left this month,
        the month of the next event (a calendar opened on an empty month says nothing)."""
        if self.month is None:
            today = self.app.clock.today()
            this = month_start(today)
            nxt = add_months(this, 1)
            upcoming = sorted(max(e.start, today) for e in self.events() if e.end >= today)
            self.month = this if not upcoming or upcoming[0] < nxt else month_start(upcoming[0])
        return self.month

    def events_month_title(self) -> str:
        return self.t.month(self.events_month())

    def move_month(self, step: int) -> None:
        self.month = add_months(self.events_month(), step)
        self.selected_day = None

    def event_weekday_names(self, cell_width: float | None = None, font_size: float = 12.0) -> list[str]:
        return weekday_names(self.t, cell_width, font_size)

    def event_count_text(self, n: int) -> str:
        return self.t.plural("{n} event", "{n} events", n) if n else self.t("No events")

    def event_weeks(self) -> list[list[EventDayCell]]:
        """The month shown as weeks of seven days (Monday first), each day with its events' count
        and spoken name; the days of the neighbouring months that fill the first and last week too."""
        t = self.t
        first = self.events_month()
        last = add_months(first, 1) - dt.timedelta(days=1)
        grid_start = first - dt.timedelta(days=first.weekday())
        grid_end = last + dt.timedelta(days=6 - last.weekday())
        by_day = self._events_by_day(grid_start, grid_end)
        today = self.app.clock.today()
        weeks: list[list[EventDayCell]] = []
        day = grid_start
        while day <= grid_end:
            week = []
            for _ in range(7):
                n = len(by_day.get(day, []))
                name = t("Today, {day}", day=t.day(day)) if day == today else t.day(day)
                week.append(
                    EventDayCell(
                        day, day.month == first.month, day == today, n, f"{name}: {self.event_count_text(n)}"
                    )
                )
                day += dt.timedelta(days=1)
            weeks.append(week)
        return weeks

    def select_day(self, day: dt.date) -> None:
        self.selected_day = day

    def selected_events(self) -> list[EventRow]:
        """The events on the chosen day (none chosen: none)."""
        if self.selected_day is None:
            return []
        return self._events_by_day(self.selected_day, self.selected_day).get(self.selected_day, [])

    def event_ics(self, event_id: str) -> tuple[str, bytes]:
        """(file name, iCalendar bytes) of one event, timed in the city's zone."""
        from zoneinfo import ZoneInfo

        e = next(x for x in self.events() if x.id == event_id)
        zone = ZoneInfo(self.app.repo.city.timezone)
        cal = Calendar()
        cal.add("prodid", "-//Machi//city events//EN")
        cal.add("version", "2.0")
        ev = IcsEvent()
        ev.add("uid", f"{self.slug}-{e.id}@machi")
        ev.add("summary", e.title)
        if e.start_time:
            hh, mm = (int(x) for x in e.start_time.split(":"))
            start = dt.datetime.combine(e.start, dt.time(hh % 24, mm), zone)
            ev.add("dtstart", start)
            if e.end_time:
                eh, em = (int(x) for x in e.end_time.split(":"))
                ev.add("dtend", dt.datetime.combine(e.end, dt.time(eh % 24, em), zone))
        else:
            ev.add("dtstart", e.start)
            ev.add("dtend", e.end + dt.timedelta(days=1))
        if e.place_name or e.address:
            ev.add("location", " ".join(x for x in (e.place_name, e.address) if x))
        if e.description:
            ev.add("description", e.description)
        if e.url:
            ev.add("url", e.url)
        ev.add("dtstamp", dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        cal.add_component(ev)
        return f"event-{e.id}.ics", cal.to_ical()

    # ---------------------------------------------------------------- places
    def set_origin(self, lat: float, lon: float, name: str) -> None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"{lat}, {lon} is not a point on Earth")
        self.origin, self.origin_name = (lat, lon), name

    def origin_from_text(self, text: str) -> bool:
        """An address or area typed by the resident (殿町, 殿町1508): the centre of the places
        whose address or name contains it. False (origin unchanged) when none does."""
        from core.text import lookup_key

        key = lookup_key(text or "")
        if not key:
            return False
        hits = [p for p in self.places() if key in lookup_key(p.address) or key in lookup_key(p.name)]
        if not hits:
            return False
        lat = sum(p.lat for p in hits) / len(hits)
        lon = sum(p.lon for p in hits) / len(hits)
        self.set_origin(lat, lon, text.strip())
        return True

    def use_centre(self) -> bool:
        c = self.centre()
        if c is None:
            return False
        self.set_origin(*c, self.t("the city centre"))
        return True

    def set_hazard(self, hazard: str | None) -> None:
        if hazard is not None and hazard not in HAZARDS:
            raise ValueError(f"unknown hazard {hazard!r}")
        self.hazard = hazard

    def set_kind(self, kind: str) -> None:
        if kind not in KIND_NAMES:
            raise ValueError(f"unknown kind {kind!r}")
        self.kind = kind

    def distance_text(self, metres: int) -> str:
        loc = self.t.locale
        if metres < 1000:
            return format_unit(metres, "length-meter", length="short", locale=loc)
        return format_unit(round(metres / 1000, 1), "length-kilometer", length="short", locale=loc)

    def hazard_names(self, hazards) -> str:
        return self.t.join([self.t(HAZARD_NAMES[h]) for h in HAZARDS if h in hazards])

    def nearest_rows(self, limit: int = 10, kind: str | None = None) -> list[PlaceRow]:
        if self.origin is None and not self.use_centre():
            return []
        lat, lon = self.origin
        kind = kind or self.kind
        hazard = self.hazard if kind in ("shelter", "evacuation") else None
        rows = []
        for p, d, b in nearest(self.places(), lat=lat, lon=lon, kind=kind, hazard=hazard, limit=limit):
            name, _ = p.display_name(self.app.language)
            direction = self.t(COMPASS[compass_point(b)])
            distance = self.distance_text(d)
            hz = self.hazard_names(p.hazards)
            label = self.t(
                "{name}: {distance} to the {direction}", name=name, distance=distance, direction=direction
            )
            rows.append(
                PlaceRow(
                    id=p.id,
                    name=name,
                    distance=distance,
                    direction=direction,
                    hazards=hz,
                    address=p.address,
                    lat=p.lat,
                    lon=p.lon,
                    label=label,
                )
            )
        return rows

    def has_kind(self, kind: str) -> bool:
        return any(p.kind == kind for p in self.places())

    # ---------------------------------------------------------------- bundle status (Settings)
    def bundle_text(self) -> str:
        if self.bundles is None:
            return ""
        s = self.bundles.status()
        t = self.t
        period = s.domains.get("garbage", {})
        start = period.get("from")
        end = period.get("to")
        version = (
            t("City data version {version}", version=s.version)
            if s.version
            else t("City data: the copy shipped with the app")
        )
        if start and end:
            version += " · " + t(
                "garbage calendar {start} to {end}",
                start=t.day(dt.date.fromisoformat(start)),
                end=t.day(dt.date.fromisoformat(end)),
            )
        if s.last_error:
            version += " · " + t("The last update failed; the data in use is kept.")
        return version

    # ---------------------------------------------------------------- Home feed
    def feed(self) -> list[FeedItem]:
        t = self.t
        items: list[FeedItem] = []
        if "events" in self.prefs.interests:
            items += [FeedItem(e.title, e.when, "/city") for e in self.upcoming_events(limit=3)]
        if "tourism" in self.prefs.interests:
            items += [
                FeedItem(r.name, f"{r.distance} · {r.direction}", "/city?tab=tourist")
                for r in self.nearest_rows(limit=2, kind="tourism")
            ]
        if "childcare" in self.prefs.interests:
            items += [
                FeedItem(r.name, f"{r.distance} · {r.direction}", "/city?tab=places")
                for r in self.nearest_rows(limit=2, kind="childcare")
            ]
        if "disaster" in self.prefs.interests:
            rows = self.nearest_rows(limit=1, kind="shelter")
            if rows:
                items.append(
                    FeedItem(
                        t("Nearest shelter: {name}", name=rows[0].name),
                        f"{rows[0].distance} · {rows[0].direction}",
                        "/city?tab=places",
                    )
                )
        if "tax" in self.prefs.interests:
            items.append(FeedItem(t("Tax calendar"), t("Payment dates and your tax slips"), "/pay"))
        return items
