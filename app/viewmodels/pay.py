"""The Pay tab: scan (camera, photo, or the digits typed with live validation), the result
(tax, amount, deadline, days left, warnings, "pay with" buttons), mark as paid, history with
duplicate warnings, reminders before the 納期限, and the city's tax calendar (ICS).

No Flet here; no slip data is ever logged (a slip's numbers identify a taxpayer's bill).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.services.backend import BackendError, BackendUnavailable, DeviceCredentials
from app.services.payslips import (
    Entry,
    HistoryRepository,
    MemorySlipStore,
    PhotoDecoder,
    SlipStore,
    new_id,
    push_reminders,
    tax_reminders,
)
from app.viewmodels.app import AppViewModel
from core.payslip import PayslipError, Slip, assess, load_facts, parse
from core.payslip.assess import explain
from core.payslip.decode import ImageError
from core.payslip.facts import Facts
from core.payslip.ics import instalment_title, tax_calendar
from core.payslip.messages import REJECTION_MESSAGES, rejection_text, warning_text, yen
from core.payslip.model import CVS
from core.payslip.parse import CVS_LENGTH, ELQR_LENGTH, clean

log = logging.getLogger("machi.app")


@dataclass(frozen=True)
class InputState:
    text: str  # what to show under the field
    valid: bool  # a complete, valid slip number
    error: bool  # the text is wrong (red), not merely incomplete


@dataclass(frozen=True)
class Notice:
    severity: str  # block | warn | info
    text: str


@dataclass(frozen=True)
class PayOption:
    id: str
    name: str
    label: str  # the button: "Pay with PayPay"
    limit_text: str  # "Up to ¥300,000" / "No amount limit"
    available: bool
    reason: str | None  # why not
    url: str
    example: bool  # not confirmed by the city


@dataclass(frozen=True)
class SlipResult:
    entry_id: str
    title: str
    kind_text: str
    amount: int
    amount_text: str
    due_text: str | None  # 納期限 (eL-QR)
    pay_by_text: str  # 支払期限
    days_left_text: str | None
    notices: list[Notice]
    options: list[PayOption]
    paid_text: str | None
    is_paid: bool
    can_pay: bool
    el_number: list[tuple[str, str]]  # label, value (what the local tax payment site asks for)
    tax: str | None
    tax_note: str | None  # how Machi knows the tax
    tax_choices: list[tuple[str, str]]
    reissue_text: str | None


@dataclass(frozen=True)
class HistoryRow:
    entry_id: str
    title: str
    amount_text: str
    status_text: str
    is_paid: bool
    expired: bool

    @property
    def label(self) -> str:
        return f"{self.title}, {self.amount_text}, {self.status_text}"


@dataclass(frozen=True)
class DueRow:
    day_text: str
    title: str


class PayViewModel:
    def __init__(
        self,
        app: AppViewModel,
        history: HistoryRepository | None = None,
        decoder: PhotoDecoder | None = None,
        facts: Facts | None = None,
        store_opener: Callable[[], Awaitable[SlipStore]] | None = None,
    ):
        """``store_opener``: opens the encrypted history store on first ``load`` (the vault needs the
        platform's secure storage, which answers asynchronously)."""
        self.app = app
        self.repo = history or HistoryRepository(MemorySlipStore())
        self._store_opener = store_opener
        self._load_lock = asyncio.Lock()
        self.decoder = decoder or PhotoDecoder(app.client)
        self.facts = facts or load_facts(app.config.city)
        self.input_text = ""
        self.loaded = False
        self.photo_error: str | None = None
        self.sync_error: str | None = None
        self._syncing = False
        app.subscribe(self._on_app_change)

    @property
    def t(self):
        return self.app.t

    @property
    def lang(self) -> str:
        return self.app.language

    def today(self) -> dt.date:
        return self.app.clock.today()

    async def load(self) -> None:
        """Open the store and read the history once (later calls return at once)."""
        async with self._load_lock:
            if self.loaded:
                return
            if self._store_opener is not None:
                self.repo = HistoryRepository(await self._store_opener())
            await self.repo.load()
            self.loaded = True
        await self.sync_reminders()

    @property
    def history(self):
        return self.repo.history

    def storage_note(self) -> str | None:
        """What the resident should know about where the history is kept."""
        t = self.t
        if self.repo.problem:
            return t(
                "Your saved slips could not be read on this device; nothing was changed. New slips are kept "
                "for this session only."
            )
        protection = self.repo.store.protection
        if protection == "memory":
            return t("This device offers no secure storage: slips are kept for this session only.")
        if protection == "none":
            return t(
                "This device offers no secure storage: your slip history is only obfuscated, not encrypted."
            )
        if protection == "browser":
            return t(
                "Your slips are kept in this browser, encrypted; anyone who can use this browser profile "
                "could read them."
            )
        return None

    # ------------------------------------------------------------------ typing
    def set_input(self, text: str) -> InputState:
        self.input_text = text
        return self.input_state()

    def input_state(self) -> InputState:
        t = self.t
        digits = clean(self.input_text)
        if not digits:
            return InputState(t("Type the 44 digits printed under the barcode."), False, False)
        if not (digits.isascii() and digits.isdigit()):
            return InputState(rejection_text("not_digits", self.lang), False, True)
        n = len(digits)
        if n < CVS_LENGTH:
            return InputState(t("{n} of 44 digits", n=n), False, False)
        if CVS_LENGTH < n < ELQR_LENGTH and digits.startswith("000201"):
            return InputState(t("{n} of 255 digits", n=n), False, False)
        try:
            slip = parse(digits)
        except PayslipError as exc:
            return InputState(exc.message(self.lang), False, True)
        return InputState(t("Valid slip number: {amount}", amount=yen(slip.amount, self.lang)), True, False)

    async def submit(self) -> str | None:
        """Read the typed number; the history entry's id, or None (``input_state`` says why)."""
        await self.load()
        try:
            slip = parse(self.input_text)
        except PayslipError:
            return None
        entry_id = await self._record(slip)
        self.input_text = ""
        return entry_id

    # ------------------------------------------------------------------ photos
    async def add_photo(self, image: bytes, content_type: str = "image/jpeg") -> str | None:
        """Decode a photo (on the device, else on the server); the entry id, or None with
        ``photo_error`` set.  Nothing of the image is kept."""
        t = self.t
        self.photo_error = None
        await self.load()
        try:
            texts = await self.decoder.decode(image, content_type)
        except LookupError:
            self.photo_error = t(
                "No slip barcode or eL-QR code was found in the picture. Take the photo again "
                "closer, flat and in good light, or type the number."
            )
            return None
        except ImageError:
            self.photo_error = t("This file is not a picture Machi can read. Choose a JPEG or PNG photo.")
            return None
        except BackendUnavailable:
            self.photo_error = t(
                "The picture could not be read on this device and the server is not reachable. "
                "Type the number instead."
            )
            return None
        except BackendError as exc:
            if exc.code == "no_barcode":
                self.photo_error = t(
                    "No slip barcode or eL-QR code was found in the picture. Take the photo "
                    "again closer, flat and in good light, or type the number."
                )
            elif exc.code in REJECTION_MESSAGES or exc.code in ("length", "amount"):
                self.photo_error = rejection_text(exc.code, self.lang)
            else:
                self.photo_error = t("This file is not a picture Machi can read. Choose a JPEG or PNG photo.")
            return None
        first_error: PayslipError | None = None
        for text in texts:
            try:
                return await self._record(parse(text))
            except PayslipError as exc:
                first_error = first_error or exc
        assert first_error is not None
        self.photo_error = first_error.message(self.lang)
        return None

    # ------------------------------------------------------------------ history
    async def _record(self, slip: Slip) -> str:
        h = self.history
        same = h.same_digits(slip.digits)
        if same is not None:
            same.times_scanned += 1
            h.entries.remove(same)
            h.entries.insert(0, same)
            await self._changed()
            return same.id
        a = assess(slip, self.facts, self.today())
        entry = Entry(
            id=new_id(),
            digits=slip.digits,
            kind=slip.kind,
            notice_key=slip.notice_key,
            amount=slip.amount,
            pay_by=slip.pay_by.isoformat() if slip.pay_by else None,
            due_date=slip.due_date.isoformat() if slip.due_date else None,
            scanned_on=self.today().isoformat(),
            tax=a.tax,
            instalment=a.instalment,
            tax_guessed=a.tax_guessed,
        )
        h.entries.insert(0, entry)
        await self._changed()
        return entry.id

    async def _changed(self) -> None:
        try:
            await self.repo.save()
        except Exception as exc:  # noqa: BLE001 - never lose the screen over storage; say it
            log.warning("saving the slip history failed: %s", type(exc).__name__)
        await self.sync_reminders()

    async def mark_paid(self, entry_id: str, method: str | None = None) -> None:
        e = self.history.find(entry_id)
        if e is not None and not e.paid_on:
            e.paid_on, e.paid_with = self.today().isoformat(), method
            await self._changed()

    async def mark_unpaid(self, entry_id: str) -> None:
        e = self.history.find(entry_id)
        if e is not None and e.paid_on:
            e.paid_on = e.paid_with = None
            await self._changed()

    async def set_tax(self, entry_id: str, tax: str | None) -> None:
        e = self.history.find(entry_id)
        if e is not None and (tax is None or tax in self.facts.taxes):
            if tax != e.tax:
                e.instalment = None  # the guessed instalment belonged to the guessed tax
            e.tax, e.tax_guessed = tax, False
            await self._changed()

    async def delete(self, entry_id: str) -> None:
        e = self.history.find(entry_id)
        if e is not None:
            self.history.entries.remove(e)
            await self._changed()

    async def clear_history(self) -> None:
        self.history.entries.clear()
        await self._changed()

    def history_rows(self) -> list[HistoryRow]:
        return [self._row(e) for e in self.history.entries]

    def _row(self, e: Entry) -> HistoryRow:
        t, today = self.t, self.today()
        last = e.last_day
        expired = not e.paid_on and last is not None and last < today
        if e.paid_on:
            status = t("Paid on {date}", date=t.day(dt.date.fromisoformat(e.paid_on)))
        elif expired:
            status = t("Deadline passed ({date})", date=t.day(last))
        elif last is not None:
            status = t("Pay by {date}", date=t.day(last)) + " · " + self._days_left((last - today).days)
        else:
            status = t("To pay")
        return HistoryRow(e.id, self._title(e), yen(e.amount, self.lang), status, bool(e.paid_on), expired)

    def _title(self, e: Entry) -> str:
        if e.tax and e.tax in self.facts.taxes:
            name = self.facts.tax_name(e.tax, self.lang)
            return (
                self.t("{tax}, instalment {number}", tax=name, number=e.instalment) if e.instalment else name
            )
        return self.t("Tax payment slip")

    def _days_left(self, n: int) -> str:
        if n == 0:
            return self.t("due today")
        return self.t.plural("{n} day left", "{n} days left", n)

    # ------------------------------------------------------------------ the result screen
    def result(self, entry_id: str) -> SlipResult | None:
        e = self.history.find(entry_id)
        if e is None:
            return None
        t, lang, today = self.t, self.lang, self.today()
        try:
            slip = parse(e.digits)
        except PayslipError:
            return None
        a = assess(slip, self.facts, today)
        notices = []
        if e.paid_on:
            notices.append(
                Notice("block", warning_text("already_paid", t, date=dt.date.fromisoformat(e.paid_on)))
            )
        elif e.times_scanned > 1:
            notices.append(
                Notice("warn", warning_text("already_scanned", t, date=dt.date.fromisoformat(e.scanned_on)))
            )
        for other in self.history.same_notice(e.notice_key, e.digits):
            if other.paid_on:
                notices.append(
                    Notice(
                        "warn", warning_text("older_issue_paid", t, date=dt.date.fromisoformat(other.paid_on))
                    )
                )
                break
        notices += [Notice(w.severity, explain(w, self.facts, t)) for w in a.warnings]
        blocked = a.blocked or bool(e.paid_on)
        options = []
        for o in a.methods:
            m = o.method
            reason = None
            if e.paid_on:
                reason = t("Already paid")
            elif o.reason == "expired":
                reason = t("The deadline has passed")
            elif o.reason == "over_limit":
                reason = t("Over its limit")
            options.append(
                PayOption(
                    m.id,
                    m.name(lang),
                    t("Pay with {method}", method=m.name(lang)),
                    t("Up to {limit}", limit=yen(m.limit, lang)) if m.limit else t("No amount limit"),
                    reason is None,
                    reason,
                    m.url,
                    m.example,
                )
            )
        days_left = None
        if a.days_left is not None and a.days_left >= 0 and not e.paid_on:
            days_left = self._days_left(a.days_left)
        el = []
        if slip.el_number:
            n = slip.el_number
            el = [
                (t("Institution number"), n.institution),
                (t("Payment number"), n.key),
                (t("Confirmation number"), n.confirmation),
                (t("Payment type"), n.tax_code),
            ]
        return SlipResult(
            entry_id=e.id,
            title=self._title(e),
            kind_text=t("eL-QR code") if slip.kind != CVS else t("Convenience-store barcode"),
            amount=slip.amount,
            amount_text=yen(slip.amount, lang),
            due_text=t("Due date: {date}", date=t.long_day(slip.due_date)) if slip.due_date else None,
            pay_by_text=(
                t("Pay by: {date}", date=t.long_day(slip.pay_by))
                if slip.pay_by
                else t("No deadline in the barcode: check the slip")
            ),
            days_left_text=days_left,
            notices=notices,
            options=options,
            paid_text=t("Paid on {date}", date=t.long_day(dt.date.fromisoformat(e.paid_on)))
            if e.paid_on
            else None,
            is_paid=bool(e.paid_on),
            can_pay=not blocked,
            el_number=el,
            tax=e.tax,
            tax_note=(
                t("Guessed from the city's tax calendar: the due date matches. Change it if it is wrong.")
                if e.tax_guessed
                else None
            ),
            tax_choices=[(tid, tax.name(lang)) for tid, tax in self.facts.taxes.items()],
            reissue_text=t("Reissued slip (reissue no. {reissue})", reissue=slip.reissue)
            if slip.reissue
            else None,
        )

    def general_notes(self) -> list[str]:
        t = self.t
        return [
            t(
                "Payment apps issue no receipt, and the city sees the payment only after 2 to 3 weeks. For a "
                "receipt or a vehicle inspection certificate, pay at a bank, a convenience store or the city "
                "office."
            ),
            t("After paying, mark the slip as paid: Machi then warns you before paying it twice."),
        ]

    # ------------------------------------------------------------------ reminders
    def remind_choices(self) -> list[tuple[str, str]]:
        t = self.t
        return [("off", t("No reminders"))] + [
            (str(n), t.plural("{n} day before the due date", "{n} days before the due date", n))
            for n in self.facts.reminder_days
        ]

    def remind_value(self) -> str:
        return "off" if self.history.remind_days is None else str(self.history.remind_days)

    async def set_remind_days(self, value: str) -> None:
        self.history.remind_days = None if value == "off" else int(value)
        await self._changed()

    def reminder_status(self) -> str:
        t = self.t
        if self.history.remind_days is None:
            return t("Reminders are off")
        if self.sync_error:
            return self.sync_error
        pending = self._desired_reminders() != self.history.reminders_synced
        if pending:
            return t("Reminders will be registered when the server is reachable.")
        n = len(self.history.reminders_synced or [])
        return t.plural("{n} reminder registered", "{n} reminders registered", n)

    def _desired_reminders(self) -> list[dict]:
        return tax_reminders(self.history, self.today(), self.facts.timezone, self.facts.reminder_time)

    def _creds(self) -> DeviceCredentials | None:
        s = self.app.settings
        return DeviceCredentials(s.device_id, s.device_secret) if s.device_id and s.device_secret else None

    async def sync_reminders(self) -> bool:
        """Register this device's tax reminders (``tax:`` keys only) when they changed."""
        desired = self._desired_reminders()
        client, creds = self.app.client, self._creds()
        if desired == self.history.reminders_synced or client is None or creds is None or self._syncing:
            return desired == self.history.reminders_synced
        self._syncing = True
        try:
            await push_reminders(client, creds, desired)
        except BackendUnavailable:
            self.sync_error = None  # pending: retried on the next sync
            return False
        except BackendError as exc:
            self.sync_error = self.t("The server refused the reminders: {reason}", reason=exc.code)
            return False
        finally:
            self._syncing = False
        self.sync_error = None
        self.history.reminders_synced = desired
        try:
            await self.repo.save()
        except Exception as exc:  # noqa: BLE001
            log.warning("saving the slip history failed: %s", type(exc).__name__)
        return True

    def _on_app_change(self, what: str) -> None:
        if what == "sync" and self.loaded and self._desired_reminders() != self.history.reminders_synced:
            try:
                asyncio.get_running_loop().create_task(self.sync_reminders())
            except RuntimeError:
                pass

    # ------------------------------------------------------------------ the city's calendar
    def upcoming(self, limit: int = 6) -> list[DueRow]:
        today = self.today()
        rows = self.facts.calendar.between(today, today + dt.timedelta(days=400))[:limit]
        return [DueRow(self.t.day(i.due), instalment_title(self.facts, i, self.t)) for i in rows]

    def calendar_note(self) -> str | None:
        if self.facts.calendar.example:
            return self.t("The city has not confirmed these dates: check the date printed on your slip.")
        return None

    def ics(self) -> tuple[str, bytes]:
        today = self.today()
        cal = tax_calendar(
            self.facts, today, today + dt.timedelta(days=365), self.lang, remind_days=self.history.remind_days
        )
        return f"machi-tax-{self.facts.city}.ics", cal.to_ical()
