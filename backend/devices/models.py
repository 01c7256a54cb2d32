from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, Json, UTCDateTime, utcnow

# Only what delivery needs: no names, birthdates, addresses or health data.


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    push_token: Mapped[str | None] = mapped_column(String(4096), nullable=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # "token" | "fid" (FCM), "webpush" (push_token is the Web Push endpoint; keys below)
    token_kind: Mapped[str | None] = mapped_column(String(8), nullable=True)
    webpush_p256dh: Mapped[str | None] = mapped_column(String(100), nullable=True)  # RFC 8291 ua_public
    webpush_auth: Mapped[str | None] = mapped_column(String(32), nullable=True)  # RFC 8291 auth secret
    # Web Push back-off of this device's endpoint after 429/5xx (Retry-After honoured): held until then.
    push_retry_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The device's own city (announcements, alerts); null: the city of its garbage subscription.
    city: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    platform: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    app_version: Mapped[str] = mapped_column(String(32))
    quiet_start: Mapped[str | None] = mapped_column(String(5), nullable=True)
    quiet_end: Mapped[str | None] = mapped_column(String(5), nullable=True)
    disaster_alerts: Mapped[bool] = mapped_column(Boolean, default=True)
    news_categories: Mapped[list] = mapped_column(Json, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)  # retention
    token_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
