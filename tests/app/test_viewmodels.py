"""View models without a Flet client: onboarding, garbage calendar and search, settings,
sync with the real backend (in-process) and offline behaviour."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.services.backend import DeviceCredentials, DeviceRegistration, InboxItem
from app.services.config import AppConfig, ConfigError
from app.services.settings import KEY, MemoryStore, Settings, SettingsRepository
from app.viewmodels.colors import AA_NORMAL, accessible_pair, contrast
from app.viewmodels.garbage import GarbageViewModel, SearchViewModel
from app.viewmodels.onboarding import OnboardingViewModel
from app.viewmodels.routes import Route, parse_route, stack
from core.city import load_city
from core.garbage import service
from core.i18n import Translator, first_language
from tests.app.conftest import TODAY, closed_port_url, make_vm

CITY = load_city("matsusaka")
AREA = service.find_area(CITY, "旭ヶ丘")


# ----------------------------------------------------------------------------- settings and config


@pytest.mark.asyncio
async def test_settings_round_trip_and_bad_fields_fall_back_alone():
    store = MemoryStore()
    repo = SettingsRepository(store)
    s = Settings(onboarded=True, language="vi", area_id=AREA.id, reminder="same_day", reminder_time="06:30")
    await repo.save(s)
    assert (await repo.load()) == s and repo.problems == []
    data = json.loads(store.data[KEY])
    data.update(reminder_time="25:99", language="klingon", text_scale=9)
    store.data[KEY] = json.dumps(data)
    loaded = await repo.load()
    assert loaded.area_id == AREA.id and loaded.reminder == "same_day"  # good fields kept
    assert loaded.reminder_time == "19:00" and loaded.language is None and loaded.text_scale == 1.0
    assert len(repo.problems) == 3 and any("reminder_time" in p for p in repo.problems)
    store.data[KEY] = "{not json"
    assert (await repo.load()) == Settings() and "not JSON" in repo.problems[0]


def test_config_from_env_names_the_bad_variable():
    cfg = AppConfig.from_env({"MACHI_TODAY": "2014-05-08", "MACHI_API_URL": "http://x:1/"})
    assert cfg.today == dt.date(2014, 5, 8) and cfg.api_url == "http://x:1"
    with pytest.raises(ConfigError, match="MACHI_TODAY"):
        AppConfig.from_env({"MACHI_TODAY": "8 May"})
    with pytest.raises(ConfigError, match="MACHI_POLL_SECONDS"):
        AppConfig.from_env({"MACHI_POLL_SECONDS": "-1"})


@pytest.mark.parametrize(
    "locales, lang",
    [
        (["ja-JP"], "ja"),
        (["pt-BR", "en-US"], "pt_BR"),
        (["de-DE", "es-ES"], "es"),
        (["zh-Hans-CN"], "zh_Hans"),
        (["fil-PH"], "tl"),
        ([], "en"),
        (["de-DE"], "en"),
    ],
)
def test_language_is_preselected_from_the_device_locales(locales, lang):
    assert first_language(locales) == lang


# ----------------------------------------------------------------------------- routes


def test_deep_links_open_with_a_back_stack():
    assert [r.url for r in stack(parse_route("/garbage/search?q=petto"))] == [
        "/garbage",
        "/garbage/search?q=petto",
    ]
    item = parse_route("/garbage/item?name=%E3%83%9A%E3%83%83%E3%83%88%E3%83%9C%E3%83%88%E3%83%AB&q=petto")
    assert item.params["name"] == "ペットボトル"
    assert [r.path for r in stack(item)] == ["/garbage", "/garbage/search", "/garbage/item"]
    assert stack(parse_route("/garbage/search"))[0] == Route("/garbage")
    assert [r.path for r in stack(parse_route("/settings"))] == ["/", "/settings"]
    assert [r.path for r in stack(parse_route("/no/such/page"))] == ["/"]
    for tab in ("/", "/handbook", "/pay", "/city"):
        assert stack(parse_route(tab)) == [Route(tab)]


# ----------------------------------------------------------------------------- colours


def test_every_category_chip_has_aa_contrast(repo):
    for cat in repo.category_list:
        bg, fg = accessible_pair(cat.color)
        assert contrast(bg, fg) >= AA_NORMAL, cat.id
    bg, fg = accessible_pair("#77ae1f")
    assert contrast(bg, fg) >= AA_NORMAL
    assert contrast("#777777", "#ffffff") < AA_NORMAL  # the check can fail: white on grey is too weak
    assert accessible_pair("#777777") == ("#777777", "#000000")
    for r in range(0, 256, 51):
        for g in range(0, 256, 51):
            for b in range(0, 256, 51):
                bg, fg = accessible_pair(f"#{r:02x}{g:02x}{b:02x}")
                assert contrast(bg, fg) >= AA_NORMAL
    # a stricter minimum (AAA 7:1) darkens the background instead
    bg, fg = accessible_pair("#77ae1f", minimum=7.0)
    assert contrast(bg, fg) >= 7.0


# ----------------------------------------------------------------------------- onboarding


@pytest.mark.asyncio
async def test_onboarding_offline_saves_everything_and_keeps_registration_pending(repo):
    store = MemoryStore()
    vm = make_vm(repo, store, base_url=closed_port_url())
    await vm.load(["pt-BR"])
    assert vm.language == "pt_BR" and vm.needs_onboarding
    ob = OnboardingViewModel(vm)
    assert ob.language == "pt_BR" and ob.step_name == "language"
    await ob.choose_language("ja")
    assert vm.t("Next") == "次へ"
    assert ob.next() and ob.step_name == "area"
    assert not ob.next() and ob.error == vm.t("Choose your area to see your collection days.")
    ob.type_area("asahi")
    assert "旭ヶ丘" in [m.label for m in ob.suggestions]
    ob.type_area("xyzzy")
    assert not ob.next() and "xyzzy" in ob.error
    ob.pick_area(AREA.id)
    assert ob.area_name == "旭ヶ丘" and ob.next() and ob.step_name == "reminder"
    ob.set_time("half past seven")
    assert not await ob.finish() and "half past seven" in ob.error
    ob.set_time("19:00")
    ob.set_reminder("same_day")
    assert ob.time == "7:00"  # the default time follows the choice, in Babel's Japanese short format
    ob.toggle_category("bottles", False)
    assert await ob.finish()
    s = SettingsRepository(store)
    saved = await s.load()
    assert saved.onboarded and saved.area_id == AREA.id and saved.language == "ja"
    assert saved.reminder == "same_day" and saved.reminder_time == "07:00"
    assert saved.reminder_categories == ["burnable", "nonburnable", "recyclable"]
    assert saved.registration_pending and saved.device_id is None  # offline: retried later
    assert vm.sync_state.online is False and vm.sync_state.message == vm.t("Offline: will try again later")


@pytest.mark.asyncio
async def test_registration_is_retried_when_the_backend_is_back(repo, backend_transport):
    store = MemoryStore()
    offline = make_vm(repo, store, base_url=closed_port_url())
    await offline.load(["ja-JP"])
    ob = OnboardingViewModel(offline)
    ob.next()
    ob.pick_area(AREA.id)
    ob.next()
    assert await ob.finish()
    assert offline.settings.registration_pending
    # the app starts again, now with the backend reachable
    vm = make_vm(repo, store, transport=backend_transport)
    await vm.load(["ja-JP"])
    assert await vm.sync() == []
    s = vm.settings
    assert not s.registration_pending and s.device_id and s.device_secret and s.last_sync
    assert s.synced_subscription == {
        "city": "matsusaka",
        "area_id": AREA.id,
        "time": "19:00",
        "day_offset": -1,
        "categories": None,
    }
    creds = DeviceCredentials(s.device_id, s.device_secret)
    sub = await vm.client._request("GET", f"/v1/devices/{s.device_id}/subscriptions/garbage", creds=creds)
    assert sub["area_id"] == AREA.id and sub["time"] == "19:00" and sub["day_offset"] == -1
    # a language switch is sent to the server (reminders are rendered in it)
    await vm.set_language("vi")
    await vm.sync()
    device = await vm.client._request("GET", f"/v1/devices/{s.device_id}", creds=creds)
    assert device["locale"] == "vi"
    assert device["city"] == "matsusaka" and s.synced_city == "matsusaka"  # registered with its city
    # a forgotten device (wrong secret -> 401) registers afresh on the next sync
    s.device_secret = "wrong"
    await vm.sync()
    assert s.device_id is None and s.registration_pending
    await vm.sync()
    assert s.device_id and not s.registration_pending and s.device_id != creds.id


@pytest.mark.asyncio
async def test_new_inbox_items_become_banners_once(repo):
    class Items:  # the NotificationService seam, fed with fixed items
        platform = "web"

        def __init__(self):
            self.items = [InboxItem("1", "断水", "土曜日", "2014-05-08T01:00:00+00:00")]

        def push_token(self, existing):
            return None

        async def fetch(self, creds):
            return list(self.items)

    vm = make_vm(repo)
    await vm.load(["ja-JP"])
    vm.notifier = Items()
    vm.settings.onboarded = True
    vm.settings.device_id, vm.settings.device_secret = "d", "s"
    vm.settings.synced_locale = "ja"
    events = []
    vm.subscribe(events.append)
    assert [i.id for i in await vm._fetch()] == ["1"]
    assert vm.banner().title == "断水" and "notifications" in events
    assert await vm._fetch() == []  # seen: not shown twice
    vm.notifier.items.append(
        InboxItem("2", "避難指示", "高台へ", "2014-05-08T02:00:00+00:00", {"kind": "alert"})
    )
    await vm._fetch()
    assert [n.id for n in vm.notices()] == ["2", "1"] and vm.home_feed().alert.id == "2"
    vm.dismiss_banner()
    assert vm.banner().id == "2"


# ----------------------------------------------------------------------------- garbage


@pytest.mark.asyncio
async def test_month_calendar_on_a_known_date(repo):
    vm = make_vm(repo)
    await vm.load(["ja-JP"])
    vm.settings.area_id = AREA.id
    g = GarbageViewModel(vm)
    assert g.month == dt.date(2014, 5, 1) and g.month_warning() is None
    weeks = g.weeks()
    assert all(len(w) == 7 for w in weeks) and weeks[0][0].day.weekday() == 0
    cells = {c.day: c for w in weeks for c in w}
    t = Translator("ja")
    expected = [c["id"] for c in service.calendar(CITY, AREA, TODAY, TODAY, "ja")[0]["categories"]]
    assert [x.id for x in cells[TODAY].chips] == expected == ["burnable"]
    assert (
        cells[TODAY].is_today and cells[TODAY].label == f"{t('Today, {day}', day=t.day(TODAY))}: 燃えるごみ"
    )
    assert cells[dt.date(2014, 5, 5)].chips == []  # a Monday inside the centre closure
    assert cells[dt.date(2014, 5, 5)].label.endswith("収集なし")
    chip = cells[TODAY].chips[0]
    assert chip.icon and chip.name == "燃えるごみ" and contrast(chip.bg, chip.fg) >= AA_NORMAL
    assert [c.day for c in g.agenda()] == [
        dt.date.fromisoformat(d["date"])
        for d in service.calendar(CITY, AREA, dt.date(2014, 5, 1), dt.date(2014, 5, 31), "ja")
    ]
    nexts = {n.chip.id: n.text for n in g.next_dates()}
    assert nexts["burnable"] == t.day(TODAY)
    cards = g.day_cards()
    assert [c.title for c in cards] == ["今日", "明日"] and cards[1].chips == []
    g.next_month()
    assert g.month == dt.date(2014, 6, 1)
    assert (
        g.set_month_param("2014-13")
        and g.set_month_param("2014-09") is None
        and g.month == dt.date(2014, 9, 1)
    )
    g.next_month()
    assert g.month_warning()  # October 2014 is outside the data


@pytest.mark.asyncio
async def test_validity_warning_and_date_override(repo):
    vm = make_vm(repo, today=None)
    await vm.load(["en-US"])
    vm.settings.area_id = AREA.id
    assert await vm.set_date_override("15 Jan 2015") == vm.t(
        "“{value}” is not a date; write it as YYYY-MM-DD, e.g. 2014-05-08.", value="15 Jan 2015"
    )
    assert await vm.set_date_override("2015-01-15") is None
    assert vm.clock.today() == dt.date(2015, 1, 15)
    warning = vm.validity_warning()
    assert "Saturday, February 1, 2014" in warning and "Tuesday, September 30, 2014" in warning
    g = GarbageViewModel(vm)
    g.go_to_data_period()
    assert g.month == dt.date(2014, 9, 1)
    assert await vm.set_date_override("2014-05-08") is None and vm.validity_warning() is None


@pytest.mark.asyncio
async def test_search_petto_and_item_detail(repo):
    vm = make_vm(repo)
    await vm.load(["ja-JP"])
    vm.settings.area_id = AREA.id
    s = SearchViewModel(vm, "petto")
    first = s.results[0]
    assert first.name == "ペットボトル" and first.chip.id == "recyclable" and first.chip.name == "資源物"
    assert s.summary() == f"{len(s.results)}件見つかりました"
    s.set_query("qqqqzzzz")
    assert s.results == [] and "qqqqzzzz" in s.summary()
    d = s.detail("ペットボトル")
    nxt = service.next_dates(CITY, AREA, TODAY)["recyclable"]
    assert (
        d.chip.id == "recyclable"
        and d.next_text == f"次の収集日：{Translator('ja').day(dt.date.fromisoformat(nxt))}"
    )
    assert s.detail("no such item") is None
    await vm.set_language("en")
    assert SearchViewModel(vm, "petto").results[0].chip.name == "Recyclables"


def test_prepare_search_builds_the_index_ahead(repo):
    service._index.cache_clear()
    repo.prepare_search("vi")
    info = service._index.cache_info()
    assert info.currsize == 1 and info.misses == 1
    assert repo.search("petto", "vi")[0]["name_ja"] == "ペットボトル"
    assert service._index.cache_info().hits == info.hits + 1  # the search used the prepared index


@pytest.mark.asyncio
async def test_upcoming_reminders_and_ics(repo):
    vm = make_vm(repo)
    await vm.load(["en-US"])
    vm.settings.area_id = AREA.id
    assert vm.upcoming_reminders() == []  # off
    vm.settings.reminder, vm.settings.reminder_time = "day_before", "19:00"
    vm.settings.reminder_categories = ["nonburnable"]
    first = vm.upcoming_reminders()[0]
    nonburnable = dt.date.fromisoformat(service.next_dates(CITY, AREA, TODAY)["nonburnable"])
    t = Translator("en")
    assert first.startswith(t.day(nonburnable - dt.timedelta(days=1))) and t.day(nonburnable) in first
    name, data = GarbageViewModel(vm).ics()
    text = data.decode()
    assert name == f"machi-garbage-matsusaka-{AREA.id}.ics"
    assert "DTSTART;TZID=Asia/Tokyo:20140508T080000" in text and "TRIGGER:-PT13H" in text


@pytest.mark.asyncio
async def test_a_device_registered_without_a_city_sends_it_on_the_next_sync(repo, backend_transport):
    """Devices registered before the device city existed get their city's announcements and
    alerts too: the app sends its city once (the backend's own tests show the delivery)."""
    vm = make_vm(repo, MemoryStore(), transport=backend_transport)
    await vm.load(["ja-JP"])
    creds = await vm.client.register_device(DeviceRegistration(None, "web", "ja", "Asia/Tokyo", "0.1.0"))
    s = vm.settings
    s.onboarded, s.area_id, s.reminder = True, AREA.id, "off"
    s.device_id, s.device_secret, s.synced_locale = creds.id, creds.secret, "ja"
    assert (await vm.client._request("GET", f"/v1/devices/{creds.id}", creds=creds))["city"] is None
    await vm.sync()
    assert (await vm.client._request("GET", f"/v1/devices/{creds.id}", creds=creds))["city"] == "matsusaka"
    assert s.synced_city == "matsusaka"
