"""Process-wide configuration of the app, read from the environment.

``MACHI_API_URL``      backend base URL (default http://127.0.0.1:8000, the embedded default)
``MACHI_CITY``         city slug (default: ``core.city.DEFAULT_CITY``, the bundled first city)
``MACHI_TODAY``        pin "today" to YYYY-MM-DD (demos and tests; the bundled data covers 2014)
``MACHI_POLL_SECONDS`` how often the inbox is polled and registration retried (default 30)
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from core.city import DEFAULT_CITY

DEFAULT_API_URL = "http://127.0.0.1:8000"
APP_VERSION = "0.1.0"


class ConfigError(ValueError):
    pass


def parse_day(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(f"{name}: {value!r} is not a date (expected YYYY-MM-DD)") from None


@dataclass(frozen=True)
class AppConfig:
    api_url: str = DEFAULT_API_URL
    city: str = DEFAULT_CITY
    today: dt.date | None = None
    poll_seconds: float = 30.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> AppConfig:
        env = dict(os.environ) if env is None else env
        today = env.get("MACHI_TODAY", "").strip()
        poll = env.get("MACHI_POLL_SECONDS", "").strip()
        try:
            poll_seconds = float(poll) if poll else 30.0
        except ValueError:
            raise ConfigError(f"MACHI_POLL_SECONDS: {poll!r} is not a number of seconds") from None
        if poll_seconds <= 0:
            raise ConfigError(f"MACHI_POLL_SECONDS must be positive, not {poll!r}")
        return cls(
            api_url=(env.get("MACHI_API_URL") or DEFAULT_API_URL).rstrip("/"),
            city=env.get("MACHI_CITY") or DEFAULT_CITY,
            today=parse_day(today, "MACHI_TODAY") if today else None,
            poll_seconds=poll_seconds,
        )
