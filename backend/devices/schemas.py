from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.i18n import UnknownLanguage, normalize_language

Platform = Literal["android", "ios", "web", "desktop", "macos", "windows", "linux"]

TOKEN_PATTERN = r"^[\x21-\x7e]{1,4096}$"
CITY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
B64URL = r"^[A-Za-z0-9_-]+={0,2}$"


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


class WebPushKeys(BaseModel):
    model_config = ConfigDict(extra="ignore")

    p256dh: str = Field(
        min_length=86,
        max_length=90,
        pattern=B64URL,
        description="The subscription's P-256 public key (65-byte uncompressed point), base64url.",
    )
    auth: str = Field(
        min_length=22, max_length=24, pattern=B64URL, description="The 16-byte auth secret, base64url."
    )


class WebPushSubscription(BaseModel):
    """A browser's ``PushSubscription.toJSON()``: ``{endpoint, expirationTime, keys: {p256dh, auth}}``
    (``expirationTime`` is ignored)."""

    model_config = ConfigDict(extra="ignore")

    endpoint: str = Field(
        min_length=12,
        max_length=2048,
        pattern=r"^https?://[\x21-\x7e]+$",
        description="The push service's endpoint URL (https; only push services the server allows).",
    )
    keys: WebPushKeys


def _one_push_kind(model):
    if model.push_token and model.web_push is not None:
        raise ValueError("send either push_token (FCM) or web_push (a Web Push subscription), not both")
    return model


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
    web_push: WebPushSubscription | None = Field(
        None, description="A Web Push subscription (the web app), instead of push_token."
    )
    city: str | None = Field(
        None,
        pattern=CITY_PATTERN,
        description="The device's city (slug): announcements and disaster alerts of this city reach it, "
        "with or without a garbage subscription.  Null: the city of its garbage subscription.",
    )

    _locale = field_validator("locale")(check_locale)
    _tz = field_validator("timezone")(check_timezone)
    _push = model_validator(mode="after")(_one_push_kind)


class DeviceCreated(BaseModel):
    id: str
    secret: str = Field(description="Bearer secret for every later call; shown once, stored hashed.")


class DevicePatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    push_token: str | None = Field(None, max_length=4096, pattern=TOKEN_PATTERN)
    locale: str | None = Field(None, max_length=35, examples=["en"])
    timezone: str | None = Field(None, max_length=64, examples=["Asia/Tokyo"])
    app_version: str | None = Field(None, max_length=32, pattern=r"^[0-9A-Za-z.+_-]{1,32}$")
    web_push: WebPushSubscription | None = Field(
        None, description="A new Web Push subscription (replaces push_token); null: none."
    )
    city: str | None = Field(None, pattern=CITY_PATTERN, description="The device's city; null: none.")

    _push = model_validator(mode="after")(_one_push_kind)

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
        None,
        max_length=4096,
        pattern=TOKEN_PATTERN,
        description="The refreshed FCM token / FID; null (and no web_push) to stop push (inbox only).",
    )
    web_push: WebPushSubscription | None = Field(
        None, description="A refreshed Web Push subscription, instead of push_token."
    )

    _push = model_validator(mode="after")(_one_push_kind)


class DeviceOut(BaseModel):
    id: str
    platform: str
    locale: str
    timezone: str
    app_version: str
    has_push_token: bool
    push_kind: Literal["token", "fid", "webpush"] | None = None
    city: str | None = None
    created_at: dt.datetime
    last_seen_at: dt.datetime
