"""FCM transport: firebase-admin ``send_each_async`` in batches of at most 500.

Only the async path is used: the sync ``send_each`` honours ``Retry-After`` inside urllib3
and can stall a worker for minutes (240 s measured for one 429); ``send_each_async`` makes
one attempt on 429 and we reschedule in the outbox ourselves.  Requests have a timeout
(``MACHI_FCM_TIMEOUT``).

Error -> action (issue 3, point 6):

=============================  =====================================================
UNREGISTERED, SENDER_ID_MISMATCH  delete the token (audited), row failed
INVALID_ARGUMENT on the token     delete the token (audited), row failed
INVALID_ARGUMENT otherwise        row failed (payload bug: no retry), logged as error
THIRD_PARTY_AUTH_ERROR            keep tokens, pause that platform, log critical
429 QUOTA_EXCEEDED                back off >= 60 s, honour Retry-After (whole transport)
500 / 503 / other transient       exponential back-off with jitter, honour Retry-After
=============================  =====================================================

Pointing the real SDK at a fake server (tests, ``machi dev fake-fcm``) uses three patch
points, checked by a canary test: a ``credentials.Base`` with a static token,
``_MessagingService.FCM_URL`` set before messaging is first used, and the service's
``_fcm_topic_url``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import logging
import sys
import threading
import uuid
import warnings
from urllib.parse import urlparse

import firebase_admin
import google.auth.credentials
from firebase_admin import credentials, exceptions, messaging
from sqlalchemy import Connection

from backend.delivery.transport import Outgoing, Result, parse_retry_after, webpush_topic
from backend.settings import Settings

log = logging.getLogger("machi.fcm")

# httpcore asks ``import sniffio`` on every lock, semaphore and cancellation shield it creates
# (several per request); httpx >= 0.28 no longer installs sniffio, so each of those imports
# fails after a full sys.path search -- 17 % of the dispatcher's CPU in a py-spy profile of the
# 30,000-device slot.  A ``None`` entry in sys.modules is Python's documented "this module is
# absent" marker: the import fails at once with the same ImportError and httpcore takes the
# same asyncio branch.  Only done when sniffio really is not installed.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None

REAL_FCM_URL = messaging._MessagingService.FCM_URL
_PATCH_LOCK = threading.Lock()
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
MAX_BATCH = 500


class _StaticGoogleCredential(google.auth.credentials.Credentials):
    """A google-auth credential with a fixed bearer token (fake FCM server only)."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token
        self._static = token

    def refresh(self, request):  # nothing to refresh
        self.token = self._static

    @property
    def expired(self):
        return False

    @property
    def valid(self):
        return True


class StaticCredential(credentials.Base):
    def __init__(self, token: str = "fake-fcm-token"):
        self._g = _StaticGoogleCredential(token)

    def get_credential(self):
        return self._g


def point_sdk_at(endpoint: str | None) -> None:
    """Patch point 2: the class constant read when the messaging service is created."""
    with _PATCH_LOCK:
        messaging._MessagingService.FCM_URL = (
            f"{endpoint.rstrip('/')}/v1/projects/{{0}}/messages:send" if endpoint else REAL_FCM_URL
        )


def check_endpoint(endpoint: str) -> str:
    host = urlparse(endpoint).hostname or ""
    if host not in LOOPBACK:
        raise ValueError(f"MACHI_FCM_ENDPOINT must be a loopback URL (a fake FCM server), not {endpoint!r}")
    return endpoint


def collapse_id(key: str, limit: int = 64) -> str:
    """The occurrence key, or its hash when a header limits the length (apns-collapse-id: 64 bytes)."""
    if len(key.encode()) <= limit:
        return key
    return hashlib.sha256(key.encode()).hexdigest()[:limit]


def build_message(o: Outgoing, now: dt.datetime) -> messaging.Message:
    ttl = max(0, int((o.expires_at - now).total_seconds()))
    high = o.priority > 0
    key = o.occurrence_key
    data = {str(k): str(v) for k, v in (o.data or {}).items()}
    data["occurrence_key"] = key
    android = messaging.AndroidConfig(
        collapse_key=key,
        priority="high" if high else "normal",
        ttl=ttl,
        notification=messaging.AndroidNotification(tag=key, channel_id="alerts" if high else "reminders"),
    )
    # JMA alerts below level 4 are high priority but not time-sensitive (data time_sensitive=0, backend/alerts).
    aps_extra = {"interruption-level": "time-sensitive"} if high and data.get("time_sensitive") != "0" else {}
    apns = messaging.APNSConfig(
        headers={
            "apns-collapse-id": collapse_id(key),
            "apns-priority": "10" if high else "5",
            "apns-expiration": str(int(o.expires_at.timestamp())),
        },
        payload=messaging.APNSPayload(aps=messaging.Aps(thread_id=o.kind, custom_data=aps_extra or None)),
    )
    webpush = messaging.WebpushConfig(
        headers={"TTL": str(ttl), "Urgency": "high" if high else "normal", "Topic": webpush_topic(key)}
    )
    target = {"fid": o.push_token} if o.token_kind == "fid" else {"token": o.push_token}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Message(token=) is deprecated since 7.5
        return messaging.Message(
            notification=messaging.Notification(title=o.title, body=o.body),
            data=data,
            android=android,
            apns=apns,
            webpush=webpush,
            **target,
        )


def retry_after(exc: exceptions.FirebaseError) -> float | None:
    resp = getattr(exc, "http_response", None)
    return parse_retry_after(resp.headers.get("Retry-After") if resp is not None else None)


def _token_violation(exc: exceptions.FirebaseError) -> bool:
    resp = getattr(exc, "http_response", None)
    try:
        body = resp.json() if resp is not None else {}
    except ValueError:
        return False
    for d in (body.get("error", {}) or {}).get("details", []) or []:
        for v in d.get("fieldViolations", []) or []:
            if v.get("field") in ("message.token", "message.fid"):
                return True
    return False


def classify(exc: Exception, quota_min: float) -> Result:
    """Map one per-message SDK exception to an outbox action."""
    text = str(exc)[:500]
    if isinstance(exc, (messaging.UnregisteredError, messaging.SenderIdMismatchError)):
        code = "UNREGISTERED" if isinstance(exc, messaging.UnregisteredError) else "SENDER_ID_MISMATCH"
        return Result("failed", error_code=code, detail=text, delete_token=True)
    if isinstance(exc, messaging.ThirdPartyAuthError):
        return Result("paused", error_code="THIRD_PARTY_AUTH_ERROR", detail=text, pause_platform=True)
    if isinstance(exc, messaging.QuotaExceededError) or (
        isinstance(exc, exceptions.FirebaseError) and exc.code == exceptions.RESOURCE_EXHAUSTED
    ):
        ra = retry_after(exc) if isinstance(exc, exceptions.FirebaseError) else None
        return Result(
            "retry", error_code="QUOTA_EXCEEDED", detail=text, retry_after=max(quota_min, ra or 0), quota=True
        )
    if isinstance(exc, exceptions.InvalidArgumentError):
        if _token_violation(exc):
            return Result("failed", error_code="INVALID_TOKEN", detail=text, delete_token=True)
        return Result("failed", error_code="INVALID_ARGUMENT", detail=text)
    if isinstance(exc, exceptions.FirebaseError):
        return Result(
            "retry", error_code=str(exc.code or "UNKNOWN"), detail=text, retry_after=retry_after(exc)
        )
    return Result("retry", error_code="TRANSPORT_ERROR", detail=f"{type(exc).__name__}: {text}")


class FcmTransport:
    name = "fcm"

    def __init__(self, settings: Settings):
        self.settings = settings
        endpoint = settings.fcm_endpoint
        if settings.fcm_credentials:
            cred = credentials.Certificate(str(settings.fcm_credentials))
            project = settings.fcm_project_id or getattr(cred, "project_id", None)
        elif endpoint:
            cred = StaticCredential()
            project = settings.fcm_project_id or "machi-dev"
        else:
            raise ValueError(
                "FCM transport needs MACHI_FCM_CREDENTIALS (or MACHI_FCM_ENDPOINT for a fake server)"
            )
        if endpoint:
            check_endpoint(endpoint)
        self.endpoint = endpoint
        self.project = project
        self._cred = cred
        self._app: firebase_admin.App | None = None

    def _ensure_app(self) -> firebase_admin.App:
        if self._app is None:
            point_sdk_at(self.endpoint)
            self._app = firebase_admin.initialize_app(
                self._cred,
                {"projectId": self.project, "httpTimeout": self.settings.fcm_timeout},
                name=f"machi-{uuid.uuid4().hex}",
            )
            svc = messaging._get_messaging_service(self._app)
            if self.endpoint:  # patch point 3
                svc._fcm_topic_url = f"{self.endpoint.rstrip('/')}/v1/projects/{self.project}/registrations"
        return self._app

    async def send(self, conn: Connection | None, batch: list[Outgoing], now: dt.datetime) -> list[Result]:
        results: list[Result] = []
        app = self._ensure_app()
        # At most 500 per send_each_async call (the SDK's limit); smaller concurrent chunks keep
        # httpcore's connection pool (100 connections) from queueing: its request assignment is
        # quadratic in queued requests, which made 500-message calls several times slower.
        step = min(MAX_BATCH, self.settings.fcm_concurrency)
        for i in range(0, len(batch), step):
            chunk = batch[i : i + step]
            msgs = []
            prebuilt: dict[int, Result] = {}
            for j, o in enumerate(chunk):
                try:
                    msgs.append(build_message(o, now))
                except (ValueError, TypeError) as exc:  # the SDK validates locally
                    prebuilt[j] = Result("failed", error_code="INVALID_MESSAGE", detail=str(exc)[:500])
            try:
                resp = await messaging.send_each_async(msgs, app=app) if msgs else None
            except Exception as exc:  # whole batch failed before any response
                log.error("FCM batch of %d failed: %s", len(msgs), exc)
                resp = None
                res_iter = iter([classify(exc, self.settings.quota_backoff_seconds)] * len(msgs))
            else:
                res_iter = iter(
                    [
                        Result("sent", message_id=r.message_id)
                        if r.success
                        else classify(r.exception, self.settings.quota_backoff_seconds)
                        for r in (resp.responses if resp else [])
                    ]
                )
            for j in range(len(chunk)):
                results.append(prebuilt[j] if j in prebuilt else next(res_iter))
        return results

    async def aclose(self) -> None:
        if self._app is not None:
            svc = messaging._get_messaging_service(self._app)
            await svc._async_client.aclose()

    def close(self) -> None:
        """Release the firebase app (call outside the event loop)."""
        if self._app is not None:
            app, self._app = self._app, None
            try:
                firebase_admin.delete_app(app)
            except Exception as exc:  # closing twice or a closed loop: nothing left to free
                log.debug("closing firebase app: %s", exc)
