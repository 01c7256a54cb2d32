"""Rate limits and body limits: a shared network is not capped, a script is; the client address is
read from X-Forwarded-For only behind trusted proxies (the web app's server passes each resident's
address on); failed authentication and staff endpoints are limited; the limiter drops its least
recently used keys; a streamed body over the limit gets 413.  Time is a fake clock."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.backend import BackendClient, BackendError, DeviceRegistration
from backend.admin import service as admin_service
from backend.app import create_app
from backend.devices.models import Device
from backend.errors import ApiError
from backend.ratelimit import RateLimiter, client_address, parse_networks
from backend.settings import Settings
from tests.backend.conftest import make_settings, register
from tests.backend.test_api import assert_error

DEVICE = {"push_token": None, "platform": "web", "locale": "en", "timezone": "Asia/Tokyo", "app_version": "1"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limited_app(db_url, tmp_path, engine, **kw):
    """The app with the given limits (others as in production) and every limiter on one fake clock."""
    defaults = Settings()
    kw.setdefault("rate_register_burst", defaults.rate_register_burst)
    kw.setdefault("rate_admin_per_minute", defaults.rate_admin_per_minute)
    app = create_app(make_settings(db_url, tmp_path, **kw), engine)
    clock = Clock()
    for name in ("register_limiter", "device_limiter", "auth_failure_limiter", "admin_limiter"):
        getattr(app.state, name).clock = clock
    return app, clock


def devices(engine) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(Device))


def test_a_burst_of_300_registrations_from_one_address_passes(db_url, tmp_path, engine):
    app, clock = limited_app(db_url, tmp_path, engine)
    with TestClient(app, client=("203.0.113.9", 40000)) as c:
        for _ in range(300):  # the sightseeing Wi-Fi: 300 tourists behind one address, all at once
            assert c.post("/v1/devices", json=DEVICE).status_code == 201
        r = c.post("/v1/devices", json=DEVICE)
        assert_error(r, 429, "rate_limited")
        assert 1 <= int(r.headers["Retry-After"]) <= 6  # 600 an hour: one every 6 s
        clock.now += 60
        assert [c.post("/v1/devices", json=DEVICE).status_code for _ in range(11)] == [201] * 10 + [429]
    assert devices(engine) == 310


def test_a_script_cannot_register_thousands():
    defaults = Settings()
    clock = Clock()
    limiter = RateLimiter.per_hour(
        burst=defaults.rate_register_burst, per_hour=defaults.rate_register_per_hour, clock=clock
    )
    accepted = 0
    for _ in range(20_000):  # a script trying 20,000 registrations in an hour from one address
        clock.now += 3600 / 20_000
        try:
            limiter.check("198.51.100.7", "registrations")
            accepted += 1
        except ApiError as exc:
            assert exc.status == 429
    assert accepted <= defaults.rate_register_burst + defaults.rate_register_per_hour + 1
    assert accepted < 1000


def test_forwarded_for_is_honoured_only_from_trusted_proxies(db_url, tmp_path, engine):
    app, _ = limited_app(db_url, tmp_path, engine, rate_register_burst=2, rate_register_per_hour=1)
    with TestClient(app, client=("127.0.0.1", 40000)) as web_server:  # the web app's server on the same host
        for resident in ("203.0.113.1", "203.0.113.2", "2001:db8::5"):
            for _ in range(2):
                r = web_server.post("/v1/devices", json=DEVICE, headers={"X-Forwarded-For": resident})
                assert r.status_code == 201, r.text
        assert_error(
            web_server.post("/v1/devices", json=DEVICE, headers={"X-Forwarded-For": "203.0.113.1"}), 429
        )
        # A client cannot hide behind an address it writes itself: the proxy appends the real one.
        r = web_server.post(
            "/v1/devices", json=DEVICE, headers={"X-Forwarded-For": "192.0.2.50, 203.0.113.1"}
        )
        assert_error(r, 429)
    with TestClient(app, client=("198.51.100.7", 40000)) as outsider:  # not a trusted proxy: header ignored
        for i in range(2):
            assert (
                outsider.post(
                    "/v1/devices", json=DEVICE, headers={"X-Forwarded-For": f"10.0.0.{i}"}
                ).status_code
                == 201
            )
        assert_error(outsider.post("/v1/devices", json=DEVICE, headers={"X-Forwarded-For": "10.0.0.9"}), 429)


def test_client_address_walks_forwarded_for_from_the_right():
    trusted = parse_networks("127.0.0.1, ::1, 10.0.0.0/8")
    assert client_address("127.0.0.1", ["203.0.113.1"], trusted) == "203.0.113.1"
    assert client_address("127.0.0.1", ["1.1.1.1, 203.0.113.1, 10.0.0.2"], trusted) == "203.0.113.1"
    assert client_address("127.0.0.1", ["1.1.1.1", "203.0.113.1"], trusted) == "203.0.113.1"  # two headers
    assert client_address("127.0.0.1", ["not-an-ip, 203.0.113.1"], trusted) == "203.0.113.1"
    assert client_address("127.0.0.1", ["203.0.113.1, garbage"], trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", [], trusted) == "127.0.0.1"
    assert client_address("192.0.2.1", ["203.0.113.1"], trusted) == "192.0.2.1"
    assert client_address("127.0.0.1", ["203.0.113.1"], parse_networks("")) == "127.0.0.1"
    with pytest.raises(ValueError, match="'localhost' is not an IP address"):
        parse_networks("127.0.0.1, localhost")
    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings(trusted_proxies="10.0.0.0/33")


def test_the_web_app_server_passes_each_residents_address_on(db_url, tmp_path, engine):
    """The app's BackendClient, as the Flet web server runs it (one per resident session), over
    the loopback peer: residents are limited one by one, not as one address."""
    app, _ = limited_app(db_url, tmp_path, engine, rate_register_burst=1, rate_register_per_hour=1)
    reg = DeviceRegistration(None, "web", "en", "Asia/Tokyo", "1.0.0")

    async def session(resident: str | None) -> str:
        transport = httpx.ASGITransport(app, client=("127.0.0.1", 50000))
        client = BackendClient("http://backend", transport=transport, client_ip=resident)
        try:
            return (await client.register_device(reg)).id
        finally:
            await client.aclose()

    async def main():
        ids = [await session(f"203.0.113.{i}") for i in range(1, 6)]
        assert len(set(ids)) == 5
        with pytest.raises(BackendError) as exc:
            await session("203.0.113.1")
        assert exc.value.status == 429
        await session(None)  # no address known (desktop): the peer's own budget
        with pytest.raises(BackendError):
            await session("not an address")  # never forwarded: counted as the server itself

    asyncio.run(main())


def test_failed_authentication_turns_into_429_per_address(db_url, tmp_path, engine):
    app, clock = limited_app(db_url, tmp_path, engine, rate_auth_failures_per_minute=3)
    with Session(engine) as s:
        _, staff_token = admin_service.create_token(s, "admin", "test")
    with (
        TestClient(app, client=("192.0.2.10", 40000)) as guesser,
        TestClient(app, client=("192.0.2.20", 40000)) as resident,
    ):
        device_id, headers = register(resident)
        for _ in range(3):
            assert_error(
                guesser.get(f"/v1/devices/{device_id}", headers={"Authorization": "Bearer guess"}), 401
            )
        r = guesser.get(f"/v1/devices/{device_id}", headers={"Authorization": "Bearer guess"})
        assert_error(r, 429, "rate_limited")
        assert int(r.headers["Retry-After"]) >= 1
        # While blocked, even the right secret is not checked from that address ...
        assert_error(guesser.get(f"/v1/devices/{device_id}", headers=headers), 429)
        assert_error(guesser.get("/v1/admin/audit", headers={"Authorization": f"Bearer {staff_token}"}), 429)
        # ... while other addresses are unaffected, and the budget refills with time.
        assert resident.get(f"/v1/devices/{device_id}", headers=headers).status_code == 200
        clock.now += 60
        assert guesser.get(f"/v1/devices/{device_id}", headers=headers).status_code == 200
        for _ in range(3):
            assert_error(resident.get("/v1/admin/audit", headers={"Authorization": "Bearer machi_x_y"}), 401)
        assert_error(resident.get("/v1/admin/audit", headers={"Authorization": "Bearer machi_x_y"}), 429)


def test_staff_endpoints_are_rate_limited(db_url, tmp_path, engine):
    app, clock = limited_app(db_url, tmp_path, engine, rate_admin_per_minute=5)
    with Session(engine) as s:
        _, raw = admin_service.create_token(s, "admin", "test")
    h = {"Authorization": f"Bearer {raw}"}
    with TestClient(app) as c:
        assert [c.get("/v1/admin/stats", headers=h).status_code for _ in range(6)] == [200] * 5 + [429]
        assert_error(c.get("/v1/admin/audit", headers=h), 429, "rate_limited")
        clock.now += 12
        assert c.get("/v1/admin/audit", headers=h).status_code == 200


def test_the_limiter_evicts_its_least_recently_used_keys():
    clock = Clock()
    limiter = RateLimiter(burst=1, per_second=1 / 3600, max_keys=3, clock=clock)
    for key in ("a", "b", "c"):
        limiter.check(key, "requests")
    with pytest.raises(ApiError):
        limiter.check("a", "requests")  # a is now the most recently used
    limiter.check("d", "requests")  # full: b, the least recently used, goes; not every window
    assert len(limiter) == 3 and "b" not in limiter
    for key in ("a", "c", "d"):
        with pytest.raises(ApiError):
            limiter.check(key, "requests")
    limiter.check("b", "requests")  # forgotten, so it starts again with a full bucket


def test_a_streamed_body_over_the_limit_gets_413(db_url, tmp_path, engine):
    app, _ = limited_app(db_url, tmp_path, engine, max_body_bytes=2048)
    with TestClient(app) as c:
        device_id, headers = register(c)

        def chunks():
            yield b"["
            for i in range(100):
                yield (
                    b'{"occurrence_key": "k%d", "send_at": "2014-05-07T10:00:00Z", "template": "tax_due"},'
                    % i
                )
            yield b"{}]"

        r = c.put(
            f"/v1/devices/{device_id}/reminders",
            headers={**headers, "Content-Type": "application/json"},
            content=chunks(),
        )
        assert "content-length" not in {k.lower() for k in r.request.headers}
        assert_error(r, 413, "payload_too_large")
        assert "2048 bytes" in r.json()["error"]["message"]
        small = c.put(
            f"/v1/devices/{device_id}/reminders",
            headers={**headers, "Content-Type": "application/json"},
            content=iter([b"[", b"]"]),
        )
        assert small.status_code == 200, small.text
