"""Typed client for the Machi push service (issue 3 contract), over httpx.

    POST /v1/devices                              {push_token, platform, locale, timezone, app_version,
                                                   city?, web_push?} -> 201 {id, secret}
    PATCH /v1/devices/{id}                        {locale?, timezone?, app_version?, push_token?, city?,
                                                   web_push?} -> 200
    GET  /v1/push/vapid-public-key                -> 200 {public_key} (Web Push applicationServerKey)
    PUT  /v1/devices/{id}/subscriptions/garbage   {city, area_id, time "HH:MM", day_offset -1|0,
                                                   categories [ids] | null} -> 200
    DELETE /v1/devices/{id}/subscriptions/garbage -> 204 (reminders turned off)
    GET  /v1/devices/{id}/inbox                   -> 200 {items: [{id, title, body, created_at, ...}]}

Every call after registration sends ``Authorization: Bearer <secret>``.  Error bodies are
``{"error": {"code", "message", "field"?}}``.  Network failures raise ``BackendUnavailable``
(the caller keeps working offline and retries later); HTTP errors raise ``BackendError``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import sys
import threading
import weakref
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx


class BackendError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(f"{status} {code}: {message}" + (f" (field {field})" if field else ""))
        self.status, self.code, self.message, self.field = status, code, message, field


class BackendUnavailable(BackendError):
    def __init__(self, message: str):
        super().__init__(0, "unavailable", message)


@dataclass(frozen=True)
class DeviceCredentials:
    id: str
    secret: str


@dataclass(frozen=True)
class DeviceRegistration:
    push_token: str | None  # None: inbox-only client (web, desktop)
    platform: str
    locale: str
    timezone: str
    app_version: str
    city: str | None = None  # the device's city: its announcements and disaster alerts reach it
    web_push: dict | None = None  # a browser's PushSubscription.toJSON(), instead of push_token

    def to_json(self) -> dict:
        data = {
            "push_token": self.push_token,
            "platform": self.platform,
            "locale": self.locale,
            "timezone": self.timezone,
            "app_version": self.app_version,
        }
        data.update({k: v for k, v in (("city", self.city), ("web_push", self.web_push)) if v is not None})
        return data


@dataclass(frozen=True)
class GarbageSubscription:
    city: str
    area_id: str
    time: str  # "HH:MM"
    day_offset: int  # -1 (the day before) or 0 (the same day)
    categories: list[str] | None  # None: every category

    def __post_init__(self) -> None:
        if self.day_offset not in (-1, 0):
            raise ValueError(f"day_offset must be -1 or 0, not {self.day_offset!r}")

    def to_json(self) -> dict:
        return {
            "city": self.city,
            "area_id": self.area_id,
            "time": self.time,
            "day_offset": self.day_offset,
            "categories": list(self.categories) if self.categories is not None else None,
        }


@dataclass(frozen=True)
class InboxItem:
    id: str
    title: str
    body: str
    created_at: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_alert(self) -> bool:
        """Disaster alerts (and anything marked urgent) are shown as the alert banner."""
        kind = str(
            self.extra.get("kind") or self.extra.get("type") or self.extra.get("category") or ""
        ).lower()
        return kind in ("alert", "disaster", "disaster_alert") or "severity" in self.extra

    @classmethod
    def from_json(cls, data: dict) -> InboxItem:
        if not isinstance(data, dict) or "id" not in data:
            raise ValueError(f"inbox item without an id: {data!r}")
        extra = {k: v for k, v in data.items() if k not in ("id", "title", "body", "created_at")}
        return cls(
            id=str(data["id"]),
            title=str(data.get("title") or ""),
            body=str(data.get("body") or ""),
            created_at=str(data.get("created_at") or ""),
            extra=extra,
        )

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "created_at": self.created_at,
            **self.extra,
        }


@cache
def shared_ssl_context():
    """The process's one TLS context (certifi's roots): building one costs about 25 ms and 0.5 MB,
    which every web-app session paid for its own client before.  None in the browser, where
    fetch() does TLS."""
    if sys.platform == "emscripten":
        return None
    return httpx.create_ssl_context()


# One httpx client per event loop and (base URL, timeout, transport), shared by every session
# that the loop serves (the web app's server runs all its sessions on one loop).  A client is
# bound to the loop it was made on, hence the weak key: a loop that is gone takes its clients.
_SHARED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, httpx.AsyncClient]] = (
    weakref.WeakKeyDictionary()
)
_SHARED_LOCK = threading.Lock()


def shared_http_client(
    base_url: str, timeout: float, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The running loop's shared client for ``base_url`` (call it on the loop)."""
    loop = asyncio.get_running_loop()
    key = (base_url, timeout, transport)
    with _SHARED_LOCK:
        clients = _SHARED.setdefault(loop, {})
        client = clients.get(key)
        if client is None or client.is_closed:
            verify = shared_ssl_context()
            client = clients[key] = httpx.AsyncClient(
                base_url=base_url,
                timeout=timeout,
                transport=transport,
                headers={"Accept": "application/json"},
                **({"verify": verify} if verify is not None else {}),
            )
        return client


class BackendClient:
    """``client_ip``: the resident's address when this runs in the web app's server (Flet's
    ``page.client_ip``); it goes to the backend as ``X-Forwarded-For`` so that rate limits count
    residents, not the server (the backend honours it only from MACHI_TRUSTED_PROXIES).

    Sessions share the HTTP client (connections, TLS context) of their event loop: this object
    only holds what is the session's own, the forwarded address."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
        client_ip: str | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._transport = transport
        self._headers: dict[str, str] = {}
        if forwarded := _valid_ip(client_ip):
            self._headers["X-Forwarded-For"] = forwarded

    @property
    def _client(self) -> httpx.AsyncClient:
        return shared_http_client(self.base_url, self._timeout, self._transport)

    async def aclose(self) -> None:
        """Nothing of this session's stays open (the shared client lives with its loop)."""

    async def _request(
        self,
        method: str,
        url: str,
        *,
        creds: DeviceCredentials | None = None,
        json: Any = None,
        expect: tuple[int, ...] = (200,),
    ) -> Any:
        headers = dict(self._headers)
        if creds:
            headers["Authorization"] = f"Bearer {creds.secret}"
        try:
            response = await self._client.request(method, url, json=json, headers=headers)
        except httpx.HTTPError as exc:
            raise BackendUnavailable(
                f"{method} {self.base_url}{url}: {exc.__class__.__name__}: {exc}"
            ) from exc
        if response.status_code not in expect:
            raise _error(response)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise BackendError(
                response.status_code,
                "bad_response",
                f"{method} {url} answered {response.status_code} without JSON",
            ) from None

    async def register_device(self, registration: DeviceRegistration) -> DeviceCredentials:
        data = await self._request("POST", "/v1/devices", json=registration.to_json(), expect=(200, 201))
        if not isinstance(data, dict) or not data.get("id") or not data.get("secret"):
            raise BackendError(
                201, "bad_response", f"device registration answered {data!r}, expected {{id, secret}}"
            )
        return DeviceCredentials(id=str(data["id"]), secret=str(data["secret"]))

    async def put_garbage_subscription(self, creds: DeviceCredentials, sub: GarbageSubscription) -> dict:
        data = await self._request(
            "PUT",
            f"/v1/devices/{creds.id}/subscriptions/garbage",
            creds=creds,
            json=sub.to_json(),
            expect=(200, 201, 204),
        )
        return data if isinstance(data, dict) else {}

    async def patch_device(self, creds: DeviceCredentials, **fields: str | dict | None) -> dict:
        data = await self._request("PATCH", f"/v1/devices/{creds.id}", creds=creds, json=fields)
        return data if isinstance(data, dict) else {}

    async def delete_garbage_subscription(self, creds: DeviceCredentials) -> None:
        await self._request(
            "DELETE", f"/v1/devices/{creds.id}/subscriptions/garbage", creds=creds, expect=(200, 204, 404)
        )

    async def get_reminders(self, creds: DeviceCredentials) -> list[dict]:
        """The device's app-owned reminders: ``[{occurrence_key, send_at, template, params}]``."""
        data = await self._request("GET", f"/v1/devices/{creds.id}/reminders", creds=creds)
        items = data.get("reminders") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise BackendError(200, "bad_response", "reminders answered without a list")
        return items

    async def put_reminders(self, creds: DeviceCredentials, items: list[dict]) -> None:
        """Replace ALL app-owned reminders of the device (every feature's: keep the others' keys)."""
        await self._request(
            "PUT", f"/v1/devices/{creds.id}/reminders", creds=creds, json=items, expect=(200, 201, 204)
        )

    async def decode_payslip(self, image: bytes, content_type: str = "image/jpeg") -> dict:
        """``POST /v1/payslips/decode`` with the photo as the body -> ``{slip, others}`` (the
        server decodes in memory and forgets; a 422 carries the rejection code)."""
        try:
            response = await self._client.post(
                "/v1/payslips/decode",
                content=image,
                headers={**self._headers, "Content-Type": content_type},
                timeout=30,
            )
        except httpx.HTTPError as exc:
            raise BackendUnavailable(
                f"POST {self.base_url}/v1/payslips/decode: {exc.__class__.__name__}"
            ) from exc
        if response.status_code != 200:
            raise _error(response)
        return response.json()

    async def vapid_public_key(self) -> str:
        """The server's Web Push applicationServerKey (base64url) for pushManager.subscribe()."""
        data = await self._request("GET", "/v1/push/vapid-public-key")
        if not isinstance(data, dict) or not isinstance(data.get("public_key"), str):
            raise BackendError(
                200, "bad_response", f"vapid-public-key answered {data!r}, expected {{public_key}}"
            )
        return data["public_key"]

    async def inbox(self, creds: DeviceCredentials) -> list[InboxItem]:
        data = await self._request("GET", f"/v1/devices/{creds.id}/inbox", creds=creds)
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise BackendError(200, "bad_response", f"inbox answered {data!r}, expected {{items: [...]}}")
        return [InboxItem.from_json(i) for i in items]


def _valid_ip(text: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip())) if text else None
    except ValueError:
        return None


def _error(response: httpx.Response) -> BackendError:
    try:
        err = response.json().get("error") or {}
    except (ValueError, AttributeError):
        err = {}
    if not isinstance(err, dict):
        err = {}
    return BackendError(
        response.status_code,
        str(err.get("code") or f"http_{response.status_code}"),
        str(err.get("message") or response.text[:200] or response.reason_phrase),
        err.get("field"),
    )
