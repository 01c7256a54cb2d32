"""Places: shelters, evacuation sites, Wi-Fi spots, tourist spots, AEDs and childcare facilities."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("shelter", "evacuation", "wifi", "tourism", "aed", "childcare")

# GSI / 自治体標準オープンデータセット 災害種別, in the order the standard lists them.
HAZARDS = ("flood", "landslide", "storm_surge", "earthquake", "tsunami", "fire", "inland_flood", "volcano")
HAZARD_COLUMNS = {
    "洪水": "flood",
    "崖崩れ、土石流及び地滑り": "landslide",
    "高潮": "storm_surge",
    "地震": "earthquake",
    "津波": "tsunami",
    "大規模な火事": "fire",
    "内水氾濫": "inland_flood",
    "火山現象": "volcano",
}

PLACES_FORMAT = "machi-places/1"


@dataclass(frozen=True)
class Place:
    """One point of interest. ``hazards`` are the hazard ids the site is designated for."""

    id: str
    kind: str
    name: str
    lat: float
    lon: float
    hazards: frozenset[str] = frozenset()
    address: str = ""
    # Optional text in other languages ({"en": "..."}), and kind-specific details
    # (ssid, phone, url, description, hours ...), all as the source wrote them.
    names: dict = field(default_factory=dict, compare=False, hash=False)
    info: dict = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict:
        data = {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "lat": self.lat,
            "lon": self.lon,
            "hazards": [h for h in HAZARDS if h in self.hazards],
        }
        if self.address:
            data["address"] = self.address
        if self.names:
            data["names"] = dict(self.names)
        if self.info:
            data["info"] = dict(self.info)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Place:
        kind = data["kind"]
        if kind not in KINDS:
            raise ValueError(f"place {data.get('id')!r}: unknown kind {kind!r}")
        hazards = frozenset(data.get("hazards", ()))
        if unknown := hazards - set(HAZARDS):
            raise ValueError(f"place {data.get('id')!r}: unknown hazards {sorted(unknown)}")
        return cls(
            id=str(data["id"]),
            kind=kind,
            name=data["name"],
            lat=float(data["lat"]),
            lon=float(data["lon"]),
            hazards=hazards,
            address=data.get("address", ""),
            names=dict(data.get("names", {})),
            info=dict(data.get("info", {})),
        )

    def display_name(self, lang: str) -> tuple[str, str]:
        """(name, language of that name): the name in ``lang`` if the source has one, else Japanese."""
        for key in (lang, lang.split("_")[0].split("@")[0]):
            if key != "ja" and self.names.get(key):
                return self.names[key], key
        return self.name, "ja"
