"""The web app's server runs every open tab as a session in one process (issue 13 point 3): the
sessions share the HTTP client (and its TLS context) and the areas' readings and search index of
a city data version, and a session that is gone leaves nothing of its own behind."""

from __future__ import annotations

import asyncio
import gc
import weakref

import httpx
import pytest

import app.main
from app.main import SESSION_TIMEOUT_SECONDS, make_main
from app.services import backend
from app.services.backend import BackendClient, DeviceCredentials
from app.services.config import AppConfig
from app.services.garbage import GarbageRepository
from app.services.settings import MemoryStore
from app.viewmodels.app import AppViewModel
from core.garbage import service
from tests.app.conftest import closed_port_url


@pytest.mark.asyncio
async def test_sessions_share_one_http_client_and_keep_their_own_address():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": []})

    transport = httpx.MockTransport(answer)
    alice = BackendClient("http://backend", transport=transport, client_ip="203.0.113.7")
    bob = BackendClient("http://backend/", transport=transport, client_ip="198.51.100.9")
    assert alice._client is bob._client  # one connection pool for every session on this loop
    creds = DeviceCredentials("d1", "s1")
    await alice.inbox(creds)
    await bob.inbox(creds)
    await alice.aclose()  # a session ending does not close the others' client
    await bob.inbox(creds)
    assert [r.headers["x-forwarded-for"] for r in seen] == ["203.0.113.7", "198.51.100.9", "198.51.100.9"]
    assert all(r.headers["accept"] == "application/json" for r in seen)
    assert all(r.headers["authorization"] == "Bearer s1" for r in seen)
    assert BackendClient("http://other", transport=transport)._client is not alice._client


@pytest.mark.asyncio
async def test_the_real_client_uses_the_one_tls_context():
    a, b = BackendClient("https://machi.example"), BackendClient("https://machi.example")
    assert a._client is b._client
    context = backend.shared_ssl_context()
    assert context is backend.shared_ssl_context()
    pool = a._client._transport._pool  # httpx's default transport: httpcore's pool holds the context
    assert pool._ssl_context is context


def test_a_client_belongs_to_its_event_loop():
    """httpx clients cannot move between loops: each loop gets its own, shared within it."""

    async def pair():
        c = BackendClient("http://backend")
        return c._client, BackendClient("http://backend")._client

    first, second = asyncio.run(pair()), asyncio.run(pair())
    assert first[0] is first[1] and second[0] is second[1]
    assert first[0] is not second[0]


def test_sessions_share_area_readings_and_the_search_index():
    one, two = GarbageRepository("matsusaka"), GarbageRepository("matsusaka")
    assert one.city is two.city
    assert one._readings is two._readings and one._area_keys is two._area_keys
    assert one.romaji(one.area(one.city.garbage.areas[2].id)) == "Asahigaoka"
    assert "旭ヶ丘" in [m.name for m in two.suggest_areas("asahigaoka")]
    one.prepare_search("en")
    assert service._index(one.city, "en") is service._index(two.city, "en")


class _Page:
    """What make_main's session code touches of a Flet page, without a Flet client."""

    web = True
    client_ip = "203.0.113.7"
    platform = None

    def __init__(self):
        self.tasks: list[asyncio.Task] = []
        self.on_disconnect = self.on_close = None

    async def get_device_info(self):
        raise RuntimeError("no client")

    def run_task(self, handler, *args):
        self.tasks.append(asyncio.get_running_loop().create_task(handler(*args)))


class _Shell:
    def __init__(self, page, vm, save_file):
        self.vm = vm
        page.shell = self  # as Flet's page holds the controls, whose handlers hold the view model

    def start(self):
        pass


@pytest.mark.asyncio
async def test_a_disconnected_session_is_released(monkeypatch):
    """After Flet drops a session (disconnect, then expiry) nothing keeps its view model alive: the
    poller stops and the shared caches hold no session object."""
    made: list[weakref.ref] = []

    class RecordingViewModel(AppViewModel):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(weakref.ref(self))

    monkeypatch.setattr(app.main, "AppViewModel", RecordingViewModel)
    monkeypatch.setattr(app.main, "Shell", _Shell)
    monkeypatch.setattr(app.main, "SharedPreferencesStore", lambda prefs: MemoryStore())
    monkeypatch.setattr(app.main, "start_background", lambda target, *args, name: target(*args))
    main = make_main(AppConfig(api_url=closed_port_url(), poll_seconds=0.05))
    pages = [_Page(), _Page()]
    for page in pages:
        await main(page)
    assert len(made) == 2 and all(ref() is not None for ref in made)
    tasks = [t for page in pages for t in page.tasks]
    assert tasks and not any(t.done() for t in tasks)  # each session polls its inbox
    for page in pages:
        page.on_disconnect(None)
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=10)
    pages[0].on_close(None)  # expired: Flet forgets the page
    del pages[0], page, tasks
    gc.collect()
    assert made[0]() is None, gc.get_referrers(made[0]())
    assert made[1]() is not None  # the other session (still within its grace period) is untouched


def test_web_sessions_expire_in_minutes_not_an_hour(monkeypatch):
    captured = {}
    monkeypatch.delenv("FLET_SESSION_TIMEOUT", raising=False)
    monkeypatch.setattr(app.main.ft, "run", lambda *args, **kwargs: captured.update(kwargs))
    app.main.run_web(8550)
    import os

    assert (
        os.environ["FLET_SESSION_TIMEOUT"] == str(SESSION_TIMEOUT_SECONDS) and SESSION_TIMEOUT_SECONDS <= 600
    )
    monkeypatch.setenv("FLET_SESSION_TIMEOUT", "42")  # an operator's setting wins
    app.main.run_web(8550)
    assert os.environ["FLET_SESSION_TIMEOUT"] == "42"
    # Flet reads it for every connection (flet_web FletApp): check the name is still the one it reads.
    from flet_web.fastapi import flet_app

    assert "FLET_SESSION_TIMEOUT" in open(flet_app.__file__, encoding="utf-8").read()
