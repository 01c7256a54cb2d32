"""Every table of the service (imported so that Base.metadata knows them all)."""

from sqlalchemy import Index

from backend.admin.models import ApiToken, AuditEntry
from backend.alerts.models import Alert, AlertState, JmaDocument, ShelterState
from backend.announcements.models import Announcement
from backend.delivery.models import DeliveryAttempt, InboxItem, OutboxRow, Pause
from backend.devices.models import Device
from backend.reminders.models import AppReminder
from backend.subscriptions.models import GarbageSubscription

# What the retention jobs (backend/<domain>/scheduled.py) delete by; migration 0002.
Index("ix_outbox_expires_at", OutboxRow.expires_at)
Index("ix_delivery_attempts_at", DeliveryAttempt.at)
Index("ix_inbox_created_at", InboxItem.created_at)

__all__ = [
    "Alert",
    "AlertState",
    "Announcement",
    "ApiToken",
    "AppReminder",
    "AuditEntry",
    "DeliveryAttempt",
    "Device",
    "GarbageSubscription",
    "InboxItem",
    "JmaDocument",
    "OutboxRow",
    "Pause",
    "ShelterState",
]
