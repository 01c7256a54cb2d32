"""The small ``Transport`` interface between the dispatcher and the ways a notification travels."""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy import Connection


def webpush_topic(key: str) -> str:
    """RFC 8030 Topic for an occurrence key: at most 32 URL-safe base64 characters (FCM's WebpushConfig
    and the Web Push transport alike), so a push service replaces an undelivered repeat."""
    return base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()).decode()[:32]


Outcome = Literal["sent", "retry", "failed", "paused"]


@dataclass
class Outgoing:
    outbox_id: int
    device_id: str
    occurrence_key: str
    kind: str
    priority: int
    title: str
    body: str
    data: dict
    expires_at: dt.datetime
    attempts: int  # attempts before this one
    push_token: str | None
    token_kind: str | None
    platform: str
    locale: str = ""
    webpush_p256dh: str | None = None  # Web Push subscriptions (token_kind "webpush"): RFC 8291 keys
    webpush_auth: str | None = None
    push_retry_at: dt.datetime | None = None  # the endpoint's back-off (Web Push)


@dataclass
class Result:
    outcome: Outcome
    message_id: str | None = None
    error_code: str | None = None
    detail: str | None = None
    retry_after: float | None = None  # seconds; the server's Retry-After (or our minimum)
    delete_token: bool = False  # UNREGISTERED / SENDER_ID_MISMATCH / invalid token
    pause_platform: bool = False  # THIRD_PARTY_AUTH_ERROR
    quota: bool = False  # 429: back off the whole transport
    fallback: bool = False  # not pushed for good: the dispatcher puts it in the inbox instead
    endpoint_backoff: bool = False  # 429/5xx from a Web Push endpoint: that endpoint waits


class Transport(Protocol):
    name: str

    async def send(self, conn: Connection | None, batch: list[Outgoing], now: dt.datetime) -> list[Result]:
        """One result per message, in order.  ``conn`` is the dispatcher's open transaction, or None
        when no transaction may be held while sending (FCM on SQLite); only the inbox writes to it."""
        ...

    async def aclose(self) -> None: ...


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), else None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
        except (TypeError, ValueError):
            return None
