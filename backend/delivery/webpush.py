"""Web Push transport (RFC 8030 push protocol, RFC 8291 aes128gcm payloads, RFC 8292 VAPID).

A device of the web app registers its browser's push subscription (endpoint + p256dh + auth) as
push-token kind ``webpush``; this transport POSTs each notification, encrypted for that
subscription (``http_ece``), with a VAPID JWT signed by the server's key (``py_vapid``).  The key
is made at first start and kept in the data directory (``MACHI_VAPID_KEY_FILE``, default
``<data dir>/vapid/private_key.pem``); ``GET /v1/push/vapid-public-key`` gives the app its public
half (the ``applicationServerKey`` of ``pushManager.subscribe``).

The payload is JSON (docs/backend.md, "Web Push"): ``title``, ``body``, ``tag`` (the occurrence
key: the service worker shows it as the notification tag, so a repeat replaces instead of
stacking), ``url`` (the app route to open), ``lang``, ``kind`` and ``data``.  The RFC 8030
``Topic`` header is the hashed occurrence key too, so a push service holding an undelivered
repeat replaces it.

Answer -> action:

==========================  ==========================================================
201 / 2xx                   sent
404, 410                    subscription gone: deleted (audited), message to the inbox
403                         subscription made for another VAPID key: deleted (audited),
                            message to the inbox
400, 401, 413, other 4xx    message to the inbox (logged as an error), subscription kept
429, 5xx, network error     retry; the endpoint backs off (Retry-After honoured, else
                            exponential; at least 60 s after 429): its other messages wait
==========================  ==========================================================
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import logging
import os
import secrets
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import http_ece
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from sqlalchemy import Connection

from backend.delivery.transport import Outgoing, Result, parse_retry_after, webpush_topic
from backend.settings import Settings

log = logging.getLogger("machi.webpush")

RECORD_SIZE = 4096
# A push service must accept 4,096 bytes of encrypted body (RFC 8030 7.2); aes128gcm adds a
# 86-byte header (salt 16, rs 4, idlen 1, the 65-byte sender key), a delimiter and a 16-byte tag.
MAX_PLAINTEXT = RECORD_SIZE - 86 - 1 - 16
JWT_LIFETIME = 12 * 3600  # RFC 8292: at most 24 h
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# The app route to open, relative to the service worker's scope (the app's base URL, wherever the
# static site is served): garbage reminders open the calendar, alerts the home (disaster card),
# anything else the notification list.
ROUTES = {"garbage": "./garbage", "alert": "./"}
DEFAULT_ROUTE = "./notifications"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---------------------------------------------------------------------------- VAPID key


_KEY_LOCK = threading.Lock()


def load_or_create_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """The VAPID private key in ``path`` (PEM), created on first use.

    Created under a temporary name and hard-linked into place, so processes starting at once
    agree on one key (the loser reads the winner's); the file is readable by its owner only."""
    with _KEY_LOCK:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            key = ec.generate_private_key(ec.SECP256R1())
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, pem)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)
                log.info("created the VAPID key %s", path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
            data = path.read_bytes()
        key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError(f"{path} is not a P-256 private key (VAPID needs ES256)")
    return key


def public_key_b64(key: ec.EllipticCurvePrivateKey) -> str:
    """The application server key as the browser's ``applicationServerKey`` wants it."""
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(raw)


def vapid_public_key(settings: Settings) -> str:
    """The server's VAPID public key (base64url, uncompressed P-256 point); made at first start."""
    return public_key_b64(load_or_create_key(settings.vapid_key_path()))


# ---------------------------------------------------------------------------- subscriptions


def check_endpoint(endpoint: str, settings: Settings) -> str:
    """``endpoint`` when it points at an allowed push service (https, or http on a listed loopback
    host), else ValueError: the server never POSTs to an address a client made up."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower().rstrip(".")
    allowed = settings.webpush_host_list()
    if not any(host == h or host.endswith("." + h) for h in allowed):
        raise ValueError(f"push service {host or endpoint!r} is not allowed (MACHI_WEBPUSH_HOSTS)")
    if parts.scheme != "https" and not (parts.scheme == "http" and host in LOOPBACK):
        raise ValueError("a Web Push endpoint must be an https URL")
    if parts.username or parts.password:
        raise ValueError("a Web Push endpoint carries no user name or password")
    return endpoint


def check_keys(p256dh: str, auth: str) -> None:
    """ValueError unless p256dh is a P-256 point and auth 16 bytes (RFC 8291)."""
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(p256dh))
        secret = b64url_decode(auth)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid subscription keys: {exc}") from None
    if len(secret) != 16:
        raise ValueError("the auth secret must be 16 bytes")


# ---------------------------------------------------------------------------- messages


def bcp47(lang: str) -> str:
    """The device language as a BCP 47 tag for the notification (``pt_BR`` -> ``pt-BR``,
    やさしい日本語 ``ja@easy`` -> ``ja-x-easy``, which the API also accepts)."""
    return "ja-x-easy" if lang == "ja@easy" else (lang or "").replace("_", "-")


def payload(o: Outgoing) -> bytes:
    """The JSON the service worker shows, at most MAX_PLAINTEXT bytes (``data`` dropped, then the
    body shortened, when a long text would not fit)."""
    data = {str(k): str(v) for k, v in (o.data or {}).items()}
    doc = {
        "title": o.title,
        "body": o.body,
        "tag": o.occurrence_key,
        "url": ROUTES.get(o.kind, DEFAULT_ROUTE),
        "lang": bcp47(o.locale),
        "kind": o.kind,
        "data": data,
    }

    def dump() -> bytes:
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()

    raw = dump()
    if len(raw) > MAX_PLAINTEXT:
        doc["data"] = {}
        raw = dump()
    while len(raw) > MAX_PLAINTEXT and doc["body"]:
        over = len(raw) - MAX_PLAINTEXT
        doc["body"] = doc["body"][: max(0, len(doc["body"]) - max(1, over // 3) - 1)] + "…"
        raw = dump()
    return raw


def encrypt(plaintext: bytes, p256dh: str, auth: str, salt: bytes | None = None, sender=None) -> bytes:
    """RFC 8291 aes128gcm body for one subscription (a fresh sender key and salt each time)."""
    return http_ece.encrypt(
        plaintext,
        salt=salt or os.urandom(16),
        private_key=sender or ec.generate_private_key(ec.SECP256R1()),
        dh=b64url_decode(p256dh),
        auth_secret=b64url_decode(auth),
        version="aes128gcm",
        rs=RECORD_SIZE,
    )


def retry_after(headers: httpx.Headers) -> float | None:
    return parse_retry_after(headers.get("retry-after"))


def classify(status: int, headers: httpx.Headers, text: str) -> Result:
    """Map one push service answer to an outbox action (see the module's table)."""
    detail = f"HTTP {status}: {text[:300]}".strip()
    if 200 <= status < 300:
        return Result("sent", message_id=(headers.get("location") or f"webpush:{status}")[:300])
    if status in (404, 410):
        code = "GONE" if status == 410 else "NOT_FOUND"
        return Result("failed", error_code=code, detail=detail, delete_token=True, fallback=True)
    if status == 403:
        return Result(
            "failed", error_code="VAPID_KEY_MISMATCH", detail=detail, delete_token=True, fallback=True
        )
    if status == 429:
        ra = retry_after(headers)
        return Result(
            "retry",
            error_code="TOO_MANY_REQUESTS",
            detail=detail,
            retry_after=60.0 if ra is None else ra,
            endpoint_backoff=True,
        )
    if status >= 500:
        return Result(
            "retry",
            error_code=f"HTTP_{status}",
            detail=detail,
            retry_after=retry_after(headers),
            endpoint_backoff=True,
        )
    return Result("failed", error_code=f"HTTP_{status}", detail=detail, fallback=True)


class WebPushTransport:
    name = "webpush"

    def __init__(self, settings: Settings):
        self.settings = settings
        self._vapid: Vapid02 | None = None
        self._public: str = ""
        self._jwt: dict[str, tuple[str, float]] = {}  # audience -> (Authorization, expiry)
        self._client: httpx.AsyncClient | None = None

    def _authorization(self, endpoint: str) -> str:
        """``vapid t=<JWT>, k=<public key>`` for the endpoint's origin, reused while it has over an
        hour left (one ES256 signature per push service and hour, not per message)."""
        if self._vapid is None:
            key = load_or_create_key(self.settings.vapid_key_path())
            self._vapid, self._public = Vapid02(private_key=key), public_key_b64(key)
        parts = urlsplit(endpoint)
        aud = f"{parts.scheme}://{parts.netloc}"
        now = time.time()  # the push service checks exp against its real clock, never a replayed NOW
        cached = self._jwt.get(aud)
        if cached and cached[1] - now > 3600:
            return cached[0]
        exp = int(now) + JWT_LIFETIME
        header = self._vapid.sign({"aud": aud, "exp": exp, "sub": self.settings.vapid_subject})[
            "Authorization"
        ]
        self._jwt[aud] = (header, exp)
        return header

    async def _send_one(self, client: httpx.AsyncClient, o: Outgoing, now: dt.datetime) -> Result:
        try:
            check_endpoint(o.push_token or "", self.settings)
            body = encrypt(payload(o), o.webpush_p256dh or "", o.webpush_auth or "")
            headers = {
                "Authorization": self._authorization(o.push_token or ""),
                "Content-Encoding": "aes128gcm",
                "Content-Type": "application/octet-stream",
                "TTL": str(max(0, int((o.expires_at - now).total_seconds()))),
                "Urgency": "high" if o.priority > 0 else "normal",
                "Topic": webpush_topic(o.occurrence_key),
            }
        except (ValueError, TypeError) as exc:
            return Result("failed", error_code="INVALID_SUBSCRIPTION", detail=str(exc)[:500], fallback=True)
        try:
            resp = await client.post(o.push_token or "", content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Result(
                "retry",
                error_code="TRANSPORT_ERROR",
                detail=f"{type(exc).__name__}: {exc}"[:500],
                endpoint_backoff=True,
            )
        return classify(resp.status_code, resp.headers, resp.text)

    async def send(self, conn: Connection | None, batch: list[Outgoing], now: dt.datetime) -> list[Result]:
        if not batch:
            return []
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.settings.webpush_timeout,
                follow_redirects=False,
                limits=httpx.Limits(max_connections=self.settings.webpush_concurrency),
            )
        gate = asyncio.Semaphore(self.settings.webpush_concurrency)

        async def one(o: Outgoing) -> Result:
            async with gate:
                return await self._send_one(self._client, o, now)

        results = await asyncio.gather(*(one(o) for o in batch))
        for o, r in zip(batch, results, strict=True):
            if r.outcome != "sent":
                log.log(
                    logging.WARNING if r.outcome == "retry" or r.delete_token else logging.ERROR,
                    "web push to device %s: %s %s",
                    o.device_id,
                    r.error_code,
                    r.detail,
                )
        return list(results)

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()
