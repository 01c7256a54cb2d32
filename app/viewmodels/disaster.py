"""Disaster mode: the alerts in force for the resident's city, the full-screen card, shelters, history.

No Flet imports.  Data: ``GET /v1/cities/{city}/alerts`` (JMA warnings and the city's evacuation
information in the resident's language, open shelters, history), the city's places data (shelters by
hazard) through the city view model, and the last answer kept in memory for when the network drops.

* The card shows when an alert of level 3 or more is in force; it is dismissible and comes back when
  the level rises above the one dismissed.
* Its colours are JMA's level colours (5 black, 4 purple, 3 red, 2 yellow) with text of enough
  contrast; the level is always written too (colour is never the only signal).
* Shelters: the nearest open ones designated for the alert's hazard, with distance and direction from
  the phone's position when the app has one, else from the city's centre.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from app.services.alerts import fetch_city_alerts
from app.viewmodels.app import AppViewModel
from core.i18n import N_
from core.places import compass_point, nearest

log = logging.getLogger("machi.app")

# JMA 警戒レベル colours (気象庁: 5 黒, 4 紫, 3 赤, 2 黄) and a text colour of at least 4.5:1 on each.
LEVEL_COLOURS = {
    5: ("#0C000C", "#FFFFFF"),
    4: ("#AA00AA", "#FFFFFF"),
    3: ("#FF2800", "#000000"),
    2: ("#F2E700", "#000000"),
}
# Which places suit which alert (core.places hazards); None: any open shelter.
HAZARD_OF_EVENT = {
    "heavy_rain": "flood",
    "flood": "flood",
    "landslide": "landslide",
    "storm_surge": "storm_surge",
}
LEVEL_TEXT = N_("Level {level}")
DRILL = N_("DRILL")
FROM_HERE = N_("from your location")
FROM_CENTRE = N_("from the city centre")
NO_SHELTER = N_("No open shelter for this danger is known yet. Follow the city's instructions.")
OFFLINE = N_("No connection: showing the last alerts received.")
SHELTER_ROW = N_("{name}: {distance} to the {direction}")


@dataclass(frozen=True)
class AlertRow:
    id: str
    level: int | None
    level_text: str  # "Level 4" ("" when the warning has no level)
    headline: str
    instruction: str
    source: str
    drill: str  # "DRILL" in the resident's language, or ""
    event: str
    change: str
    when: str


@dataclass(frozen=True)
class ShelterRow:
    id: str
    name: str
    distance: str
    direction: str
    label: str  # one sentence for screen readers and the list


@dataclass(frozen=True)
class DisasterCard:
    alert: AlertRow
    background: str
    foreground: str
    shelters: list[ShelterRow]
    origin: str  # "from your location" / "from the city centre"
    empty: str  # shown when no shelter is listed


@dataclass
class DisasterViewModel:
    app: AppViewModel
    city: object | None = None  # app.viewmodels.city.CityViewModel (places, distances, compass names)
    active: list[dict] = field(default_factory=list)
    history_items: list[dict] = field(default_factory=list)
    open_shelters: set[str] = field(default_factory=set)
    dismissed_level: int = 0
    position: tuple[float, float] | None = None  # the phone's, when known
    offline: bool = False
    loaded: bool = False

    @property
    def t(self):
        return self.app.t

    def apply(self, data: dict) -> None:
        """Take one answer of the backend (also used by tests with a stored answer)."""
        self.active = [a for a in data.get("active", []) if self._concerns_me(a)]
        self.history_items = list(data.get("history", []))
        self.open_shelters = set(data.get("open_shelters", []))
        self.loaded, self.offline = True, False
        level = self.level()
        if level < self.dismissed_level:  # lowered: a later rise shows the card again
            self.dismissed_level = level

    async def refresh(self) -> bool:
        """Fetch the city's alerts; False (and the last answer kept) when the backend cannot be reached."""
        if self.app.client is None:
            return False
        try:
            data = await fetch_city_alerts(self.app.client, self.app.config.city, self.app.language)
        except Exception as exc:  # noqa: BLE001 - offline or a server error: keep what we have
            log.info("alerts not refreshed: %s", exc)
            self.offline = True
            return False
        self.apply(data)
        return True

    # ------------------------------------------------------------------ alerts
    def _concerns_me(self, a: dict) -> bool:
        """City-wide alerts concern everyone; an order for some areas only their residents (and, without an
        area chosen, everyone: better warned once too often)."""
        areas = a.get("areas")
        mine = self.app.settings.area_id
        return not areas or mine is None or mine in areas

    def level(self) -> int:
        return max((a.get("level") or 0 for a in self.active), default=0)

    def _row(self, a: dict) -> AlertRow:
        level = a.get("level")
        return AlertRow(
            id=str(a["id"]),
            level=level,
            level_text=self.t(LEVEL_TEXT, level=level) if level else "",
            headline=a.get("headline", ""),
            instruction=a.get("instruction", ""),
            source=a.get("source", ""),
            drill=self.t(DRILL) if a.get("drill") else "",
            event=a.get("event", ""),
            change=a.get("change", ""),
            when=self.app._when(a["issued_at"]) if a.get("issued_at") else "",
        )

    def active_rows(self) -> list[AlertRow]:
        """Every alert in force, highest level first (Home)."""
        return [self._row(a) for a in self.active]

    def history(self) -> list[AlertRow]:
        return [self._row(a) for a in self.history_items]

    def offline_note(self) -> str:
        return self.t(OFFLINE) if self.offline and self.loaded else ""

    # ------------------------------------------------------------------ the card
    def card(self) -> DisasterCard | None:
        """The full-screen card, when a level-3+ alert is in force and its level was not dismissed."""
        level = self.level()
        if level < 3 or level <= self.dismissed_level:
            return None
        top = next(a for a in self.active if (a.get("level") or 0) == level)
        bg, fg = LEVEL_COLOURS[min(level, 5)]
        origin = self.t(FROM_HERE) if self.position else self.t(FROM_CENTRE)
        return DisasterCard(
            alert=self._row(top),
            background=bg,
            foreground=fg,
            shelters=self.shelters(HAZARD_OF_EVENT.get(top.get("event", ""))),
            origin=origin,
            empty=self.t(NO_SHELTER),
        )

    def dismiss(self) -> None:
        self.dismissed_level = self.level()

    def set_position(self, lat: float, lon: float) -> None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"{lat}, {lon} is not a point on Earth")
        self.position = (lat, lon)

    def _jma_centre(self) -> tuple[float, float] | None:
        c = (self.app.repo.city.meta.get("jma") or {}).get("centre")
        return (float(c[0]), float(c[1])) if c else None

    def shelters(self, hazard: str | None, limit: int = 3) -> list[ShelterRow]:
        """The nearest open shelters designated for ``hazard`` (any open shelter when None)."""
        if self.city is None:
            return []
        origin = self.position or self.city.centre() or self._jma_centre()
        if origin is None:
            return []
        places = [
            p
            for p in self.city.places()
            if p.id in self.open_shelters and (hazard is None or hazard in p.hazards)
        ]
        rows = []
        from app.viewmodels.city import COMPASS

        for p, metres, bearing in nearest(places, lat=origin[0], lon=origin[1], limit=limit):
            name, _ = p.display_name(self.app.language)
            distance = self.city.distance_text(metres)
            direction = self.t(COMPASS[compass_point(bearing)])
            rows.append(
                ShelterRow(
                    id=p.id,
                    name=name,
                    distance=distance,
                    direction=direction,
                    label=self.t(SHELTER_ROW, name=name, distance=distance, direction=direction),
                )
            )
        return rows
