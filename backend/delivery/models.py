from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, BigId, Json, UTCDateTime, utcnow

# Outbox status values
PENDING, SENT, FAILED, EXPIRED, CANCELLED = "pending", "sent", "failed", "expired", "cancelled"
# SQLite only: claimed by a dispatcher whose batch is on the wire (``message_id`` names the
# worker ``host:pid``, ``updated_at`` the claim time); see backend/delivery/dispatcher.py.
SENDING = "sending"


class OutboxRow(Base):
    """One notification for one device.  (device_id, occurrence_key) is unique: planning the
    same occurrence twice is a no-op, and the key travels as Android tag / collapse key /
    apns-collapse-id so that a rare duplicate replaces instead of stacking."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("device_id", "occurrence_key", name="uq_outbox_device_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(32), ForeignKey("devices.id", ondelete="CASCADE"))
    occurrence_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # garbage | app | announcement | alert
    priority: Mapped[int] = mapped_column(SmallInteger, default=0)  # 1 = high (alerts)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(String(2000))
    data: Mapped[dict] = mapped_column(Json, default=dict)
    send_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    transport: Mapped[str | None] = mapped_column(String(8), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryAttempt(Base):
    """Every attempt, successful or not (status, message id, error code)."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int] = mapped_column(BigId, ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    transport: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12))  # sent | retry | failed | paused
    message_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str | None] = mapped_column(String(500), nullable=True)
    worker: Mapped[str | None] = mapped_column(String(64), nullable=True)


class InboxItem(Base):
    """Notifications delivered by the inbox transport, fetched by the app and acknowledged."""

    __tablename__ = "inbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("devices.id", ondelete="CASCADE"), index=True
    )
    outbox_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    occurrence_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(SmallInteger, default=0)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(String(2000))
    data: Mapped[dict] = mapped_column(Json, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Pause(Base):
    """A paused route: ``platform:ios`` after THIRD_PARTY_AUTH_ERROR, ``quota`` after 429."""

    __tablename__ = "pauses"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    until: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(300))
