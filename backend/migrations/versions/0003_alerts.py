"""Disaster alerts (#12): JMA documents read, state per (city, phenomenon), alerts, shelter states.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime()


def upgrade() -> None:
    op.create_table(
        "jma_documents",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("url", sa.String(300)),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("office", sa.String(50), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
    )
    op.create_index("ix_jma_documents_url", "jma_documents", ["url"])
    op.create_table(
        "alert_states",
        sa.Column("city", sa.String(64), primary_key=True),
        sa.Column("event", sa.String(32), primary_key=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("level", sa.SmallInteger()),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("alert_id", BigId),
    )
    op.create_table(
        "alerts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("city", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("change", sa.String(8), nullable=False),
        sa.Column("level", sa.SmallInteger()),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("drill", sa.Boolean(), nullable=False),
        sa.Column("headline", Json, nullable=False),
        sa.Column("instruction", Json, nullable=False),
        sa.Column("sender", Json, nullable=False),
        sa.Column("areas", Json),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("expires_at", TS),
        sa.Column("ended_at", TS),
        sa.Column("devices", sa.Integer(), nullable=False),
    )
    op.create_index("ix_alerts_city", "alerts", ["city"])
    op.create_table(
        "shelter_states",
        sa.Column("city", sa.String(64), primary_key=True),
        sa.Column("place_id", sa.String(64), primary_key=True),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("shelter_states")
    op.drop_index("ix_alerts_city", table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("alert_states")
    op.drop_index("ix_jma_documents_url", table_name="jma_documents")
    op.drop_table("jma_documents")
