"""The Pay tab's view model without a Flet client: typing with live validation, the result
(amount, deadline, days left, warnings, pay-with buttons), mark as paid, history and duplicates,
photos decoded on the device or by the real backend, encrypted history, reminders that keep the
other features' reminders, and the tax calendar."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.services.backend import BackendClient, DeviceRegistration
from app.services.payslips import (
    HistoryRepository,
    MemorySlipStore,
    PhotoDecoder,
    VaultSlipStore,
    tax_reminders,
)
from app.services.settings import MemoryStore
from app.services.vault import KeyValueBlobStore, Vault
from app.viewmodels.pay import PayViewModel
from core.i18n import Translator
from core.payslip import build
from tests.app.conftest import TODAY, closed_port_url, make_vm

SLIP = build.cvs(amount=12_300, pay_by=dt.date(2014, 5, 31), free="123450000000000000001")
OTHER = build.cvs(amount=8_000, pay_by=dt.date(2014, 6, 30), free="123450000000000000002")
QR = build.elqr(
    amount=45_600, due=dt.date(2014, 6, 2), pay_by=dt.date(2014, 6, 30), installment=0, tax_code="127"
)


async def pay_vm(repo, lang="en", *, transport=None, base_url=None, store=None, decoder=None, today=TODAY):
    vm = make_vm(repo, transport=transport, base_url=base_url, today=today)
    await vm.load([lang])
    vm.settings.language = lang
    vm.t = Translator(lang)
    pay = PayViewModel(vm, HistoryRepository(store or MemorySlipStore()), decoder=decoder)
    await pay.load()
    return pay


async def enter(pay: PayViewModel, text: str) -> str:
    pay.set_input(text)
    entry_id = await pay.submit()
    assert entry_id, pay.input_state()
    return entry_id


# ----------------------------------------------------------------------------- typing


@pytest.mark.asyncio
async def test_live_validation_while_typing(repo):
    pay = await pay_vm(repo)
    assert not pay.set_input("").valid
    s = pay.set_input("91 9599 19")
    assert (s.valid, s.error, s.text) == (False, False, "8 of 44 digits")
    s = pay.set_input("91 95a")
    assert s.error and "digits only" in s.text
    s = pay.set_input(SLIP[:-1] + str((int(SLIP[-1]) + 1) % 10))
    assert s.error and "check digit" in s.text
    s = pay.set_input("(91)" + SLIP[2:])
    assert s.valid and "12,300" in s.text
    assert await pay.submit() is not None and pay.input_text == ""
    pay.set_input("123")
    assert await pay.submit() is None and pay.history.entries and len(pay.history.entries) == 1


@pytest.mark.asyncio
async def test_result_shows_amount_deadline_and_days_left_in_japanese(repo):
    pay = await pay_vm(repo, "ja")
    res = pay.result(await enter(pay, SLIP))
    assert res.amount_text == "￥12,300"
    assert res.pay_by_text == "支払期限: 2014年5月31日土曜日" or "2014年5月31日" in res.pay_by_text
    assert (
        res.days_left_text == Translator("ja").plural("{n} day left", "{n} days left", 23)
        and "23" in res.days_left_text
    )
    assert res.can_pay and [o.id for o in res.options] == ["paypay", "payb", "aupay"]
    assert all(o.available for o in res.options)


@pytest.mark.asyncio
async def test_days_left_uses_plural_forms(repo):
    pay = await pay_vm(repo, "en", today=dt.date(2014, 5, 30))
    res = pay.result(await enter(pay, SLIP))
    assert res.days_left_text == "1 day left"
    pay2 = await pay_vm(repo, "en", today=dt.date(2014, 5, 31))
    assert pay2.result(await enter(pay2, SLIP)).days_left_text == "due today"


# ----------------------------------------------------------------------------- paid, history, duplicates


@pytest.mark.asyncio
async def test_mark_paid_history_and_the_duplicate_warning(repo):
    pay = await pay_vm(repo)
    entry = await enter(pay, SLIP)
    await pay.mark_paid(entry, "paypay")
    row = pay.history_rows()[0]
    assert row.is_paid and row.status_text == "Paid on Thu, May 8" and row.amount_text == "¥12,300"
    again = await enter(pay, " ".join([SLIP[:22], SLIP[22:]]))
    assert again == entry and len(pay.history.entries) == 1  # the same slip, not a second entry
    res = pay.result(again)
    assert res.is_paid and not res.can_pay
    assert res.notices[0].severity == "block" and "marked this slip as paid" in res.notices[0].text
    assert not any(o.available for o in res.options)
    await pay.mark_unpaid(entry)
    assert pay.result(entry).can_pay


@pytest.mark.asyncio
async def test_scanned_twice_and_another_issue_of_a_paid_bill(repo):
    pay = await pay_vm(repo)
    first = await enter(pay, SLIP)
    await enter(pay, SLIP)
    assert any("scanned this slip before" in n.text for n in pay.result(first).notices)
    await pay.mark_paid(first)
    reissued = build.cvs(amount=12_300, pay_by=dt.date(2014, 6, 15), free="123450000000000000001", reissue=1)
    res = pay.result(await enter(pay, reissued))
    assert any("another issue of this bill" in n.text for n in res.notices)
    assert res.reissue_text == "Reissued slip (reissue no. 1)"


@pytest.mark.asyncio
async def test_expired_and_over_limit_slips(repo):
    pay = await pay_vm(repo)
    old = pay.result(await enter(pay, build.cvs(pay_by=dt.date(2014, 5, 1))))
    assert not old.can_pay and old.notices[0].severity == "block" and "has passed" in old.notices[0].text
    assert all(not o.available and o.reason == "The deadline has passed" for o in old.options)
    assert pay.history_rows()[0].expired and "Deadline passed" in pay.history_rows()[0].status_text
    big = pay.result(await enter(pay, build.cvs(amount=280_000, pay_by=dt.date(2014, 6, 30))))
    au = next(o for o in big.options if o.id == "aupay")
    assert not au.available and au.reason == "Over its limit" and au.limit_text == "Up to ¥250,000"
    assert next(o for o in big.options if o.id == "paypay").available
    assert any("au PAY will refuse" in n.text for n in big.notices)


@pytest.mark.asyncio
async def test_elqr_shows_the_el_number_and_the_local_tax_site(repo):
    pay = await pay_vm(repo)
    res = pay.result(await enter(pay, QR))
    assert res.due_text and "June 2, 2014" in res.due_text and "June 30, 2014" in res.pay_by_text
    assert ("Confirmation number", "778284") in res.el_number
    site = next(o for o in res.options if o.id == "eltax")
    assert site.available and site.limit_text == "No amount limit" and site.url.startswith("https://")
    # the 納期限 is one instalment of the (example) calendar: 軽自動車税, due 2014-06-02
    assert res.tax == "light_vehicle_tax" and res.title == "Light vehicle tax"


@pytest.mark.asyncio
async def test_the_resident_says_which_tax_it_is(repo):
    pay = await pay_vm(repo)
    entry = await enter(pay, SLIP)
    await pay.set_tax(entry, "property_tax")
    assert pay.result(entry).title == "Fixed asset tax and city planning tax"
    await pay.set_tax(entry, "dog_tax")  # unknown ids are ignored
    assert pay.result(entry).tax == "property_tax"
    await pay.delete(entry)
    assert pay.result(entry) is None and pay.history_rows() == []


# ----------------------------------------------------------------------------- photos


@pytest.mark.asyncio
async def test_photo_decoded_on_the_device(repo):
    pytest.importorskip("zxingcpp")
    pay = await pay_vm(repo)
    entry = await pay.add_photo(build.slip_photo(barcode=SLIP))
    assert entry and pay.result(entry).amount == 12_300
    assert await pay.add_photo(b"not a picture") is None and "not a picture" in pay.photo_error
    import io

    from PIL import Image

    blank = io.BytesIO()
    Image.new("L", (600, 400), 255).save(blank, "PNG")
    assert await pay.add_photo(blank.getvalue(), "image/png") is None and "No slip barcode" in pay.photo_error


@pytest.mark.asyncio
async def test_photo_decoded_by_the_server_when_the_device_has_no_decoder(repo, backend_transport):
    pytest.importorskip("zxingcpp")
    vm = make_vm(repo, transport=backend_transport)
    await vm.load(["en"])
    pay = PayViewModel(
        vm, HistoryRepository(MemorySlipStore()), decoder=PhotoDecoder(vm.client, use_local=False)
    )
    await pay.load()
    assert pay.decoder.where == "server"
    entry = await pay.add_photo(build.slip_photo(barcode=SLIP, qr=QR))
    assert entry and pay.result(entry).amount == 45_600  # the eL-QR first
    assert await pay.add_photo(b"nope") is None and "not a picture" in pay.photo_error


@pytest.mark.asyncio
async def test_photo_offline_without_a_local_decoder(repo):
    vm = make_vm(repo, base_url=closed_port_url())
    await vm.load(["en"])
    pay = PayViewModel(
        vm, HistoryRepository(MemorySlipStore()), decoder=PhotoDecoder(vm.client, use_local=False)
    )
    assert await pay.add_photo(b"\xff\xd8jpeg") is None and "not reachable" in pay.photo_error


# ----------------------------------------------------------------------------- storage


@pytest.mark.asyncio
async def test_history_is_encrypted_at_rest_and_survives_a_restart(repo):
    prefs, keys = MemoryStore(), MemoryStore()
    vault = await Vault.open(KeyValueBlobStore(prefs), keys)
    pay = await pay_vm(repo, store=VaultSlipStore(vault))
    entry = await enter(pay, SLIP)
    await pay.mark_paid(entry)
    stored = "".join(prefs.data.values())
    assert SLIP not in stored and "12300" not in stored and "AES-256-GCM" in stored
    again = await pay_vm(repo, store=VaultSlipStore(await Vault.open(KeyValueBlobStore(prefs), keys)))
    assert again.history_rows()[0].is_paid and again.storage_note() is None
    # another device's key cannot read it, and the app does not overwrite it
    other = await pay_vm(
        repo, store=VaultSlipStore(await Vault.open(KeyValueBlobStore(prefs), MemoryStore()))
    )
    assert other.history_rows() == [] and "could not be read" in other.storage_note()
    await enter(other, OTHER)
    assert again.repo.store.vault  # the first key still reads the original document
    assert (await Vault.open(KeyValueBlobStore(prefs), keys)).key_id == again.repo.store.vault.key_id
    assert len((await again.repo.store.load())["entries"]) == 1


@pytest.mark.asyncio
async def test_session_only_storage_is_said(repo):
    pay = await pay_vm(repo)
    assert "this session only" in pay.storage_note()


# ----------------------------------------------------------------------------- reminders


@pytest.mark.asyncio
async def test_reminders_carry_codes_only_and_keep_other_features_reminders(repo, backend_transport):
    vm = make_vm(repo, transport=backend_transport)
    await vm.load(["ja"])
    client: BackendClient = vm.client
    creds = await client.register_device(DeviceRegistration(None, "web", "ja", "Asia/Tokyo", "0.1.0"))
    vm.settings.device_id, vm.settings.device_secret = creds.id, creds.secret
    vacc = {
        "occurrence_key": "vacc:c1:mr:1",
        "send_at": "2014-06-01T00:00:00+00:00",
        "template": "vaccination_due",
        "params": {"vaccine": "mr", "dose": 1},
    }
    await client.put_reminders(creds, [vacc])
    pay = PayViewModel(vm, HistoryRepository(MemorySlipStore()))
    await pay.load()
    entry = await enter(pay, QR)
    got = await client.get_reminders(creds)
    keys = sorted(r["occurrence_key"] for r in got)
    assert keys == sorted(["vacc:c1:mr:1", f"tax:{entry}"])
    tax = next(r for r in got if r["occurrence_key"].startswith("tax:"))
    assert tax["template"] == "tax_due" and tax["params"] == {
        "tax": "light_vehicle_tax",
        "due_date": "2014-06-02",
    }
    assert tax["send_at"].startswith("2014-05-30T00:00")  # 3 days before, 09:00 in Matsusaka
    blob = json.dumps(got)
    assert "45600" not in blob and "778284" not in blob and QR[40:60] not in blob
    assert len(pay.history.reminders_synced) == 1
    assert pay.reminder_status() == Translator("ja").plural(
        "{n} reminder registered", "{n} reminders registered", 1
    )
    await pay.set_remind_days("7")
    assert [
        r["send_at"][:10] for r in await client.get_reminders(creds) if r["occurrence_key"].startswith("tax:")
    ] == ["2014-05-26"]
    await pay.mark_paid(entry)
    assert [r["occurrence_key"] for r in await client.get_reminders(creds)] == ["vacc:c1:mr:1"]


@pytest.mark.asyncio
async def test_reminders_wait_for_the_server(repo):
    pay = await pay_vm(repo, base_url=closed_port_url())
    pay.app.settings.device_id, pay.app.settings.device_secret = "d1", "s1"
    await enter(pay, OTHER)
    assert pay.reminder_status() == "Reminders will be registered when the server is reachable."
    await pay.set_remind_days("off")
    assert pay.reminder_status() == "Reminders are off"


def test_no_reminder_for_paid_past_or_too_close_slips():
    from app.services.payslips import Entry, History

    def entry(i, due, paid=None):
        return Entry(
            id=i,
            digits="x",
            kind="cvs",
            notice_key=i,
            amount=1,
            pay_by=due,
            due_date=None,
            scanned_on="2014-05-08",
            paid_on=paid,
        )

    h = History(
        [
            entry("a", "2014-05-31"),
            entry("b", "2014-05-09"),
            entry("c", "2014-05-31", "2014-05-08"),
            entry("d", "2014-05-01"),
        ],
        remind_days=3,
    )
    assert [r["occurrence_key"] for r in tax_reminders(h, TODAY, "Asia/Tokyo")] == ["tax:a"]
    assert tax_reminders(h, TODAY, "Asia/Tokyo")[0]["params"] == {"tax": "other", "due_date": "2014-05-31"}


# ----------------------------------------------------------------------------- calendar


@pytest.mark.asyncio
async def test_tax_calendar_rows_and_ics(repo):
    from icalendar import Calendar

    pay = await pay_vm(repo, "ja")
    rows = pay.upcoming()
    assert rows[0].title == "軽自動車税（種別割）" and "6月2日" in rows[0].day_text
    assert pay.calendar_note()
    name, data = pay.ics()
    assert name.endswith(".ics")
    cal = Calendar.from_ical(data)
    assert len(cal.walk("VEVENT")) > 10 and len(cal.walk("VALARM")) == len(cal.walk("VEVENT"))
