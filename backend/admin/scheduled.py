"""Periodic work of the admin domain: audit log entries older than MACHI_RETENTION_AUDIT_DAYS go."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from backend.admin.models import AuditEntry
from backend.db import delete_in_chunks
from backend.scheduler import job
from backend.settings import Settings


@job("audit_log")
def purge_audit(*, db_session: Session, settings: Settings, now: dt.datetime) -> int:
    """Delete audit entries written more than MACHI_RETENTION_AUDIT_DAYS before ``now``."""
    t = AuditEntry.__table__
    return delete_in_chunks(
        db_session=db_session,
        table=t,
        condition=t.c.at < now - dt.timedelta(days=settings.retention_audit_days),
    )
