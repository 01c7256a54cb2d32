"""Issue 8, app side: area readings, the city's name from data, one time format per language,
"not confirmed" days outside the data period, unreadable schedules, narrow weekday names,
やさしい日本語 dates with readings, and i18n helpers that live once."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from app.services.garbage import GarbageRepository
from app.viewmodels.garbage import GarbageViewModel, SearchViewModel
from app.viewmodels.onboarding import OnboardingViewModel
from core.garbage import service
from core.i18n import Translator
from tests.app.conftest import make_vm

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def area(repo):
    return service.find_area(repo.city, "旭ヶ丘")


async def vm_in(repo, lang: str, area=None, today=dt.date(2014, 5, 8)):
    vm = make_vm(repo, today=today)
    await vm.load([lang])
    vm.settings.language = lang
    vm.t = Translator(lang)
    if area is not None:
        vm.settings.area_id = area.id
    return vm


# ----------------------------------------------------------------------------- point 12: readings


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "lang, label",
    [
        ("ja", "旭ヶ丘"),
        ("ja@easy", "旭ヶ丘(あさひがおか)"),
        ("en", "旭ヶ丘 (Asahigaoka)"),
        ("pt_BR", "旭ヶ丘 (Asahigaoka)"),
        ("ko", "旭ヶ丘 (Asahigaoka)"),
    ],
)
async def test_the_area_shows_its_reading_to_readers_of_other_languages(repo, area, lang, label):
    vm = await vm_in(repo, lang, area)
    assert vm.area_label() == label
    assert vm.home_feed().area_name == label  # Home and Settings show "Your area: <label>"
    ob = OnboardingViewModel(vm)
    ob.type_area("asahi")
    assert label in [s.label for s in ob.suggestions]
    ob.pick_area(area.id)
    assert ob.area_name == label


# ----------------------------------------------------------------------------- point 16: no city in app/


@pytest.mark.asyncio
async def test_the_greeting_names_the_city_from_its_data(repo):
    vm = await vm_in(repo, "en")
    assert vm.home_feed().greeting == vm.t("{city} resident app", city=repo.city.name("en"))
    other = copy.copy(repo)
    other.city = copy.copy(repo.city)
    other.city.meta = {**repo.city.meta, "name": {"ja": "津市", "en": "Tsu"}}
    vm.repo = other
    assert "Tsu" in vm.home_feed().greeting


def test_no_city_is_named_in_app_code():
    hits = [
        f"{p.relative_to(REPO_ROOT)}:{n}"
        for p in (REPO_ROOT / "app").rglob("*.py")
        for n, line in enumerate(p.read_text("utf-8").splitlines(), 1)
        if re.search(r"matsusaka|松阪", line, re.I)
    ]
    assert hits == []


# ----------------------------------------------------------------------------- point 19: one time format


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "lang, shown", [("en", "7:00\u202fPM"), ("ja", "19:00"), ("ko", "오후 7:00"), ("pt_BR", "19:00")]
)
async def test_one_time_format_per_language_and_the_input_accepts_it(repo, area, lang, shown):
    vm = await vm_in(repo, lang, area)
    vm.settings.reminder, vm.settings.reminder_time = "day_before", "19:00"
    assert vm.time_text("19:00") == shown
    assert shown in vm.reminder_description()  # Settings
    assert all(shown in line for line in vm.upcoming_reminders())  # Home
    vm.settings.onboarded = True
    ob = OnboardingViewModel(vm)
    assert ob.time == shown and shown in ob.time_label()
    ob.step = 2
    ob.set_time(vm.time_text("06:45"))  # what the field shows is accepted
    assert await ob.finish() and vm.settings.reminder_time == "06:45"


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("en", "7:30 PM", dt.time(19, 30)),
        ("en", "7:30 am", dt.time(7, 30)),
        ("en", "12:00 AM", dt.time(0, 0)),
        ("en", "19:30", dt.time(19, 30)),
        ("ko", "오후 7:30", dt.time(19, 30)),
        ("ko", "오전 7:30", dt.time(7, 30)),
        ("ja", "午後7:30", dt.time(19, 30)),
        ("ja", "１９：３０", dt.time(19, 30)),
        ("es", "7:30 p. m.", dt.time(19, 30)),
        ("en", "25:00", None),
        ("en", "13:00 PM", None),
        ("en", "7:30 xyz", None),
        ("en", "", None),
        ("en", "2014-05-08", None),
    ],
)
def test_times_are_read_as_each_language_writes_them(lang, text, expected):
    assert Translator(lang).parse_time(text) == expected


# ----------------------------------------------------------------------------- point 9: not confirmed


@pytest.mark.asyncio
async def test_days_outside_the_data_period_are_not_confirmed(repo, area):
    vm = await vm_in(repo, "en", area, today=dt.date(2014, 9, 30))  # the data's last day
    today, tomorrow = vm.day_cards()
    assert today.unconfirmed == "" and tomorrow.unconfirmed == "not confirmed"
    assert tomorrow.label.endswith("(not confirmed)")
    g = GarbageViewModel(vm)
    cells = {c.day: c for w in g.weeks() for c in w}
    assert cells[dt.date(2014, 9, 30)].confirmed and "not confirmed" not in cells[dt.date(2014, 9, 30)].label
    oct_2 = cells[dt.date(2014, 10, 2)]  # a Thursday: computed from the weekly rule, outside the data
    assert not oct_2.confirmed and oct_2.chips and oct_2.label.endswith("(not confirmed)")
    # item details: the next collection after the data ends is computed but not confirmed
    vm.clock.override = dt.date(2014, 10, 2)
    detail = SearchViewModel(vm).detail(
        next(i.name for i in repo.city.garbage.items if i.category == "burnable")
    )
    assert detail.next_text.endswith("(not confirmed)")


@pytest.mark.asyncio
async def test_a_category_without_a_date_says_why(repo, area):
    vm = await vm_in(repo, "en", area, today=dt.date(2015, 1, 15))
    texts = {n.chip.id: n.text for n in GarbageViewModel(vm).next_dates()}
    assert texts["recyclable"] == vm.t(
        "No date: the city's data ends on {end}; check the city's latest calendar.",
        end=vm.t.long_day(dt.date(2014, 9, 30)),
    )
    assert texts["burnable"].endswith("(not confirmed)")


@pytest.mark.asyncio
async def test_an_unreadable_schedule_is_told_not_hidden(repo, area):
    broken = dataclasses.replace(area, unreadable={"bottles": "area_days.csv:12:6: unknown weekday 'X'"})
    other = copy.copy(repo)
    other.city = copy.copy(repo.city)
    other.city.garbage = dataclasses.replace(
        repo.city.garbage, areas=[broken if a.id == area.id else a for a in repo.city.garbage.areas]
    )
    vm = await vm_in(other, "en", broken)
    message = vm.t(
        "The schedule of {category} could not be read; check the city's website.",
        category=other.category_name("bottles", "en"),
    )
    assert vm.home_feed().unreadable == [message]
    g = GarbageViewModel(vm)
    assert g.unreadable_notes() == [message]
    assert {n.chip.id: n.text for n in g.next_dates()}["bottles"] == message
    bottle = next(i.name for i in other.city.garbage.items if i.category == "bottles")
    assert SearchViewModel(vm).detail(bottle).next_text == message


# ----------------------------------------------------------------------------- point 19: weekdays, easy dates


@pytest.mark.asyncio
async def test_weekday_headers_turn_narrow_when_space_is_short(repo, area):
    vm = await vm_in(repo, "vi", area)
    g = GarbageViewModel(vm)
    assert g.weekday_names()[4] == "Thứ 6"
    assert g.weekday_names(cell_width=40, font_size=24)[4] == "T6"  # 360 px at 200 %: CLDR narrow
    assert g.weekday_names(cell_width=80, font_size=12)[4] == "Thứ 6"


def test_easy_japanese_dates_carry_readings():
    t = Translator("ja@easy")
    assert t.day(dt.date(2014, 5, 8)) == "5月(がつ)8日(ようか)(木(もく))"
    assert t.long_day(dt.date(2014, 5, 24)) == "2014年(ねん)5月(がつ)24日(にじゅうよっか)土曜日(どようび)"
    assert t.month(dt.date(2014, 5, 1)) == "2014年(ねん)5月(がつ)"
    assert Translator("ja").day(dt.date(2014, 5, 8)) == "5月8日(木)"  # plain Japanese stays plain


# ----------------------------------------------------------------------------- point 22: once


def test_n_and_the_language_fallback_live_once():
    sources = [p for d in ("app", "core") for p in (REPO_ROOT / d).rglob("*.py")]
    defs = [
        p.relative_to(REPO_ROOT).as_posix()
        for p in sources
        if re.search(r"^def (N_|first_language|pick|language_from_locales)\(", p.read_text("utf-8"), re.M)
    ]
    assert defs == ["core/i18n.py"]


def test_repository_readings_come_from_pykakasi(repo: GarbageRepository, area):
    assert repo.reading(area) == "あさひがおか" and repo.romaji(area) == "Asahigaoka"
