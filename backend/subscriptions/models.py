from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, Json, UTCDateTime, utcnow


class GarbageSubscription(Base):
    __tablename__ = "garbage_subscriptions"
    __table_args__ = (Index("ix_garbage_subscriptions_city_area", "city", "area_id"),)

    device_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    city: Mapped[str] = mapped_column(String(64))
    area_id: Mapped[str] = mapped_column(String(64))
    time: Mapped[str] = mapped_column(String(5))
    day_offset: Mapped[int] = mapped_column(Integer)
    categories: Mapped[list | None] = mapped_column(Json, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
