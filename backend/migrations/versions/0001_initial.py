"""Initial schema: devices, subscriptions, app reminders, outbox, attempts, inbox, pauses,
announcements, staff tokens, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime()


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("push_token", sa.String(4096)),
        sa.Column("token_hash", sa.String(64)),
        sa.Column("token_kind", sa.String(8)),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("app_version", sa.String(32), nullable=False),
        sa.Column("quiet_start", sa.String(5)),
        sa.Column("quiet_end", sa.String(5)),
        sa.Column("disaster_alerts", sa.Boolean(), nullable=False),
        sa.Column("news_categories", Json, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("token_updated_at", TS),
    )
    op.create_index("ix_devices_token_hash", "devices", ["token_hash"])

    op.create_table(
        "garbage_subscriptions",
        sa.Column(
            "device_id",
            sa.String(32),
            sa.ForeignKey(
                "devices.id", ondelete="CASCADE", name="fk_garbage_subscriptions_device_id_devices"
            ),
            primary_key=True,
        ),
        sa.Column("city", sa.String(64), nullable=False),
        sa.Column("area_id", sa.String(64), nullable=False),
        sa.Column("time", sa.String(5), nullable=False),
        sa.Column("day_offset", sa.Integer(), nullable=False),
        sa.Column("categories", Json),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_garbage_subscriptions_city_area", "garbage_subscriptions", ["city", "area_id"])

    op.create_table(
        "app_reminders",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "device_id",
            sa.String(32),
            sa.ForeignKey("devices.id", ondelete="CASCADE", name="fk_app_reminders_device_id_devices"),
            nullable=False,
        ),
        sa.Column("occurrence_key", sa.String(120), nullable=False),
        sa.Column("send_at", TS, nullable=False),
        sa.Column("template", sa.String(40), nullable=False),
        sa.Column("params", Json, nullable=False),
        sa.UniqueConstraint("device_id", "occurrence_key", name="uq_app_reminders_device_key"),
    )
    op.create_index("ix_app_reminders_device_id", "app_reminders", ["device_id"])
    op.create_index("ix_app_reminders_send_at", "app_reminders", ["send_at"])

    op.create_table(
        "outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "device_id",
            sa.String(32),
            sa.ForeignKey("devices.id", ondelete="CASCADE", name="fk_outbox_device_id_devices"),
            nullable=False,
        ),
        sa.Column("occurrence_key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.String(2000), nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.Column("send_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("transport", sa.String(8)),
        sa.Column("message_id", sa.String(300)),
        sa.Column("error_code", sa.String(64)),
        sa.Column("sent_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("device_id", "occurrence_key", name="uq_outbox_device_key"),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])

    op.create_table(
        "delivery_attempts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "outbox_id",
            BigId,
            sa.ForeignKey("outbox.id", ondelete="CASCADE", name="fk_delivery_attempts_outbox_id_outbox"),
            nullable=False,
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("transport", sa.String(8), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("message_id", sa.String(300)),
        sa.Column("error_code", sa.String(64)),
        sa.Column("detail", sa.String(500)),
        sa.Column("worker", sa.String(64)),
    )
    op.create_index("ix_delivery_attempts_outbox_id", "delivery_attempts", ["outbox_id"])

    op.create_table(
        "inbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "device_id",
            sa.String(32),
            sa.ForeignKey("devices.id", ondelete="CASCADE", name="fk_inbox_device_id_devices"),
            nullable=False,
        ),
        sa.Column("outbox_id", BigId),
        sa.Column("occurrence_key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.String(2000), nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS),
        sa.Column("acknowledged_at", TS),
    )
    op.create_index("ix_inbox_device_id", "inbox", ["device_id"])

    op.create_table(
        "pauses",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("until", TS, nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
    )

    op.create_table(
        "announcements",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("city", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32)),
        sa.Column("severity", sa.String(16)),
        sa.Column("event", sa.String(32)),
        sa.Column("title", Json, nullable=False),
        sa.Column("body", Json, nullable=False),
        sa.Column("areas", Json),
        sa.Column("send_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("devices", sa.Integer(), nullable=False),
    )

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_used_at", TS),
        sa.Column("revoked_at", TS),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("detail", Json, nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "api_tokens",
        "announcements",
        "pauses",
        "inbox",
        "delivery_attempts",
        "outbox",
        "app_reminders",
        "garbage_subscriptions",
        "devices",
    ):
        op.drop_table(table)
