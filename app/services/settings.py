"""The resident's settings, kept on the device in SharedPreferences.

Storage goes through the small ``KeyValueStore`` seam: the app plugs in Flet's
``SharedPreferences`` (localStorage on the web, platform preferences on mobile/desktop),
tests plug in a dict.  Everything is one JSON document under one key, so a save is one
write (either the old or the new document is stored, never half of one).

Reading is forgiving: a field with a wrong type or value falls back to its default and is
reported in ``SettingsRepository.problems``; other fields are kept.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Protocol

from core.i18n import LANGUAGES

KEY = "machi.settings"
REMINDER_MODES = ("off", "day_before", "same_day")
TEXT_SCALES = (1.0, 1.3, 1.6, 2.0)
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_SEEN = 300
MAX_NOTIFICATIONS = 50


class KeyValueStore(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str) -> None: ...


class MemoryStore:
    """A dict-backed store (tests, and the fallback when no platform storage answers)."""

    def __init__(self, data: dict[str, str] | None = None):
        self.data = dict(data or {})
        self.writes = 0

    async def get(self, key: str) -> str | None:
        return self.data.get(key)

    async def set(self, key: str, value: str) -> None:
        self.writes += 1
        self.data[key] = value


def valid_time(value: str) -> bool:
    return bool(_TIME.match(value or ""))


@dataclass
class Settings:
    onboarded: bool = False
    language: str | None = None  # None: follow the device locale
    area_id: str | None = None
    reminder: str = "off"  # one of REMINDER_MODES
    reminder_time: str = "19:00"
    reminder_categories: list[str] | None = None  # None: every category
    text_scale: float = 1.0
    date_override: str | None = None  # YYYY-MM-DD
    device_id: str | None = None
    device_secret: str | None = None
    push_token: str | None = None
    registration_pending: bool = False  # device or subscription not yet accepted by the backend
    synced_subscription: dict | None = None  # what the backend last accepted
    synced_locale: str | None = None  # the device locale the backend knows
    synced_city: str | None = None  # the device city the backend knows (announcements, alerts)
    last_sync: str | None = None  # ISO timestamp (UTC) of the last successful backend call
    seen_inbox_ids: list[str] = field(default_factory=list)
    notifications: list[dict] = field(default_factory=list)  # newest first, cached for offline

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> tuple[Settings, list[str]]:
        """Settings from stored JSON, plus the problems found (bad fields reset to default)."""
        default = cls()
        if not text:
            return default, []
        try:
            raw = json.loads(text)
        except ValueError as exc:
            return default, [f"stored settings are not JSON ({exc}); using defaults"]
        if not isinstance(raw, dict):
            return default, ["stored settings are not an object; using defaults"]
        problems: list[str] = []
        values = {}
        for f in fields(cls):
            if f.name not in raw:
                continue
            value = raw[f.name]
            ok, value = _check(f.name, value)
            if ok:
                values[f.name] = value
            else:
                problems.append(f"setting {f.name!r}: bad value {raw[f.name]!r}; reset to default")
        return cls(**values), problems


def _is_str_or_none(v: object) -> bool:
    return v is None or isinstance(v, str)


def _check(name: str, v: object) -> tuple[bool, object]:
    if name in ("onboarded", "registration_pending"):
        return isinstance(v, bool), v
    if name == "language":
        return v is None or v in LANGUAGES, v
    if name in (
        "area_id",
        "device_id",
        "device_secret",
        "push_token",
        "last_sync",
        "synced_locale",
        "synced_city",
    ):
        return _is_str_or_none(v), v
    if name == "reminder":
        return v in REMINDER_MODES, v
    if name == "reminder_time":
        return isinstance(v, str) and valid_time(v), v
    if name == "reminder_categories":
        return v is None or (isinstance(v, list) and all(isinstance(x, str) for x in v)), v
    if name == "text_scale":
        return isinstance(v, (int, float)) and not isinstance(v, bool) and 1.0 <= v <= 2.0, float(
            v
        ) if isinstance(v, (int, float)) else v
    if name == "date_override":
        if v is None:
            return True, v
        try:
            dt.date.fromisoformat(v)  # type: ignore[arg-type]
            return True, v
        except (TypeError, ValueError):
            return False, v
    if name == "synced_subscription":
        return v is None or isinstance(v, dict), v
    if name == "seen_inbox_ids":
        return isinstance(v, list) and all(isinstance(x, str) for x in v), v
    if name == "notifications":
        return isinstance(v, list) and all(isinstance(x, dict) for x in v), v
    return False, v


class SettingsRepository:
    def __init__(self, store: KeyValueStore):
        self.store = store
        self.problems: list[str] = []

    async def load(self) -> Settings:
        try:
            text = await self.store.get(KEY)
        except Exception as exc:  # noqa: BLE001 - storage unavailable: run with defaults, say why
            self.problems = [f"settings storage unavailable ({exc}); using defaults"]
            return Settings()
        settings, self.problems = Settings.from_json(text)
        return settings

    async def save(self, settings: Settings) -> None:
        settings.seen_inbox_ids = settings.seen_inbox_ids[-MAX_SEEN:]
        settings.notifications = settings.notifications[:MAX_NOTIFICATIONS]
        await self.store.set(KEY, settings.to_json())
