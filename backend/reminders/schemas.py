from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.db import aware_utc

KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,120}$"
MAX_REMINDERS = 500


class AppReminderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    occurrence_key: str = Field(
        pattern=KEY_PATTERN, description="Stable id of this occurrence, e.g. vacc:c1:mr:2."
    )
    send_at: dt.datetime = Field(description="When to notify, UTC (an offset is required).")
    template: str = Field(max_length=40, examples=["vaccination_due"])
    params: dict[str, str | int | None] = Field(
        default_factory=dict,
        max_length=8,
        examples=[{"vaccine": "mr", "dose": 1}],
        description="Codes only (vaccine id, dose, tax id, due date).",
    )

    _aware = field_validator("send_at")(aware_utc)


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
