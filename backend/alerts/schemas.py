from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class AlertOut(BaseModel):
    """A CAP-like alert in one language (headline, what to do, the credited source)."""

    id: str
    origin: str = Field(description="jma (気象庁 warning) | city (evacuation information)")
    event: str
    change: str = Field(description="issued | raised | lowered | lifted")
    level: int | None = Field(description="JMA warning level / evacuation level 2-5 (null: none)")
    severity: str
    urgency: str
    name: str = Field(description="JMA's Kind/Name (Japanese), or the order's Japanese name")
    drill: bool = Field(description="A drill (訓練): every front end shows it as such.")
    headline: str
    instruction: str
    source: str
    areas: list[str] | None
    issued_at: dt.datetime
    expires_at: dt.datetime | None


class CityAlerts(BaseModel):
    city: str
    active: list[AlertOut] = Field(description="In force now, highest level first.")
    open_shelters: list[str] = Field(description="Ids of open shelters (places data).")
    history: list[AlertOut] = Field(description="Past and present alerts, newest first.")


class ShelterOut(BaseModel):
    city: str
    id: str
    open: bool
    updated_at: dt.datetime
