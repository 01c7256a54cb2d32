"""Inbox transport: notifications stored per device, fetched by the app (GET /v1/devices/{id}/inbox).

The default when no Firebase credentials are configured, so a web or desktop app gets its
reminders with nothing else installed.  The insert happens in the dispatcher's transaction,
so an inbox item exists exactly when its outbox row is marked sent.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, insert

from backend.delivery.models import InboxItem
from backend.delivery.transport import Outgoing, Result


class InboxTransport:
    name = "inbox"

    async def send(self, conn: Connection, batch: list[Outgoing], now: dt.datetime) -> list[Result]:
        if not batch:
            return []
        conn.execute(
            insert(InboxItem.__table__),
            [
                {
                    "device_id": o.device_id,
                    "outbox_id": o.outbox_id,
                    "occurrence_key": o.occurrence_key,
                    "kind": o.kind,
                    "priority": o.priority,
                    "title": o.title,
                    "body": o.body,
                    "data": o.data,
                    "created_at": now,
                    "expires_at": o.expires_at if o.kind == "alert" else None,
                    "acknowledged_at": None,
                }
                for o in batch
            ],
        )
        return [Result("sent", message_id=f"inbox:{o.outbox_id}") for o in batch]

    async def aclose(self) -> None:
        return None
