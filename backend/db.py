"""Database: one SQLAlchemy 2 engine per URL, a declarative Base, UTC timestamps, migrations.

SQLite is the embedded default (WAL, foreign keys, a busy timeout, and ``BEGIN IMMEDIATE``
for the dispatcher's claim transactions); PostgreSQL is production.  Both are migrated by
the same Alembic scripts in ``backend/migrations``.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Engine,
    Integer,
    MetaData,
    create_engine,
    delete,
    event,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

BACKEND_DIR = Path(__file__).resolve().parent

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


BigId = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(postgresql.JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware_utc(v: dt.datetime | None) -> dt.datetime | None:
    """Validator for API datetimes: an offset is required; stored as UTC, within 2000-2100."""
    if v is None:
        return None
    if v.tzinfo is None or v.utcoffset() is None:
        raise ValueError("a time zone is required, e.g. 2014-05-07T10:00:00+09:00")
    v = v.astimezone(dt.UTC)
    if not 2000 <= v.year <= 2100:
        raise ValueError("must be between the years 2000 and 2100")
    return v


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, naive UTC in the database (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # raw SQL on SQLite
            value = dt.datetime.fromisoformat(value)
        return value.replace(tzinfo=dt.UTC)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _begin)
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")


_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1].split("?")[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=8, max_overflow=8
        )
        _sqlite_setup(engine)
        return engine
    return create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)


def get_engine(url: str) -> Engine:
    with _LOCK:
        if url not in _ENGINES:
            _ENGINES[url] = make_engine(url)
        return _ENGINES[url]


def dispose_all() -> None:
    with _LOCK:
        for e in _ENGINES.values():
            e.dispose()
        _ENGINES.clear()


def is_sqlite(engine_or_conn) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


def insert_ignore(engine_or_conn, table):
    """INSERT that skips rows violating a unique constraint (ON CONFLICT DO NOTHING)."""
    if is_sqlite(engine_or_conn):
        return sqlite.insert(table).on_conflict_do_nothing()
    return postgresql.insert(table).on_conflict_do_nothing()


# ----------------------------------------------------------------------------- migrations


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config(str(BACKEND_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(BACKEND_DIR / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def _alembic(action: str, url: str, revision: str) -> None:
    from alembic import command

    engine = get_engine(url)
    with engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (idempotent)."""
    _alembic("upgrade", url, revision)


def downgrade(url: str, revision: str = "base") -> None:
    _alembic("downgrade", url, revision)


def current_revision(url: str) -> str | None:
    with get_engine(url).connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:
            return None


def delete_in_chunks(*, db_session: Session, table, condition, key=None, chunk: int = 2000) -> int:
    """DELETE the rows of ``table`` matching ``condition``, ``chunk`` rows per short transaction
    (so SQLite's write lock is never held for long); the number deleted."""
    key = key if key is not None else next(iter(table.primary_key.columns))
    total = 0
    while True:
        ids = select(key).where(condition).limit(chunk).scalar_subquery()
        n = db_session.execute(delete(table).where(key.in_(ids))).rowcount or 0
        db_session.commit()
        total += n
        if n < chunk:
            return total
