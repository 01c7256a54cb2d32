"""View-model tests: no Flet client.  Settings live in a dict store; the backend is the real
FastAPI app of backend/ served in-process (httpx ASGI transport) on a temporary SQLite file."""

from __future__ import annotations

import datetime as dt
import socket

import httpx
import pytest

from app.services.backend import BackendClient
from app.services.clock import Clock
from app.services.config import AppConfig
from app.services.garbage import GarbageRepository
from app.services.notifications import InboxNotificationService
from app.services.settings import MemoryStore, SettingsRepository
from app.viewmodels.app import AppViewModel

TODAY = dt.date(2014, 5, 8)


@pytest.fixture(scope="session")
def repo():
    return GarbageRepository("matsusaka")


@pytest.fixture
def backend_transport(tmp_path, monkeypatch):
    pytest.importorskip("backend.app")
    from backend.app import create_app
    from backend.db import get_engine, migrate
    from backend.settings import Settings, get_settings

    monkeypatch.setenv("MACHI_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    settings = Settings(data_dir=tmp_path)
    url = settings.db_url()
    migrate(url)
    app = create_app(settings, get_engine(url))
    yield httpx.ASGITransport(app=app)
    get_settings.cache_clear()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"  # released: nothing listens there


def make_vm(repo, store=None, transport=None, base_url=None, today=TODAY) -> AppViewModel:
    config = AppConfig(api_url=base_url or "http://testserver", today=today, poll_seconds=1)
    client = BackendClient(config.api_url, transport=transport, timeout=2)
    return AppViewModel(
        config,
        SettingsRepository(store or MemoryStore()),
        client,
        InboxNotificationService(client, "web"),
        repo,
        Clock(repo.city.timezone, today),
    )
