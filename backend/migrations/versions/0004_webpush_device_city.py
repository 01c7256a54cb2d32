"""Web Push subscriptions (issue 14) and a device's own city.

A Web Push subscription is a new push-token kind: ``push_token`` holds the endpoint,
``token_kind`` is ``webpush``, and the two RFC 8291 keys sit beside it; ``push_retry_at`` is
the endpoint's back-off after 429/5xx.  ``city`` makes announcements and alerts reach devices
with no garbage subscription (a device without it keeps its subscription's city).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("webpush_p256dh", sa.String(100)))
        batch.add_column(sa.Column("webpush_auth", sa.String(32)))
        batch.add_column(sa.Column("push_retry_at", sa.DateTime()))
        batch.add_column(sa.Column("city", sa.String(64)))
    op.create_index("ix_devices_city", "devices", ["city"])


def downgrade() -> None:
    op.drop_index("ix_devices_city", table_name="devices")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("city")
        batch.drop_column("push_retry_at")
        batch.drop_column("webpush_auth")
        batch.drop_column("webpush_p256dh")
