"""Alembic: the migrations create exactly the models' schema, and downgrade/upgrade cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from backend import models  # noqa: F401
from backend.db import Base, current_revision, downgrade, get_engine, migrate


def test_migrated_schema_matches_the_models(db_url):
    with get_engine(db_url).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []
    assert current_revision(db_url) == "0004"


def test_downgrade_and_upgrade(db_url):
    downgrade(db_url, "base")
    assert current_revision(db_url) is None
    migrate(db_url)
    migrate(db_url)  # idempotent
    assert current_revision(db_url) == "0004"
