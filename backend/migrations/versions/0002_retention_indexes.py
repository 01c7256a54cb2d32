"""Retention: indexes the periodic deletes use (devices by last seen, outbox by expiry,
delivery attempts by time, inbox items by delivery time).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_devices_last_seen_at", "devices", "last_seen_at"),
    ("ix_outbox_expires_at", "outbox", "expires_at"),
    ("ix_delivery_attempts_at", "delivery_attempts", "at"),
    ("ix_inbox_created_at", "inbox", "created_at"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
