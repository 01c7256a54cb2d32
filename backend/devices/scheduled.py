"""Periodic work of the devices domain: devices not seen for MACHI_RETENTION_DEVICE_DAYS are removed.

A device is "seen" on every authenticated request (``last_seen_at``, kept to 5 minutes); an app
that re-registers after a 401 leaves its old device behind, and this is what removes it.  The
database cascades the removal to the device's subscription, app reminders, outbox rows (with
their delivery attempts) and inbox.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from backend.db import delete_in_chunks
from backend.devices.models import Device
from backend.scheduler import job
from backend.settings import Settings


@job("devices")
def remove_stale_devices(*, db_session: Session, settings: Settings, now: dt.datetime) -> int:
    """Remove the devices last seen more than MACHI_RETENTION_DEVICE_DAYS before ``now``."""
    cutoff = now - dt.timedelta(days=settings.retention_device_days)
    return delete_in_chunks(
        db_session=db_session,
        table=Device.__table__,
        condition=Device.__table__.c.last_seen_at < cutoff,
        chunk=500,
    )
