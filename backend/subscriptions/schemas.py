from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
NEWS_CATEGORIES = ["general", "garbage", "health", "children", "events", "tax", "disaster_prevention"]
NewsCategory = Literal["general", "garbage", "health", "children", "events", "tax", "disaster_prevention"]


class GarbageSubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    city: str = Field(max_length=64, pattern=r"^[a-z0-9_-]{1,64}$", examples=["my-city"])
    area_id: str = Field(min_length=1, max_length=64, examples=["a198c8301"])
    time: str = Field(
        pattern=TIME_PATTERN, description="Local time of the reminder, HH:MM (device time zone)."
    )
    day_offset: Literal[-1, 0] = Field(description="-1: the evening before, 0: on the day.")
    categories: list[str] | None = Field(
        None,
        min_length=1,
        max_length=20,
        examples=[["burnable", "bottles"]],
        description="Category ids, or null for all categories.",
    )


class GarbageSubscriptionOut(BaseModel):
    city: str
    area_id: str
    area_name: str
    time: str
    day_offset: int
    categories: list[str] | None
    next_reminder_at: dt.datetime | None = Field(
        None,
        description="When the next reminder goes out (UTC), from the calendar; null when the city's data "
        "has no further collection day.",
    )


class QuietHours(BaseModel):
    start: str = Field(pattern=TIME_PATTERN)
    end: str = Field(pattern=TIME_PATTERN)

    @model_validator(mode="after")
    def _differ(self):
        if self.start == self.end:
            raise ValueError("start and end of quiet hours must differ")
        return self


class NewsIn(BaseModel):
    categories: list[NewsCategory] = Field(max_length=len(NEWS_CATEGORIES))


class AlertsIn(BaseModel):
    enabled: bool


class SubscriptionsOut(BaseModel):
    garbage: GarbageSubscriptionOut | None
    quiet_hours: QuietHours | None
    news_categories: list[str]
    disaster_alerts: bool
