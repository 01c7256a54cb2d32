"""The city bundle on the device: the copy shipped with the app, replaced over the air.

At start and then every ``MACHI_BUNDLE_CHECK_SECONDS`` (default: daily) the app asks
``GET /v1/cities/{slug}/bundle`` with ``If-None-Match: "<content hash>"``. A new bundle is verified
(hashes, format, readable data) and swapped in atomically (``core.bundle.install``); on any failure
— network, HTTP error, bad JSON, wrong hash — the copy in use stays and the reason is kept for
Settings. The app's data directory is ``MACHI_APP_DATA_DIR`` (default ``<data dir>/app``); until a
bundle is installed there the app reads the bundled ``assets`` copy.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from core import bundle as B
from core.city import default_data_dir

log = logging.getLogger("machi.app")
DAY = 24 * 3600.0


def app_data_dir(env: dict[str, str] | None = None) -> Path:
    env = dict(os.environ) if env is None else env
    return Path(env["MACHI_APP_DATA_DIR"]) if env.get("MACHI_APP_DATA_DIR") else default_data_dir() / "app"


def check_interval(env: dict[str, str] | None = None) -> float:
    env = dict(os.environ) if env is None else env
    raw = env.get("MACHI_BUNDLE_CHECK_SECONDS", "").strip()
    try:
        value = float(raw) if raw else DAY
    except ValueError:
        raise ValueError(f"MACHI_BUNDLE_CHECK_SECONDS: {raw!r} is not a number of seconds") from None
    if value <= 0:
        raise ValueError(f"MACHI_BUNDLE_CHECK_SECONDS must be positive, not {raw!r}")
    return value


@dataclass(frozen=True)
class BundleStatus:
    version: int  # 0: the copy shipped with the app
    content_hash: str
    domains: dict
    last_check: str | None = None  # ISO UTC of the last successful check
    last_error: str | None = None  # why the last check or install failed (the old copy stays)


class BundleService:
    """One per process: every session reads the same installed copy."""

    def __init__(
        self,
        api_url: str,
        city: str,
        root: Path | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ):
        self.api_url = api_url.rstrip("/")
        self.city = city
        self.root = Path(root) if root else app_data_dir()
        self._transport = transport
        self._timeout = timeout
        self._lock = asyncio.Lock()
        self._listeners: list[Callable[[BundleStatus], None]] = []
        self.last_check: str | None = None
        self.last_error: str | None = None

    # ---------------------------------------------------------------- what is in use
    def data_dir(self) -> Path | None:
        """The directory to load the city from: the installed bundle's, else None (the bundled assets)."""
        return self.root if B.installed_manifest(self.root, self.city) else None

    def status(self) -> BundleStatus:
        manifest = B.installed_manifest(self.root, self.city) or B.bundled_manifest(self.city)
        return BundleStatus(
            version=manifest["version"],
            content_hash=manifest["content_hash"],
            domains=manifest.get("domains", {}),
            last_check=self.last_check,
            last_error=self.last_error,
        )

    def subscribe(self, fn: Callable[[BundleStatus], None]) -> None:
        self._listeners.append(fn)

    def unsubscribe(self, fn: Callable[[BundleStatus], None]) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    # ---------------------------------------------------------------- checking
    async def check(self) -> bool:
        """Fetch, verify and install a newer bundle; True when a new one is now in use."""
        async with self._lock:
            current = B.installed_manifest(self.root, self.city)
            headers = {"If-None-Match": f'"{current["content_hash"]}"'} if current else {}
            url = f"{self.api_url}/v1/cities/{self.city}/bundle"
            try:
                async with httpx.AsyncClient(transport=self._transport, timeout=self._timeout) as http:
                    resp = await http.get(url, headers=headers)
            except httpx.HTTPError as exc:
                return self._failed(f"cannot reach {url}: {exc.__class__.__name__}")
            if resp.status_code == 304:
                return self._checked()
            if resp.status_code == 404:
                return self._checked()  # the server has published nothing: keep the bundled copy
            if resp.status_code != 200:
                return self._failed(f"{url} answered HTTP {resp.status_code}")
            try:
                bundle = resp.json()
            except ValueError:
                return self._failed("the bundle is not JSON")
            try:
                manifest = B.verify(bundle, slug=self.city)
            except B.BundleInvalid as exc:
                return self._failed(f"bundle refused: {exc}")
            if current and manifest["version"] < current["version"]:
                return self._failed(
                    f"bundle version {manifest['version']} is older than {current['version']}"
                )
            if current and manifest["content_hash"] == current["content_hash"]:
                return self._checked()
            try:
                await asyncio.to_thread(B.install, bundle, self.root, slug=self.city)
            except (OSError, B.BundleInvalid) as exc:
                return self._failed(f"bundle not installed: {exc}")
            self._checked()
            log.info("city bundle %s version %s installed", self.city, manifest["version"])
            self._emit()
            return True

    def _checked(self) -> bool:
        self.last_check = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.last_error = None
        return False

    def _failed(self, why: str) -> bool:
        changed = why != self.last_error
        self.last_error = why
        log.warning("city bundle: %s (the copy in use stays)", why)
        if changed:  # Settings says that the last update failed, as soon as it did
            self._emit()
        return False

    def _emit(self) -> None:
        status = self.status()
        for fn in list(self._listeners):
            try:
                fn(status)
            except Exception:
                log.exception("bundle listener failed")

    async def watch(self, interval: float, stop: asyncio.Event | None = None) -> None:
        """Check now, then every ``interval`` seconds until ``stop``."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            await self.check()
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass


_SERVICES: dict[tuple[str, str, Path], BundleService] = {}
_WATCHERS: dict[tuple[str, str, Path], asyncio.Task] = {}


def shared_service(api_url: str, city: str, root: Path | None = None) -> BundleService:
    """The process-wide service of (api, city, root): sessions share one copy and one checker."""
    key = (api_url, city, Path(root) if root else app_data_dir())
    if key not in _SERVICES:
        _SERVICES[key] = BundleService(api_url, city, key[2])
    return _SERVICES[key]


def ensure_watching(service: BundleService, interval: float) -> None:
    """Start the one background checker of this service (in the running loop) if none runs."""
    key = (service.api_url, service.city, service.root)
    task = _WATCHERS.get(key)
    if task is None or task.done():
        _WATCHERS[key] = asyncio.get_running_loop().create_task(service.watch(interval))
