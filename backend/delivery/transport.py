"""The small ``Transport`` interface between the dispatcher and the ways a notification travels."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy import Connection

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


class Transport(Protocol):
    name: str

    async def send(self, conn: Connection | None, batch: list[Outgoing], now: dt.datetime) -> list[Result]:
        """One result per message, in order.  ``conn`` is the dispatcher's open transaction, or None
        when no transaction may be held while sending (FCM on SQLite); only the inbox writes to it."""
        ...

    async def aclose(self) -> None: ...
