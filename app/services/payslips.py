"""The Pay tab's services: the slip history on the device (encrypted), photo decoding, and the
tax reminders registered with the backend.

History: one vault document ``payslips`` (``app/services/vault.py``: AES-256-GCM, key in the
platform's secure storage).  It never leaves the device.  ``MemorySlipStore`` is the fallback
(and the tests' store) when no vault can be opened: then history lasts for the session only,
and the Pay tab says so.

Decoding (the seam of ``core/payslip/decode.py``): the local decoder where one is installed
(zxing-cpp on desktop and in the web app's server; pyzbar on phones, on the still photo from
flet-camera), else ``POST /v1/payslips/decode`` (the server decodes in memory and forgets).

Reminders: ``PUT /v1/devices/{id}/reminders`` replaces ALL app-owned reminders of the device,
so this feature owns only the keys that start with ``tax:`` and keeps everyone else's: it reads
the current set, swaps its own, and puts the whole set back.  Each reminder carries codes only
(template ``tax_due``: tax id, due date, instalment), never an amount or a slip number; its key
is ``tax:<random history id>``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from dataclasses import asdict, dataclass, field, fields
from typing import Protocol
from zoneinfo import ZoneInfo

from app.services.backend import BackendClient, DeviceCredentials

DOCUMENT = "payslips"
KEY_PREFIX = "tax:"
MAX_HISTORY = 200


class SlipStore(Protocol):
    protection: str  # "secure_storage" | "browser" | "none" | "memory"

    async def load(self) -> dict | None: ...

    async def save(self, data: dict) -> None: ...


class MemorySlipStore:
    protection = "memory"

    def __init__(self, data: dict | None = None):
        self.data = data
        self.saves = 0

    async def load(self) -> dict | None:
        return self.data

    async def save(self, data: dict) -> None:
        self.saves += 1
        self.data = data


class VaultSlipStore:
    """The ``payslips`` document of a ``Vault``."""

    def __init__(self, vault):
        self.vault = vault
        self.protection = vault.protection

    async def load(self) -> dict | None:
        return await self.vault.load(DOCUMENT)

    async def save(self, data: dict) -> None:
        await self.vault.save(DOCUMENT, data)


@dataclass
class Entry:
    """One slip the resident scanned or typed.  ``digits`` is the code itself (on the device only)."""

    id: str
    digits: str
    kind: str
    notice_key: str
    amount: int
    pay_by: str | None
    due_date: str | None
    scanned_on: str  # YYYY-MM-DD (city's date)
    tax: str | None = None  # tax id (from the slip, the city's calendar, or the resident)
    instalment: int | None = None
    tax_guessed: bool = False  # the tax comes from the city's calendar, not from the slip or the resident
    paid_on: str | None = None
    paid_with: str | None = None  # method id, or None ("elsewhere")
    times_scanned: int = 1

    @property
    def last_day(self) -> dt.date | None:
        day = self.pay_by or self.due_date
        return dt.date.fromisoformat(day) if day else None

    @property
    def reminder_day(self) -> dt.date | None:
        """What a reminder counts back from: the 納期限 when the slip gives one, else the 支払期限."""
        day = self.due_date or self.pay_by
        return dt.date.fromisoformat(day) if day else None

    @classmethod
    def from_json(cls, data: dict) -> Entry:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def __repr__(self) -> str:  # never the digits
        return f"Entry(id={self.id!r}, kind={self.kind!r})"


@dataclass
class History:
    entries: list[Entry] = field(default_factory=list)  # newest first
    remind_days: int | None = 3  # None: no reminders
    reminders_synced: list[dict] | None = None  # the tax reminders the backend last accepted

    def to_json(self) -> dict:
        return {
            "entries": [asdict(e) for e in self.entries],
            "remind_days": self.remind_days,
            "reminders_synced": self.reminders_synced,
        }

    @classmethod
    def from_json(cls, data: dict | None) -> History:
        if not data:
            return cls()
        entries = []
        for e in data.get("entries", []):
            try:
                entries.append(Entry.from_json(e))
            except TypeError:
                continue  # an entry this version cannot read is skipped, the others kept
        days = data.get("remind_days", 3)
        return cls(
            entries, days if days is None or isinstance(days, int) else 3, data.get("reminders_synced")
        )

    def find(self, entry_id: str) -> Entry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    def same_digits(self, digits: str) -> Entry | None:
        return next((e for e in self.entries if e.digits == digits), None)

    def same_notice(self, notice_key: str, digits: str) -> list[Entry]:
        return [e for e in self.entries if e.notice_key == notice_key and e.digits != digits]


def new_id() -> str:
    return secrets.token_hex(8)


class HistoryRepository:
    """Loads once, saves after each change (the whole document: one encrypted write)."""

    def __init__(self, store: SlipStore):
        self.store = store
        self.history = History()
        self.problem: str | None = None
        self._lock = asyncio.Lock()

    async def load(self) -> History:
        try:
            self.history = History.from_json(await self.store.load())
        except Exception as exc:  # noqa: BLE001 - a vault that cannot be read: start empty, say so, never overwrite
            self.problem = type(exc).__name__
            self.history = History()
        return self.history

    async def save(self) -> None:
        if self.problem:  # the stored document could not be read: do not overwrite it
            return
        async with self._lock:
            del self.history.entries[MAX_HISTORY:]
            await self.store.save(self.history.to_json())


# ----------------------------------------------------------------------------- decoding


class PhotoDecoder:
    """The local decoder when there is one, else the server; returns ``(digits list)`` of the codes
    found, eL-QR first, or raises ``LookupError`` (nothing found) / ``ValueError`` (not an image)."""

    def __init__(self, client: BackendClient | None, local=None, *, use_local: bool = True):
        from core.payslip.decode import local_decoder

        self.client = client
        self.local = local if local is not None else (local_decoder() if use_local else None)

    @property
    def where(self) -> str:
        return "device" if self.local is not None else "server"

    async def decode(self, image: bytes, content_type: str = "image/jpeg") -> list[str]:
        if self.local is not None:
            codes = await asyncio.to_thread(self.local.decode, image)
            if not codes:
                raise LookupError("no_barcode")
            return [c.text for c in sorted(codes, key=lambda c: c.symbology != "qr")]
        if self.client is None:
            raise LookupError("no_decoder")
        data = await self.client.decode_payslip(image, content_type)
        return [s["digits"] for s in [data["slip"], *data.get("others", [])]]


# ----------------------------------------------------------------------------- reminders


def tax_reminders(history: History, today: dt.date, timezone: str, at: str = "09:00") -> list[dict]:
    """The ``tax_due`` reminders of unpaid slips whose reminder day is still ahead."""
    if history.remind_days is None:
        return []
    zone = ZoneInfo(timezone)
    hh, mm = (int(x) for x in at.split(":"))
    out = []
    for e in history.entries:
        due = e.reminder_day
        if e.paid_on or due is None or due < today:
            continue
        day = due - dt.timedelta(days=history.remind_days)
        if day <= today:  # the resident is looking at it now; no reminder for a day already here
            continue
        send_at = dt.datetime.combine(day, dt.time(hh, mm), zone).astimezone(dt.UTC)
        params: dict = {"tax": e.tax or "other", "due_date": due.isoformat()}
        if e.instalment:
            params["installment"] = e.instalment
        out.append(
            {
                "occurrence_key": f"{KEY_PREFIX}{e.id}",
                "send_at": send_at.isoformat(),
                "template": "tax_due",
                "params": params,
            }
        )
    return sorted(out, key=lambda r: (r["send_at"], r["occurrence_key"]))


async def push_reminders(client: BackendClient, creds: DeviceCredentials, mine: list[dict]) -> None:
    """Swap this feature's reminders (``tax:`` keys) into the device's set, keeping all others."""
    current = await client.get_reminders(creds)
    others = [
        {
            "occurrence_key": r["occurrence_key"],
            "send_at": r["send_at"],
            "template": r["template"],
            "params": r.get("params") or {},
        }
        for r in current
        if not str(r.get("occurrence_key", "")).startswith(KEY_PREFIX)
    ]
    await client.put_reminders(creds, others + mine)
