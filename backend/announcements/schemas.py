from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from backend.db import aware_utc
from backend.delivery.messages import EVENTS, SEVERITIES
from backend.subscriptions.schemas import NewsCategory
from core.i18n import UnknownLanguage, normalize_language

Severity = Literal["Extreme", "Severe", "Moderate", "Minor"]
Event = Literal[
    "earthquake", "tsunami", "heavy_rain", "flood", "landslide", "typhoon", "heat", "evacuation", "other"
]
assert set(Severity.__args__) == set(SEVERITIES) and set(Event.__args__) == set(EVENTS)


def _texts(limit: int):
    def check(v: dict[str, str]) -> dict[str, str]:
        out = {}
        for lang, text in v.items():
            try:
                key = normalize_language(lang)
            except UnknownLanguage as exc:
                raise ValueError(str(exc)) from None
            if not text.strip():
                raise ValueError(f"the {lang} text is empty")
            if len(text) > limit:
                raise ValueError(f"the {lang} text is longer than {limit} characters")
            out[key] = text.strip()
        if "ja" not in out:
            raise ValueError("a Japanese text (ja) is required: it is the fallback for every language")
        return out

    return check


Title = Annotated[dict[str, str], Field(max_length=9), AfterValidator(_texts(200))]
Body = Annotated[dict[str, str], Field(max_length=9), AfterValidator(_texts(1500))]


class AnnouncementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    city: str | None = Field(
        None, pattern=r"^[a-z0-9_-]{1,64}$", description="City slug; default: the only city this server has."
    )
    category: NewsCategory = "general"
    title: Title = Field(
        description="Per language ({'ja': ..., 'en': ...}); ja is required (fallback).",
        examples=[{"ja": "断水のお知らせ", "en": "Water outage"}],
    )
    body: Body = Field(examples=[{"ja": "明日9時から断水します。"}])
    areas: list[str] | None = Field(
        None, min_length=1, max_length=500, description="Area ids or names; null: every device of the city."
    )
    send_at: dt.datetime | None = Field(None, description="Default: now.")
    expires_at: dt.datetime | None = Field(
        None, description="Default: send_at + MACHI_ANNOUNCEMENT_TTL_HOURS."
    )

    _a = field_validator("send_at", "expires_at")(aware_utc)


class AlertIn(BaseModel):
    """CAP-like disaster alert: high priority, time-sensitive on iOS, ignores quiet hours."""

    model_config = ConfigDict(extra="forbid")

    city: str | None = Field(
        None, pattern=r"^[a-z0-9_-]{1,64}$", description="City slug; default: the only city this server has."
    )
    severity: Severity
    event: Event
    headline: Title = Field(examples=[{"ja": "大雨警報が発表されました"}])
    description: Body | None = Field(None, examples=[{"ja": "川に近づかないでください。"}])
    areas: list[str] | None = Field(None, min_length=1, max_length=500)
    expires: dt.datetime = Field(
        description="When the alert stops being relevant (undelivered copies are dropped)."
    )
    level: Literal[3, 4, 5] | None = Field(
        None,
        description="Evacuation information (event evacuation): 3 高齢者等避難, 4 避難指示, 5 緊急安全確保; "
        "its texts come from translated templates in every language.",
    )
    drill: bool = Field(False, description="A drill: shown as 訓練 by every front end (needs level).")
    lift: bool = Field(
        False, description="Lift the city's evacuation information of this level (needs level)."
    )

    _a = field_validator("expires")(aware_utc)

    @model_validator(mode="after")
    def _evacuation(self):
        if self.level is not None and self.event != "evacuation":
            raise ValueError("level is for evacuation information: set event to evacuation")
        if (self.drill or self.lift) and self.level is None:
            raise ValueError("drill and lift need the evacuation level (3, 4 or 5)")
        return self


class AnnouncementOut(BaseModel):
    id: str
    kind: str
    city: str
    category: str | None
    severity: str | None
    event: str | None
    areas: list[str] | None
    send_at: dt.datetime
    expires_at: dt.datetime
    created_at: dt.datetime
    devices: int = Field(description="Devices the notification was queued for.")
