"""The Handbook view model: forms with validation, timeline, charts, reminders (codes only),
export/import that never loses the stored handbook, the printable summary."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.services.settings import MemoryStore
from app.services.vault import FileBlobStore, Vault
from app.viewmodels.handbook import HandbookViewModel
from tests.app.conftest import make_vm

TODAY = dt.date(2014, 5, 8)  # the app's pinned day in tests


def handbook_vm(repo, tmp_path, transport=None, keys=None):
    app = make_vm(repo, transport=transport)
    keys = keys if keys is not None else MemoryStore()

    async def open_vault():
        return await Vault.open(FileBlobStore(tmp_path), keys)

    return app, HandbookViewModel(app, open_vault)


async def with_child(repo, tmp_path, **kw):
    app, vm = handbook_vm(repo, tmp_path, **kw)
    await vm.load()
    assert (await vm.add_child("さくら", "female", "2014-01-10")).ok
    return app, vm, vm.book.children[0].id


@pytest.mark.asyncio
async def test_add_child_validation(repo, tmp_path):
    _, vm = handbook_vm(repo, tmp_path)
    await vm.load()
    r = await vm.add_child("", "x", "2014-13-01")
    assert set(r.errors) == {"name", "sex", "birth"} and not vm.book.children
    r = await vm.add_child("Ken", "male", "2014-06-01")  # after the app's today
    assert "future" in r.errors["birth"]
    assert (await vm.add_child("Ken", "male", "2014/01/10")).ok
    assert vm.children()[0].age == "3 months"


@pytest.mark.asyncio
async def test_child_survives_a_restart_encrypted(repo, tmp_path):
    keys = MemoryStore()
    _, vm, _ = await with_child(repo, tmp_path, keys=keys)
    assert "さくら".encode() not in (tmp_path / "handbook.vault").read_bytes()
    _, again = handbook_vm(repo, tmp_path, keys=keys)
    await again.load()
    assert [c.name for c in again.book.children] == ["さくら"]
    assert "secure storage" in again.protection_text()


@pytest.mark.asyncio
async def test_unreadable_store_is_reported_and_never_overwritten(repo, tmp_path):
    await with_child(repo, tmp_path)
    before = (tmp_path / "handbook.vault").read_bytes()
    _, other = handbook_vm(repo, tmp_path, keys=MemoryStore())  # the key is gone
    await other.load()
    assert other.load_error and "untouched" in other.load_error
    r = await other.add_child("New", "male", "2014-01-01")
    assert not r.ok and "not overwritten" in r.errors["form"]
    assert (tmp_path / "handbook.vault").read_bytes() == before


@pytest.mark.asyncio
async def test_vaccinations_timeline_and_next_due(repo, tmp_path):
    _, vm, cid = await with_child(repo, tmp_path)
    assert (await vm.add_vaccination(cid, "dpt_ipv_hib", "1", "2014-03-10")).ok
    assert (await vm.add_vaccination(cid, "pcv", "1", "2014-03-10")).ok
    rows = vm.timeline(cid)
    statuses = {(r.vaccine, r.dose): r.status for r in rows}
    assert statuses[("DPT-IPV-Hib (5-in-1)", 1)] == "done"
    assert statuses[("DPT-IPV-Hib (5-in-1)", 2)] == "overdue"  # recommended 20-56 days after dose 1
    text = vm.next_due_text(cid)
    assert text.startswith("Next: ") and "possible since" in text
    assert all(r.reason for r in rows) and all(r.status_label in r.label for r in rows)


@pytest.mark.asyncio
async def test_illegal_or_future_doses_are_refused(repo, tmp_path):
    _, vm, cid = await with_child(repo, tmp_path)
    r = await vm.add_vaccination(cid, "pcv", "1", "2014-03-08")  # 生後2月 is 2014-03-09
    assert r.errors["form"] == (
        "This dose cannot be recorded: before the earliest legal date Mar 9, 2014: "
        "2 months old (the day before the 2-month anniversary)"
    )
    await vm.app.set_language("ja")
    r = await vm.add_vaccination(cid, "pcv", "1", "2014-03-08")
    assert r.errors["form"].startswith("この接種は記録できません：") and "2014/03/09" in r.errors["form"]
    await vm.app.set_language("en")
    assert "future" in (await vm.add_vaccination(cid, "pcv", "1", "2014-05-09")).errors["date"]
    assert "dose" in (await vm.add_vaccination(cid, "pcv", "x", "2014-04-01")).errors
    assert not vm.book.children[0].vaccinations


@pytest.mark.asyncio
async def test_measurements_need_confirmation_for_outliers_and_refuse_the_impossible(repo, tmp_path):
    _, vm, cid = await with_child(repo, tmp_path)
    r = await vm.add_measurement(cid, "2014-04-10", weight_kg="35")  # 35 kg at 3 months
    assert "not possible" in r.errors["weight"] and not vm.book.children[0].growth
    r = await vm.add_measurement(cid, "2014-04-10", weight_kg="9.8")
    assert r.confirm and not r.ok and not vm.book.children[0].growth
    r = await vm.add_measurement(cid, "2014-04-10", weight_kg="9.8", confirmed=True)
    assert r.ok and len(vm.book.children[0].growth) == 1
    assert (await vm.add_measurement(cid, "2014-04-20", weight_kg="6.1", head_cm="40.1")).ok
    assert "enter a weight" in (await vm.add_measurement(cid, "2014-04-21")).errors["form"].lower()


@pytest.mark.asyncio
async def test_chart_has_percentile_curves_and_points(repo, tmp_path):
    _, vm, cid = await with_child(repo, tmp_path)
    await vm.add_measurement(cid, "2014-04-10", weight_kg="5.9")
    chart = vm.chart(cid, "weight")
    assert [p for p, _ in chart.curves] == [3, 10, 25, 50, 75, 90, 97]
    assert chart.points == [(pytest.approx(2.96, abs=0.01), 5.9)]
    assert chart.min_y < 3 and chart.max_y > 5.9 and "p" in chart.summary
    assert chart.who.startswith("WHO 2006 z-score of the latest point: ")  # the optional WHO view


@pytest.mark.asyncio
async def test_reminders_carry_codes_only(repo, tmp_path, backend_transport):
    app, vm, cid = await with_child(repo, tmp_path, transport=backend_transport)
    app.settings.onboarded = True
    await app.sync()  # registers the device
    await vm.add_vaccination(cid, "hepb", "1", "2014-03-10")
    state = await vm.set_reminders(cid, True)
    assert state == "Reminders are set."
    stored = await app.client.get_reminders(app._creds())
    assert stored and all(r["occurrence_key"].startswith("hb:") for r in stored)
    flat = json.dumps(stored)
    assert "さくら" not in flat and "2014-01-10" not in flat and cid not in flat
    assert {r["template"] for r in stored} == {"vaccination_due"}
    assert all(set(r["params"]) == {"vaccine", "dose"} for r in stored)
    await vm.set_reminders(cid, False)
    assert await app.client.get_reminders(app._creds()) == []


@pytest.mark.asyncio
async def test_reminders_keep_other_features(repo, tmp_path, backend_transport):
    app, vm, cid = await with_child(repo, tmp_path, transport=backend_transport)
    app.settings.onboarded = True
    await app.sync()
    other = {
        "occurrence_key": "tax:resident:2",
        "send_at": "2014-08-30T00:00:00Z",
        "template": "tax_due",
        "params": {"tax": "resident_tax", "due_date": "2014-08-31", "installment": 2},
    }
    await app.client.put_reminders(app._creds(), [other])
    await vm.set_reminders(cid, True)
    keys = {r["occurrence_key"] for r in await app.client.get_reminders(app._creds())}
    assert "tax:resident:2" in keys and any(k.startswith("hb:") for k in keys)


@pytest.mark.asyncio
async def test_reminders_offline_say_so(repo, tmp_path):
    _, vm, cid = await with_child(repo, tmp_path)
    assert "when the app is connected" in await vm.set_reminders(cid, True)
    assert vm.book.children[0].reminders


@pytest.mark.asyncio
@pytest.mark.parametrize("fmt", ["json", "fhir"])
async def test_export_import_round_trip(repo, tmp_path, fmt):
    _, vm, cid = await with_child(repo, tmp_path)
    await vm.add_vaccination(cid, "pcv", "1", "2014-03-10")
    await vm.add_measurement(cid, "2014-04-10", weight_kg="5.9")
    data = vm.export_json() if fmt == "json" else vm.export_fhir()
    _, other = handbook_vm(repo, tmp_path / "other")
    await other.load()
    assert await other.import_bytes(data) is None
    assert other.book == vm.book


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "damage", ["truncated", "not_utf8", "bad_record", "fhir_truncated", "fhir_bad_date", "fhir_bad_dose"]
)
async def test_broken_import_changes_nothing(repo, tmp_path, damage):
    _, vm, cid = await with_child(repo, tmp_path)
    await vm.add_vaccination(cid, "pcv", "1", "2014-03-10")
    before_book, before_bytes = vm.book.model_copy(deep=True), (tmp_path / "handbook.vault").read_bytes()
    good, bundle = vm.export_json(), vm.export_fhir()
    data = {
        "truncated": good[: len(good) // 2],
        "not_utf8": b"\xff\xfe\x00",
        "bad_record": good.replace(b'"pcv"', b'"pcx"'),
        "fhir_truncated": bundle[:-300],
        "fhir_bad_date": bundle.replace(b'"2014-03-10"', b'"2014-02-30"'),  # parses, not a day
        "fhir_bad_dose": bundle.replace(b'"doseNumberPositiveInt": 1', b'"doseNumberPositiveInt": "1"'),
    }[damage]
    assert data not in (good, bundle)  # each damage really changed the file
    message = await vm.import_bytes(data)
    assert message and "Nothing was changed" in message
    assert vm.book == before_book and (tmp_path / "handbook.vault").read_bytes() == before_bytes


@pytest.mark.asyncio
async def test_summary_html_is_escaped_and_complete(repo, tmp_path):
    _, vm = handbook_vm(repo, tmp_path)
    await vm.load()
    await vm.add_child("<b>Aki</b>", "female", "2014-01-10")
    cid = vm.book.children[0].id
    await vm.add_vaccination(cid, "pcv", "1", "2014-03-10", lot="L<1>")
    page = vm.summary_html(cid)
    assert "<b>Aki</b>" not in page and "&lt;b&gt;Aki&lt;/b&gt;" in page and "L&lt;1&gt;" in page
    assert "Pneumococcal (PCV)" in page and page.startswith("<!doctype html>")


@pytest.mark.asyncio
async def test_checkups_and_notes(repo, tmp_path):
    _, vm, cid = await with_child(repo, tmp_path)
    r = await vm.add_checkup(
        cid, "3-4m", "2014-05-01", weight_kg="6.2", height_cm="61.5", findings="異常なし"
    )
    assert r.ok
    child = vm.book.children[0]
    assert child.checkups[0].kind == "3-4m" and child.growth[-1].weight_kg == 6.2  # also on the chart
    assert vm.checkups(cid) == [
        "3-4 months · Thursday, May 1, 2014 · Weight (kg) 6.2 · Length / height (cm) 61.5 · 異常なし"
    ]
    bad = await vm.add_checkup(cid, "7y", "2014-06-01", weight_kg="35")
    assert set(bad.errors) == {"kind", "date"} and len(child.checkups) == 1
    assert "not possible" in (await vm.add_checkup(cid, "1m", "2014-02-10", weight_kg="35")).errors["weight"]
    assert (await vm.add_note(cid, "2014-04-01", "はじめて笑った")).ok
    assert "text" in (await vm.add_note(cid, "2014-04-01", "  ")).errors


@pytest.mark.asyncio
async def test_birth_record_conditions_guardians_and_pregnancy(repo, tmp_path):
    _, vm, cid = await with_child(repo, tmp_path)
    r = await vm.set_birth(
        cid, weeks="39", days="2", weight_kg="3.02", length_cm="49", head_cm="33", delivery="経腟"
    )
    assert r.ok and "39 weeks 2 days" in vm.birth_text(cid)
    bad = await vm.set_birth(cid, weeks="39.5", weight_kg="30")
    assert "weeks" in bad.errors and vm.book.children[0].birth.weight_kg == 3.02
    bad = await vm.set_birth(cid, weeks="39", weight_kg="30")
    assert "outside the possible range" in bad.errors["weight"]
    # a condition takes a vaccine out of the routine schedule, and the timeline says so
    assert await vm.set_condition(cid, "had_chickenpox", True) is None
    var = [d for d in vm.plan(cid) if d.vaccine == "var"]
    assert var and all(d.status == "ineligible" for d in var)
    assert ("had_chickenpox", "Had chickenpox", "Has had chickenpox", True) in vm.conditions(cid)
    assert (await vm.add_guardian("母", "mother")).ok and vm.book.guardians[0].relation == "mother"
    assert "name" in (await vm.add_guardian(" ")).errors
    r = await vm.add_pregnancy_visit(
        "2013-10-01",
        "24",
        weight_kg="58.2",
        bp_systolic="112",
        bp_diastolic="70",
        urine_protein="-",
        urine_sugar="±",
    )
    assert r.ok and vm.pregnancy_visits()[0].endswith("112/70 mmHg · urine protein -, sugar ±")
    bad = await vm.add_pregnancy_visit("2013-10-08", "25", bp_systolic="400", bp_diastolic="70")
    assert "bp" in bad.errors and len(vm.book.pregnancies[0].visits) == 1
    assert "week" in (await vm.add_pregnancy_visit("2013-10-08", "")).errors


@pytest.mark.asyncio
async def test_concurrent_loads_open_the_vault_once(repo, tmp_path):
    import asyncio

    opened = []
    app = make_vm(repo)

    async def open_vault():
        opened.append(1)
        await asyncio.sleep(0)  # let the other load run meanwhile
        return await Vault.open(FileBlobStore(tmp_path), MemoryStore())

    vm = HandbookViewModel(app, open_vault)
    await asyncio.gather(vm.load(), vm.load(), vm.load())
    assert len(opened) == 1 and vm.loaded


@pytest.mark.asyncio
async def test_long_illness_date_extends_the_schedule(repo, tmp_path):
    _, vm = handbook_vm(repo, tmp_path)
    await vm.load()
    assert (await vm.add_child("けん", "male", "2008-01-10")).ok
    cid = vm.book.children[0].id
    mr1 = lambda: next(d for d in vm.plan(cid) if d.vaccine == "mr1")  # noqa: E731
    assert mr1().status == "ineligible"  # the regular window ended in 2010
    assert "date" in (await vm.set_illness_ended(cid, "2007-12-31")).errors  # before the birth
    assert "date" in (await vm.set_illness_ended(cid, "2014-06-01")).errors  # in the future
    assert (await vm.set_illness_ended(cid, "2014-04-01")).ok
    assert mr1().status == "overdue" and mr1().eligible_until == dt.date(2016, 3, 31)
    assert vm.illness_ended_text(cid) == "2014-04-01"
    assert (await vm.set_illness_ended(cid, "")).ok and mr1().status == "ineligible"


@pytest.mark.asyncio
async def test_maternal_rsv_record(repo, tmp_path):
    _, vm = handbook_vm(repo, tmp_path)
    await vm.load()
    assert "due" in (await vm.set_maternal("2014-13-01")).errors
    assert "rsv" in (await vm.set_maternal("2014-07-01", "2013-01-01")).errors  # not this pregnancy
    assert "rsv" in (await vm.set_maternal("2014-07-01", "2014-06-01")).errors  # in the future
    assert not vm.book.pregnancies
    assert (await vm.set_maternal("2014-07-01")).ok
    assert vm.maternal_rows() == [
        "RSV (maternal vaccination) · Not routine · routine only from Apr 1, 2026"
    ]  # routine from 2026-04-01; the app's day is 2014
    assert (await vm.set_maternal("2014-07-01", "2014-04-20")).ok
    assert vm.maternal_values() == ("2014-07-01", "2014-04-20")
    assert vm.maternal_rows()[0].startswith("RSV (maternal vaccination) · Done · given on Apr 20, 2014")
    assert len(vm.book.pregnancies) == 1 and len(vm.book.pregnancies[0].vaccinations) == 1
