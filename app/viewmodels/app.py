"""The app-wide view model: settings, language, sync with the backend, notifications,
and the Home feed.  Screen view models (onboarding, garbage, search) hang off it."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from babel.dates import format_datetime

from app.services.backend import (
    BackendClient,
    BackendError,
    BackendUnavailable,
    DeviceCredentials,
    DeviceRegistration,
    GarbageSubscription,
    InboxItem,
)
from app.services.clock import Clock
from app.services.config import APP_VERSION, AppConfig
from app.services.garbage import GarbageRepository
from app.services.notifications import NotificationService
from app.services.settings import TEXT_SCALES, Settings, SettingsRepository
from app.viewmodels.colors import accessible_pair
from core.garbage.model import Area
from core.i18n import LANGUAGES, SOURCE_LANGUAGE, Translator, first_language, normalize_language

log = logging.getLogger("machi.app")


@dataclass(frozen=True)
class Chip:
    """One category as shown anywhere: colour AND icon AND name (never colour alone)."""

    id: str
    name: str
    icon: str  # the city's icon name (core data); the view maps it to a glyph
    bg: str  # AA-contrast background (the city's colour, darkened only if needed)
    fg: str
    moved_from: str = ""  # localized "moved from" note


@dataclass(frozen=True)
class DayCard:
    title: str  # "Today" / "Tomorrow"
    day: dt.date
    day_text: str
    chips: list[Chip]
    empty_text: str  # shown when there is no collection
    unconfirmed: str = ""  # "not confirmed" when the city's data does not cover the day

    @property
    def label(self) -> str:
        names = ", ".join(c.name for c in self.chips) or self.empty_text
        return f"{self.title}, {self.day_text}: {names}" + (
            f" ({self.unconfirmed})" if self.unconfirmed else ""
        )


@dataclass(frozen=True)
class Notice:
    id: str
    title: str
    body: str
    when: str  # localized
    is_alert: bool


@dataclass
class SyncState:
    online: bool | None = None  # None: not tried yet
    message: str = ""
    error: str = ""


@dataclass
class HomeFeed:
    greeting: str
    area_name: str | None
    cards: list[DayCard]
    reminders: list[str]
    notices: list[Notice]
    alert: Notice | None
    validity_warning: str | None
    unreadable: list[str]  # "the schedule of X could not be read" per category
    last_sync: str


class AppViewModel:
    def __init__(
        self,
        config: AppConfig,
        settings_repo: SettingsRepository,
        client: BackendClient | None,
        notifier: NotificationService | None,
        repo: GarbageRepository | None = None,
        clock: Clock | None = None,
    ):
        self.config = config
        self.settings_repo = settings_repo
        self.client = client
        self.notifier = notifier
        self.repo = repo or GarbageRepository(config.city)
        self.clock = clock or Clock(self.repo.city.timezone, config.today)
        self.settings = Settings()
        self.device_language = SOURCE_LANGUAGE
        self.t = Translator(SOURCE_LANGUAGE)
        self.sync_state = SyncState()
        self.banners: list[InboxItem] = []  # new notifications not yet dismissed, oldest first
        self._listeners: list[Callable[[str], None]] = []
        self._sync_lock = asyncio.Lock()

    # ------------------------------------------------------------------ observers
    def subscribe(self, fn: Callable[[str], None]) -> None:
        self._listeners.append(fn)

    def notify(self, what: str = "all") -> None:
        for fn in list(self._listeners):
            fn(what)

    # ------------------------------------------------------------------ lifecycle
    async def load(self, device_locales: list[str]) -> None:
        self.settings = await self.settings_repo.load()
        for p in self.settings_repo.problems:
            log.warning(p)
        self.device_language = first_language(device_locales)
        self.t = Translator(self.language)
        self._apply_date_override()

    async def save(self) -> None:
        await self.settings_repo.save(self.settings)

    @property
    def language(self) -> str:
        return self.settings.language or self.device_language

    @property
    def area(self) -> Area | None:
        return self.repo.area(self.settings.area_id)

    def area_label(self, area: Area | None = None) -> str:
        """The area's name with its reading for readers of other languages: 「旭ヶ丘」 in Japanese,
        「旭ヶ丘(あさひがおか)」 in やさしい日本語, "旭ヶ丘 (Asahigaoka)" elsewhere."""
        area = area or self.area
        if area is None:
            return ""
        if self.language == "ja":
            return area.name
        if self.language == "ja@easy":
            reading = self.repo.reading(area)
            return area.name if reading == area.name else f"{area.name}({reading})"
        romaji = self.repo.romaji(area)
        return area.name if area.name.isascii() or not romaji else f"{area.name} ({romaji})"

    @property
    def demo_mode(self) -> bool:
        """Demos and tests (MACHI_TODAY set, or a date already pinned): Settings offers the date override."""
        return self.config.today is not None or bool(self.settings.date_override)

    @property
    def needs_onboarding(self) -> bool:
        return not self.settings.onboarded

    # ------------------------------------------------------------------ settings actions
    async def set_language(self, lang: str) -> None:
        lang = normalize_language(lang)
        self.settings.language = lang
        self.t = Translator(lang)
        await self.save()
        self.notify("language")

    def language_choices(self) -> list[tuple[str, str]]:
        """(tag, native name) in the picker's order."""
        return [(lang, self.t.language_name(lang)) for lang in LANGUAGES]

    async def set_text_scale(self, scale: float) -> None:
        if scale not in TEXT_SCALES:
            raise ValueError(f"text scale must be one of {TEXT_SCALES}, not {scale!r}")
        self.settings.text_scale = scale
        await self.save()
        self.notify("theme")

    async def set_date_override(self, text: str) -> str | None:
        """Pin "today" (demos); returns an error message for bad input, None when applied."""
        text = text.strip()
        if text:
            try:
                dt.date.fromisoformat(text)
            except ValueError:
                return self.t("“{value}” is not a date; write it as YYYY-MM-DD, e.g. 2014-05-08.", value=text)
        self.settings.date_override = text or None
        self._apply_date_override()
        await self.save()
        self.notify("all")
        return None

    def _apply_date_override(self) -> None:
        d = self.settings.date_override
        self.clock.override = dt.date.fromisoformat(d) if d else None

    async def restart_onboarding(self) -> None:
        self.settings.onboarded = False
        await self.save()

    # ------------------------------------------------------------------ garbage helpers
    def chip(self, category_id: str, moved_from: str | None = None) -> Chip:
        cat = self.repo.category(category_id)
        bg, fg = accessible_pair(cat.color)
        note = ""
        if moved_from:
            note = self.t("moved from {day}", day=self.t.day(dt.date.fromisoformat(moved_from)))
        return Chip(cat.id, self.repo.category_name(cat.id, self.language), cat.icon, bg, fg, note)

    def chips_on(self, area: Area, day: dt.date) -> list[Chip]:
        cols = self.repo.collections(area, day, day, self.language).get(day, [])
        return [self.chip(c["id"], c.get("moved_from")) for c in cols]

    def day_cards(self) -> list[DayCard]:
        area = self.area
        if area is None:
            return []
        today = self.clock.today()
        tomorrow = today + dt.timedelta(days=1)
        cols = self.repo.collections(area, today, tomorrow, self.language)
        out = []
        for title, day in ((self.t("Today"), today), (self.t("Tomorrow"), tomorrow)):
            chips = [self.chip(c["id"], c.get("moved_from")) for c in cols.get(day, [])]
            out.append(
                DayCard(title, day, self.t.day(day), chips, self.t("No collection"), self.unconfirmed(day))
            )
        return out

    def unconfirmed(self, day: dt.date) -> str:
        """ "not confirmed" for a day the city's data does not cover (its dates are only computed), else ""."""
        return "" if self.repo.is_confirmed(day) else self.t("not confirmed")

    def unreadable_notes(self) -> list[str]:
        """One sentence per category whose schedule for the area could not be read at import."""
        area = self.area
        if area is None:
            return []
        return [
            self.t(
                "The schedule of {category} could not be read; check the city's website.",
                category=self.repo.category_name(cid, self.language),
            )
            for cid in self.repo.unreadable(area)
        ]

    def no_date_reason(self, category_id: str) -> str:
        """Why a category has no next date: unreadable at import, past the data period, or none in it."""
        area, v = self.area, self.repo.validity
        if area is not None and category_id in self.repo.unreadable(area):
            return self.t(
                "The schedule of {category} could not be read; check the city's website.",
                category=self.repo.category_name(category_id, self.language),
            )
        if v.end and self.clock.today() > v.end:
            return self.t(
                "No date: the city's data ends on {end}; check the city's latest calendar.",
                end=self.t.long_day(v.end),
            )
        return self.t("No date in the data")

    def date_text(self, day: dt.date) -> str:
        """「5月8日(木)」, or "Thu, May 8 (not confirmed)" outside the data period."""
        note = self.unconfirmed(day)
        return f"{self.t.day(day)} ({note})" if note else self.t.day(day)

    def validity_warning(self, day: dt.date | None = None) -> str | None:
        day = day or self.clock.today()
        v = self.repo.validity
        if v.contains(day):
            return None
        start = self.t.long_day(v.start) if v.start else "…"
        end = self.t.long_day(v.end) if v.end else "…"
        return self.t(
            "The garbage data covers {start} to {end} only. Dates shown for {day} may be wrong; "
            "check the city's latest calendar.",
            start=start,
            end=end,
            day=self.t.day(day),
        )

    # ------------------------------------------------------------------ reminders
    def time_text(self, hhmm: str) -> str:
        """A stored ``HH:MM`` in the language's short time format (Babel): "7:00 PM", 「19:00」."""
        return self.t.time(dt.time.fromisoformat(hhmm))

    def reminder_description(self) -> str:
        s = self.settings
        if s.reminder == "off" or not s.area_id:
            return self.t("Reminders are off")
        if s.reminder == "day_before":
            return self.t("The day before at {time}", time=self.time_text(s.reminder_time))
        return self.t("On the day at {time}", time=self.time_text(s.reminder_time))

    def upcoming_reminders(self, limit: int = 3) -> list[str]:
        s, area = self.settings, self.area
        if s.reminder == "off" or area is None:
            return []
        offset = -1 if s.reminder == "day_before" else 0
        hh, mm = (int(x) for x in s.reminder_time.split(":"))
        now = self.clock.now().replace(tzinfo=None)
        today = now.date()
        cols = self.repo.collections(area, today, today + dt.timedelta(days=14), self.language)
        wanted = set(s.reminder_categories) if s.reminder_categories is not None else None
        out = []
        for day, cats in cols.items():
            names = [c["name"] for c in cats if wanted is None or c["id"] in wanted]
            at = dt.datetime.combine(day + dt.timedelta(days=offset), dt.time(hh, mm))
            if not names or at < now:
                continue
            when = f"{self.t.day(at.date())} {self.t.time(at.time())}"
            out.append(
                self.t(
                    "{when}: {categories} on {day}",
                    when=when,
                    categories=self.t.join(names),
                    day=self.t.day(day),
                )
            )
            if len(out) >= limit:
                break
        return out

    def desired_subscription(self) -> dict | None:
        s = self.settings
        if s.reminder == "off" or not s.area_id:
            return None
        return GarbageSubscription(
            self.config.city,
            s.area_id,
            s.reminder_time,
            -1 if s.reminder == "day_before" else 0,
            s.reminder_categories,
        ).to_json()

    # ------------------------------------------------------------------ notices and feed
    def _when(self, iso: str) -> str:
        try:
            moment = dt.datetime.fromisoformat(iso)
        except ValueError:
            return iso
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return format_datetime(moment, "short", tzinfo=self.clock.zone, locale=self.t.locale)

    def notices(self, limit: int | None = None) -> list[Notice]:
        items = [InboxItem.from_json(n) for n in self.settings.notifications]
        out = [Notice(i.id, i.title, i.body, self._when(i.created_at), i.is_alert) for i in items]
        return out[:limit] if limit else out

    def last_sync_text(self) -> str:
        if not self.settings.last_sync:
            return self.t("Not synced yet")
        return self.t("Last synced {when}", when=self._when(self.settings.last_sync))

    def home_feed(self) -> HomeFeed:
        area = self.area
        notices = self.notices()
        alert = next((n for n in notices if n.is_alert), None)
        return HomeFeed(
            greeting=self.t("{city} resident app", city=self.repo.city.name(self.language)),
            area_name=self.area_label(area) if area else None,
            cards=self.day_cards(),
            reminders=self.upcoming_reminders(),
            notices=[n for n in notices if n is not alert][:3],
            alert=alert,
            validity_warning=self.validity_warning(),
            unreadable=self.unreadable_notes(),
            last_sync=self.last_sync_text(),
        )

    def banner(self) -> Notice | None:
        if not self.banners:
            return None
        i = self.banners[0]
        return Notice(i.id, i.title, i.body, self._when(i.created_at), i.is_alert)

    def dismiss_banner(self) -> None:
        if self.banners:
            self.banners.pop(0)
        self.notify("banner")

    # ------------------------------------------------------------------ backend sync
    def _creds(self) -> DeviceCredentials | None:
        s = self.settings
        return DeviceCredentials(s.device_id, s.device_secret) if s.device_id and s.device_secret else None

    async def sync(self) -> list[InboxItem]:
        """Register (or re-register) the device and subscription if needed, then fetch the
        inbox.  Offline: keeps everything pending and says so; nothing stored is lost."""
        if self.client is None or self.notifier is None or not self.settings.onboarded:
            return []
        async with self._sync_lock:
            try:
                await self._register()
                new = await self._fetch()
            except BackendUnavailable as exc:
                log.info("backend unavailable: %s", exc)
                changed = self.sync_state.online is not False
                self.sync_state = SyncState(False, self.t("Offline: will try again later"), str(exc))
                if changed:
                    self.notify("sync")
                return []
            except BackendError as exc:
                log.warning("backend error: %s", exc)
                if exc.status == 401:  # the server forgot this device: register afresh next time
                    self.settings.device_id = self.settings.device_secret = None
                    self.settings.synced_subscription = None
                    self.settings.synced_locale = None
                    self.settings.synced_city = None
                    self.settings.registration_pending = True
                    await self.save()
                self.sync_state = SyncState(
                    False, self.t("The server refused the request: {reason}", reason=exc.message), str(exc)
                )
                self.notify("sync")
                return []
            before = (self.last_sync_text(), self.sync_state.online)
            self.settings.last_sync = self.clock.utcnow().isoformat(timespec="seconds")
            await self.save()
            self.sync_state = SyncState(True, self.t("Connected"))
            if (self.last_sync_text(), True) != before:
                self.notify("sync")
            return new

    async def _register(self) -> None:
        s = self.settings
        assert self.client is not None and self.notifier is not None
        if self._creds() is None:
            s.registration_pending = True
            s.push_token = self.notifier.push_token(s.push_token)
            await self.save()
            creds = await self.client.register_device(
                DeviceRegistration(
                    push_token=s.push_token,
                    platform=self.notifier.platform,
                    locale=self.language.replace("_", "-"),
                    timezone=self.repo.city.timezone,
                    app_version=APP_VERSION,
                    city=self.repo.city.slug,
                )
            )
            s.device_id, s.device_secret = creds.id, creds.secret
            s.synced_subscription = None
            s.synced_locale = self.language
            s.synced_city = self.repo.city.slug
            await self.save()
        if s.synced_locale != self.language:  # reminders are rendered in the device's language
            await self.client.patch_device(self._creds(), locale=self.language.replace("_", "-"))
            s.synced_locale = self.language
        if s.synced_city != self.repo.city.slug:  # its city's announcements and alerts reach it
            await self.client.patch_device(self._creds(), city=self.repo.city.slug)
            s.synced_city = self.repo.city.slug
            await self.save()
        desired = self.desired_subscription()
        if desired != s.synced_subscription:
            s.registration_pending = True
            if desired is not None:
                await self.client.put_garbage_subscription(self._creds(), GarbageSubscription(**desired))
            else:
                await self.client.delete_garbage_subscription(self._creds())
            s.synced_subscription = desired
        s.registration_pending = False
        await self.save()

    async def _fetch(self) -> list[InboxItem]:
        assert self.notifier is not None
        items = await self.notifier.fetch(self._creds())
        s = self.settings
        seen = set(s.seen_inbox_ids)
        new = [i for i in items if i.id not in seen]
        if not new:
            return []
        new.sort(key=lambda i: i.created_at)
        s.seen_inbox_ids.extend(i.id for i in new)
        known = {n.get("id") for n in s.notifications}
        s.notifications = [i.to_json() for i in reversed(new) if i.id not in known] + s.notifications
        self.banners.extend(new)
        self.notify("notifications")
        return new

    async def sync_forever(self, stop: asyncio.Event | None = None) -> None:
        """Poll every ``config.poll_seconds`` until ``stop`` is set (runs on the page's loop)."""
        stop = stop or asyncio.Event()
        try:
            while not stop.is_set():
                try:
                    await self.sync()
                except Exception:  # never let the poller die silently
                    log.exception("sync failed")
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.config.poll_seconds)
                except TimeoutError:
                    pass
        finally:
            if self.client is not None:
                await self.client.aclose()

    def registration_text(self) -> str:
        s = self.settings
        if not s.onboarded:
            return ""
        if s.registration_pending or not s.device_id:
            return self.t("Reminders not yet registered with the server; will retry when online")
        return self.t("Registered for notifications")
