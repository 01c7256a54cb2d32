from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.i18n import UnknownLanguage, normalize_language

Platform = Literal["android", "ios", "web", "desktop", "macos", "windows", "linux"]

TOKEN_PATTERN = r"^[\x21-\x7e]{1,4096}$"


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_locale(v: str) -> str:
    try:
        return normalize_language(v)
    except UnknownLanguage as exc:
        raise ValueError(str(exc)) from None


def check_timezone(v: str) -> str:
    if v not in _zones():
        raise ValueError(f"unknown IANA time zone {v!r} (e.g. Asia/Tokyo)")
    return v


class DeviceIn(BaseModel):
    """Only what delivery needs: no names, birthdates, addresses or health data."""

    model_config = ConfigDict(extra="ignore")

    push_token: str | None = Field(
        None,
        max_length=4096,
        pattern=TOKEN_PATTERN,
        description="FCM registration token or Firebase installation id (FID); "
        "null for inbox-only clients (web, desktop).",
    )
    platform: Platform
    locale: str = Field(
        max_length=35,
        description="Language tag: ja, ja@easy, en, pt-BR, vi, tl, zh-Hans, ko, es.",
        examples=["ja", "pt-BR", "vi"],
    )
    timezone: str = Field(
        max_length=64, description="IANA time zone, e.g. Asia/Tokyo.", examples=["Asia/Tokyo"]
    )
    app_version: str = Field(max_length=32, pattern=r"^[0-9A-Za-z.+_-]{1,32}$")

    _locale = field_validator("locale")(check_locale)
    _tz = field_validator("timezone")(check_timezone)


class DeviceCreated(BaseModel):
    id: str
    secret: str = Field(description="Bearer secret for every later call; shown once, stored hashed.")


class DevicePatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    push_token: str | None = Field(None, max_length=4096, pattern=TOKEN_PATTERN)
    locale: str | None = Field(None, max_length=35, examples=["en"])
    timezone: str | None = Field(None, max_length=64, examples=["Asia/Tokyo"])
    app_version: str | None = Field(None, max_length=32, pattern=r"^[0-9A-Za-z.+_-]{1,32}$")

    @field_validator("locale")
    @classmethod
    def _locale(cls, v):
        return None if v is None else check_locale(v)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v):
        return None if v is None else check_timezone(v)


class TokenIn(BaseModel):
    push_token: str | None = Field(
        max_length=4096,
        pattern=TOKEN_PATTERN,
        description="The refreshed FCM token / FID; null to stop push (inbox only).",
    )


class DeviceOut(BaseModel):
    id: str
    platform: str
    locale: str
    timezone: str
    app_version: str
    has_push_token: bool
    created_at: dt.datetime
    last_seen_at: dt.datetime
