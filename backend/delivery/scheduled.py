"""Periodic work of the delivery domain: retention of notifications, attempts and inbox items.

* outbox rows: MACHI_RETENTION_OUTBOX_DAYS after they expire (whatever their status; a row that
  expired cannot be sent, and the planner never plans that far back, so nothing is sent twice);
* delivery attempts: MACHI_RETENTION_ATTEMPTS_DAYS after the attempt;
* inbox items: MACHI_RETENTION_INBOX_DAYS after delivery, acknowledged or not.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from backend.db import delete_in_chunks
from backend.delivery.models import DeliveryAttempt, InboxItem, OutboxRow
from backend.scheduler import job
from backend.settings import Settings


def _days(now: dt.datetime, days: int) -> dt.datetime:
    return now - dt.timedelta(days=days)


@job("outbox")
def purge_outbox(*, db_session: Session, settings: Settings, now: dt.datetime) -> int:
    """Delete outbox rows (and their attempts) that expired MACHI_RETENTION_OUTBOX_DAYS before ``now``."""
    t = OutboxRow.__table__
    return delete_in_chunks(
        db_session=db_session, table=t, condition=t.c.expires_at < _days(now, settings.retention_outbox_days)
    )


@job("delivery_attempts")
def purge_attempts(*, db_session: Session, settings: Settings, now: dt.datetime) -> int:
    """Delete delivery attempts older than MACHI_RETENTION_ATTEMPTS_DAYS."""
    t = DeliveryAttempt.__table__
    return delete_in_chunks(
        db_session=db_session, table=t, condition=t.c.at < _days(now, settings.retention_attempts_days)
    )


@job("inbox")
def purge_inbox(*, db_session: Session, settings: Settings, now: dt.datetime) -> int:
    """Delete inbox items delivered more than MACHI_RETENTION_INBOX_DAYS before ``now``."""
    t = InboxItem.__table__
    return delete_in_chunks(
        db_session=db_session, table=t, condition=t.c.created_at < _days(now, settings.retention_inbox_days)
    )
