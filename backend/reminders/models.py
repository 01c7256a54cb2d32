from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, BigId, Json, UTCDateTime


class AppReminder(Base):
    __tablename__ = "app_reminders"
    __table_args__ = (UniqueConstraint("device_id", "occurrence_key", name="uq_app_reminders_device_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("devices.id", ondelete="CASCADE"), index=True
    )
    occurrence_key: Mapped[str] = mapped_column(String(120))
    send_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    template: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(Json, default=dict)
