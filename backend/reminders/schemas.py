from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,120}$"
MAX_REMINDERS = 500


class AppReminderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    occurrence_key: str = Field(pattern=KEY_PATTERN, description="Stable id of this occurrence, e.g. vacc:c1:mr:2.")
    send_at: dt.datetime = Field(description="When to notify, UTC (an offset is required).")
    template: str = Field(max_length=40, examples=["vaccination_due"])
    params: dict[str, str | int | None] = Field(default_factory=dict, max_length=8,
                                                 examples=[{"vaccine": "mr", "dose": 1}],
                                                 description="Codes only (vaccine id, dose, tax id, due date).")

    @field_validator("send_at")
    @classmethod
    def _aware(cls, v: dt.datetime) -> dt.datetime:
        if v.tzinfo is None or v.utcoffset() is None:
            raise ValueError("send_at needs a time zone, e.g. 2014-05-07T10:00:00Z")
        v = v.astimezone(dt.UTC)
        if not 2000 <= v.year <= 2100:
            raise ValueError("send_at must be between the years 2000 and 2100")
        return v


class AppReminderOut(BaseModel):
    occurrence_key: str
    send_at: dt.datetime
    template: str
    params: dict[str, str | int]


class AppRemindersOut(BaseModel):
    count: int
    reminders: list[AppReminderOut]


class TemplateOut(BaseModel):
    id: str
    params: dict[str, dict]
