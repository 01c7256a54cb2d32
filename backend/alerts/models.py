from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, BigId, Json, UTCDateTime, utcnow


class JmaDocument(Base):
    """Every JMA document read once (by content hash; by URL when fetched): never fetched or applied twice."""

    __tablename__ = "jma_documents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str | None] = mapped_column(String(300), nullable=True, index=True)
    title: Mapped[str] = mapped_column(String(100))
    office: Mapped[str] = mapped_column(String(50))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    changes: Mapped[int] = mapped_column(Integer, default=0)


class AlertState(Base):
    """The current state of one phenomenon for one city (one row per city and event, kept when lifted)."""

    __tablename__ = "alert_states"

    city: Mapped[str] = mapped_column(String(64), primary_key=True)
    event: Mapped[str] = mapped_column(String(32), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    level: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    rank: Mapped[int] = mapped_column(SmallInteger, default=0)
    name: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(8), default="")  # R06 | H27
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # Control/DateTime of the document
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    alert_id: Mapped[int | None] = mapped_column(BigId, nullable=True)  # the last change told


class Alert(Base):
    """One CAP-like alert: a change of a JMA warning or the city's evacuation information."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(64), index=True)
    origin: Mapped[str] = mapped_column(String(8))  # jma | city
    event: Mapped[str] = mapped_column(String(32))
    change: Mapped[str] = mapped_column(String(8))  # issued | raised | lowered | lifted
    level: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    rank: Mapped[int] = mapped_column(SmallInteger, default=0)
    severity: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64), default="")
    drill: Mapped[bool] = mapped_column(Boolean, default=False)
    headline: Mapped[dict] = mapped_column(Json)
    instruction: Mapped[dict] = mapped_column(Json)
    sender: Mapped[dict] = mapped_column(Json)  # the credited source, per language (気象庁)
    areas: Mapped[list | None] = mapped_column(Json, nullable=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    devices: Mapped[int] = mapped_column(Integer, default=0)


class ShelterState(Base):
    """Whether a shelter of the city's places data is open (set by staff; absent = closed)."""

    __tablename__ = "shelter_states"

    city: Mapped[str] = mapped_column(String(64), primary_key=True)
    place_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    open: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))
