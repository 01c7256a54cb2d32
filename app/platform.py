"""Adapters from the app's service seams to Flet's platform services (no UI here)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import flet as ft
import httpx

IN_BROWSER = sys.platform == "emscripten"  # Python in the browser (Pyodide): the static web app


class SharedPreferencesStore:
    """``KeyValueStore`` over ``ft.SharedPreferences`` (localStorage on the web)."""

    def __init__(self, prefs: ft.SharedPreferences):
        self.prefs = prefs

    async def get(self, key: str) -> str | None:
        value = await self.prefs.get(key)
        return value if isinstance(value, str) else None

    async def set(self, key: str, value: str) -> None:
        await self.prefs.set(key, value)


def platform_name(page: ft.Page) -> str:
    if page.web:
        return "web"
    p = page.platform.value if page.platform else "desktop"
    return {"android": "android", "ios": "ios"}.get(p, "desktop")


def start_background(target: Callable[..., object], *args: object, name: str) -> None:
    """Run ``target(*args)`` on a daemon thread; in the browser, which has no threads, not at all
    (what it prepares is then made on first use)."""
    if IN_BROWSER:
        return
    threading.Thread(target=target, args=args, name=name, daemon=True).start()


# Headers the browser's fetch() sets itself (or refuses); its body arrives already decoded.
_FETCH_SETS = {"host", "content-length", "connection", "accept-encoding", "user-agent"}
_DECODED = {"content-encoding", "content-length", "transfer-encoding"}


class FetchTransport(httpx.AsyncBaseTransport):
    """httpx over the browser's fetch() (Pyodide has no sockets); a failed fetch is a ConnectError,
    as an unreachable server is elsewhere."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        from pyodide.http import pyfetch

        headers = {k: v for k, v in request.headers.items() if k.lower() not in _FETCH_SETS}
        body = await request.aread()
        try:
            resp = await pyfetch(str(request.url), method=request.method, headers=headers, body=body or None)
            content = await resp.bytes()
        except Exception as exc:  # noqa: BLE001 - fetch's TypeError/JsException: the network failed
            raise httpx.ConnectError(str(exc), request=request) from exc
        kept = [(k, v) for k, v in resp.headers.items() if k.lower() not in _DECODED]
        return httpx.Response(resp.status, headers=kept, content=content, request=request)


def install_browser_transport() -> None:
    """Make every ``httpx.AsyncClient`` created without a transport use ``FetchTransport``."""
    import httpx._client

    class _Default(FetchTransport):
        def __init__(self, *args, **kwargs):
            pass

    httpx._client.AsyncHTTPTransport = _Default
