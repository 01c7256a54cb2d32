"""Fixtures of the backend suite.

The suite runs on SQLite by default and on PostgreSQL when MACHI_TEST_DATABASE_URL is set
(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test): each run migrates its own schema
(``machi_test_<random>``) and drops it afterwards; every test starts from empty tables.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
import warnings
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import text

from backend.db import Base, dispose_all, get_engine, migrate
from backend.settings import Settings

REPO = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("MACHI_TEST_DATABASE_URL", "").strip()

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")


def pytest_report_header(config):
    return f"backend database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (set MACHI_TEST_DATABASE_URL for PG)'}"


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """(kind, template) — a migrated SQLite file to copy, or a migrated PostgreSQL schema URL."""
    if PG_URL:
        schema = f"machi_test_{uuid.uuid4().hex[:10]}"
        base = get_engine(PG_URL)
        with base.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
        migrate(url)
        yield "postgresql", url
        dispose_all()
        with get_engine(PG_URL).begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        dispose_all()
    else:
        path = tmp_path_factory.mktemp("db") / "template.db"
        migrate(f"sqlite:///{path}")
        dispose_all()
        yield "sqlite", path


@pytest.fixture
def db_url(database, tmp_path):
    kind, template = database
    if kind == "sqlite":
        target = tmp_path / "machi.db"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
    else:
        engine = get_engine(template)
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        yield template
    dispose_all()


# A made-up town whose garbage data is valid 2026-01-01..2027-12-31 (tests/fixtures/cities/testtown):
# 中町 has burnable garbage every day, so reminders the API plans on the real clock exist on any day
# of that period, also under the fixed clock of `make test-clock` (see clear_outbox).
TESTTOWN, TESTTOWN_DAILY, TESTTOWN_NORTH = "testtown", "aee48e4d0", "a8e92fb8b"


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MACHI_DATA_DIR", str(tmp_path / "data"))
    city = tmp_path / "data" / "cities" / TESTTOWN
    city.mkdir(parents=True)
    for name in ("city.json", "garbage.json"):
        shutil.copy(REPO / "tests" / "fixtures" / "cities" / TESTTOWN / name, city / name)
    from backend.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def make_settings(db_url: str, tmp_path: Path, **kw) -> Settings:
    base = dict(
        database_url=db_url,
        data_dir=tmp_path / "data",
        rate_register_burst=10_000,
        rate_device_per_minute=10_000,
        rate_admin_per_minute=10_000,
        rate_auth_failures_per_minute=10_000,
        transport="inbox",
    )
    base.update(kw)
    return Settings(**base)


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return make_settings(db_url, tmp_path)


@pytest.fixture
def engine(db_url):
    return get_engine(db_url)


@pytest.fixture
def client(settings, engine):
    from fastapi.testclient import TestClient

    from backend.app import create_app

    with TestClient(create_app(settings, engine)) as c:
        yield c


@pytest.fixture
def fake_fcm():
    from backend.delivery.fakefcm import FakeFCM

    server = FakeFCM().start()
    yield server
    server.stop()


@pytest.fixture
def fcm_settings(db_url, tmp_path, fake_fcm) -> Settings:
    return make_settings(
        db_url, tmp_path, transport="fcm", fcm_endpoint=fake_fcm.url, fcm_project_id="machi-dev"
    )


def register(
    client, locale: str = "en", token: str | None = None, platform: str = "android", tz: str = "Asia/Tokyo"
) -> tuple[str, dict]:
    r = client.post(
        "/v1/devices",
        json={
            "push_token": token,
            "platform": platform,
            "locale": locale,
            "timezone": tz,
            "app_version": "1.0.0",
        },
    )
    assert r.status_code == 201, r.text
    d = r.json()
    return d["id"], {"Authorization": f"Bearer {d['secret']}"}


def clear_outbox(engine) -> None:
    """Drop the rows the API planned on the real clock when a test subscribed: on most days a
    collection falls within the planning horizon of *now*.  Tests that control the clock then
    plan at their own NOW and see only those rows."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox"))


def subscribe(
    client,
    device_id: str,
    headers: dict,
    area: str = "a198c8301",
    time_: str = "19:00",
    day_offset: int = -1,
    categories=None,
    city: str = "matsusaka",
):
    r = client.put(
        f"/v1/devices/{device_id}/subscriptions/garbage",
        headers=headers,
        json={
            "city": city,
            "area_id": area,
            "time": time_,
            "day_offset": day_offset,
            "categories": categories,
        },
    )
    assert r.status_code == 200, r.text
    return r.json()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli_env(db_url: str, data_dir: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MACHI_")}
    env.update(MACHI_DATABASE_URL=db_url, MACHI_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def machi(*args: str, env: dict, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"machi {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def machi_popen(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(predicate, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
