"""Periodic work of the reminders domain: app-owned reminders whose time has long passed go."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from backend.db import delete_in_chunks
from backend.reminders.models import AppReminder
from backend.scheduler import job
from backend.settings import Settings


@job("app_reminders")
def purge_past_reminders(*, db_session: Session, settings: Settings, now: dt.datetime) -> int:
    """Delete app reminders due more than MACHI_RETENTION_OUTBOX_DAYS before ``now`` (never sent again)."""
    cutoff = now - dt.timedelta(days=settings.retention_outbox_days)
    t = AppReminder.__table__
    return delete_in_chunks(db_session=db_session, table=t, condition=t.c.send_at < cutoff)
