"""Every table of the service (imported so that Base.metadata knows them all)."""

from backend.admin.models import ApiToken, AuditEntry
from backend.announcements.models import Announcement
from backend.delivery.models import DeliveryAttempt, InboxItem, OutboxRow, Pause
from backend.devices.models import Device
from backend.reminders.models import AppReminder
from backend.subscriptions.models import GarbageSubscription

__all__ = [
           "Announcement",
           "ApiToken",
           "AppReminder",
           "AuditEntry",
           "DeliveryAttempt",
           "Device",
           "GarbageSubscription",
           "InboxItem",
           "OutboxRow",
           "Pause",
]
