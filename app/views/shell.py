"""The shell: routing (deep links, Back), bottom navigation, theme, banners.

Every route change rebuilds ``page.views`` from the route's stack (see
``app.viewmodels.routes``), so a deep link opens with a working Back button and a
language switch re-renders every visible text without a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import flet as ft

from app.viewmodels.app import AppViewModel
from app.viewmodels.garbage import GarbageViewModel, SearchViewModel
from app.viewmodels.onboarding import OnboardingViewModel
from app.viewmodels.routes import TABS, Route, parse_route, stack
from app.views import a11y, garbage, handbook, home, misc, onboarding, pay, settings
from app.views import city as city_view  # City tab, tourist mode, Home feed, city bundles (#11)
from app.views import disaster as disaster_view  # disaster mode, alerts (#12)
from app.views.theme import build_theme, nav_label_size
from app.views.widgets import alert_box, icon_button

log = logging.getLogger("machi.app")
# Screens drawn from the city's data (garbage calendar, Home, City, Settings' data version).
BUNDLE_ROUTES = ("/", "/garbage", "/garbage/search", "/garbage/item", "/settings", "/city", "/disaster")
FileSaver = Callable[[str, bytes, str], Awaitable[str | None]]


class Shell:
    def __init__(self, page: ft.Page, vm: AppViewModel, save_file: FileSaver):
        self.page = page
        self.vm = vm
        self.save_file = save_file
        self.garbage = GarbageViewModel(vm)
        self.search = SearchViewModel(vm)
        self.onboarding: OnboardingViewModel | None = None
        self.route = Route("/")
        self.banner_slots: list[ft.Container] = []
        self.sync_slots: list[ft.Text] = []
        self._shown: list[str] = []  # urls of the views on screen
        self._building: Route | None = None  # the route whose view is being built (see appbar)
        self._rendered_language = vm.language
        self.focus_key: str | None = None  # the control to focus after the next re-render (see wants_focus)
        self.announcer = ft.SemanticsService()  # spoken announcements (step changes, selections)
        vm.subscribe(self._on_vm_change)
        city_view.attach(self)
        disaster_view.attach(self)

    # ------------------------------------------------------------------ navigation
    def start(self) -> None:
        self.page.on_route_change = self._on_route_change
        self.page.on_view_pop = self._on_view_pop
        self.apply_theme()
        self.render()

    def go(self, url: str) -> None:
        self.page.navigate(url)

    def go_to_data_period(self) -> None:
        """Open the calendar on a month the city's garbage data covers."""
        self.garbage.go_to_data_period()
        self.go(f"/garbage?month={self.garbage.month:%Y-%m}")

    def restart_onboarding(self) -> None:
        async def go():
            await self.vm.restart_onboarding()
            self.onboarding = None
            self.go("/onboarding")

        self.run(go())

    def _on_route_change(self, e: ft.RouteChangeEvent) -> None:
        self.render()

    async def _on_view_pop(self, e: ft.ViewPopEvent | None = None) -> None:
        routes = stack(self.route)
        target = routes[-2].url if len(routes) > 1 else "/"
        await self.page.push_route(target)

    def apply_theme(self) -> None:
        scale = self.vm.settings.text_scale
        labels = [label for _, _, label in self._tabs()]
        key = (scale, self.page.width, tuple(labels))
        if key == getattr(self, "_theme_key", None):
            return  # a new theme object makes Flutter rebuild every screen: only when it changes
        self._theme_key = key
        self.page.theme = build_theme(scale, nav_label_size(scale, self.page.width or 360, labels))
        self.page.theme_mode = ft.ThemeMode.LIGHT

    def _tabs(self) -> list[tuple[ft.IconData, ft.IconData, str]]:
        t = self.vm.t
        return [
            (ft.Icons.HOME_OUTLINED, ft.Icons.HOME, t("Home")),
            (ft.Icons.DELETE_OUTLINE, ft.Icons.DELETE, t("Garbage")),
            (ft.Icons.MENU_BOOK_OUTLINED, ft.Icons.MENU_BOOK, t("Handbook")),
            (ft.Icons.PAYMENTS_OUTLINED, ft.Icons.PAYMENTS, t("Pay")),
            (ft.Icons.LOCATION_CITY_OUTLINED, ft.Icons.LOCATION_CITY, t("City")),
        ]

    def render(self, force: bool = False) -> None:
        """Show the current route.  Unchanged routes are not rebuilt (unless ``force``), so a
        route event that only confirms what is on screen never resets a field being typed in."""
        route = parse_route(self.page.route)
        if self.vm.needs_onboarding and route.path != "/onboarding" and not city_view.is_tourist(route):
            self.route = Route("/onboarding")
            self._build([self.route], force)
            self.go("/onboarding")
            return
        if route.path == "/onboarding" and self.onboarding is None:
            self.onboarding = OnboardingViewModel(self.vm)
        if route.path == "/garbage" and "month" in route.params:
            self.garbage.set_month_param(route.params["month"])
        if route.path == "/garbage/search" and route.params.get("q", "") != self.search.query:
            self.search.set_query(route.params.get("q", ""))
        self.route = route
        self._build(stack(route), force)

    def _build(self, routes: list[Route], force: bool = False) -> None:
        urls = [r.url for r in routes]
        if urls == self._shown and not force:
            return
        same_screens = urls == self._shown and len(self.page.views) == len(routes)
        self._shown = urls
        self.banner_slots = []
        self.sync_slots = []
        self.page.title = self.vm.t("Machi")
        # the page's <html lang> (Flutter sets it from the app's locale) and Flutter's own strings
        self.page.locale_configuration = a11y.locale_configuration(self.vm.language)
        self.apply_theme()  # the tab labels' size depends on the language
        fresh = []
        for i, r in enumerate(routes):
            self._building = r if i > 0 else None  # a view above another gets a Back button
            fresh.append(self.build_view(r))
        self._building = None
        if same_screens:
            # The same screens re-rendered (a language, text size or selection change): the views
            # are updated in place.  A replaced view runs a Flutter route transition that drops the
            # keyboard focus and can swallow the next input event.
            for view, new in zip(self.page.views, fresh, strict=True):
                a11y.refill(view, new)
        else:
            self.focus_key = None  # another screen: Flutter focuses nothing, a keyboard starts anew
            self.page.views.clear()
            self.page.views.extend(fresh)
        self.page.update()

    def refresh(self, focus: str | None = None) -> None:
        """Re-render the current screen in place; ``focus`` names the control that gets the
        keyboard focus afterwards (see ``wants_focus``), so the user's place is kept."""
        self.focus_key = focus
        self.render(force=True)

    def wants_focus(self, key: str) -> bool:
        """True for the control a re-render must focus (builders pass it as ``autofocus``)."""
        return self.focus_key is not None and self.focus_key == key

    def announce(self, message: str) -> None:
        """Have screen readers speak ``message`` (a step change, a selection) politely."""
        self.run(self.announcer.announce_message(message))

    def build_view(self, r: Route) -> ft.View:
        builders = {
            "/": home.build,
            "/garbage": garbage.build,
            "/garbage/search": garbage.build_search,
            "/garbage/item": garbage.build_item,
            "/settings": settings.build,
            "/notifications": misc.build_notifications,
            "/onboarding": onboarding.build,
            "/handbook": handbook.build,
            "/pay": pay.build,
            "/pay/slip": pay.build_slip,
            "/city": city_view.build,
            "/disaster": disaster_view.build,
            "/alerts": disaster_view.build_history,
        }
        return builders[r.path](self, r)

    def navigation_bar(self, r: Route) -> ft.NavigationBar:
        items = self._tabs()
        return ft.NavigationBar(
            selected_index=TABS.index(r.path) if r.path in TABS else 0,
            label_behavior=ft.NavigationBarLabelBehavior.ALWAYS_SHOW,
            # the label is always shown: no tooltip (it would linger over the screen after a tap)
            destinations=[
                ft.NavigationBarDestination(icon=i, selected_icon=s, label=label, tooltip="")
                for i, s, label in items
            ],
            on_change=lambda e: self.go(TABS[e.control.selected_index]),
        )

    def appbar(self, title: str, *, actions: bool = True) -> ft.AppBar:
        t = self.vm.t
        acts: list[ft.Control] = []
        if actions:
            count = len(self.vm.banners)
            bell = icon_button(
                ft.Icons.NOTIFICATIONS_OUTLINED,
                t("Notifications") + (f" ({count})" if count else ""),
                lambda e: self.go("/notifications"),
                badge=str(count) if count else None,
            )
            acts = [
                bell,
                icon_button(ft.Icons.SETTINGS_OUTLINED, t("Settings"), lambda e: self.go("/settings")),
            ]
        # Back is ours, not Flutter's implied button, so its spoken name and tooltip are translated
        leading = (
            icon_button(ft.Icons.ARROW_BACK, t("Back"), self._on_view_pop)
            if self._building is not None
            else None
        )
        return ft.AppBar(
            title=a11y.screen_title(title, self.title_size(title, len(acts), leading is not None)),
            actions=acts,
            leading=leading,
            automatically_imply_leading=False,
        )

    def title_size(self, title: str, actions: int = 0, back: bool = False) -> float:
        """The app-bar title's size: the theme's, or smaller when it would be cut off."""
        room = (self.page.width or 360) - (72 if back else 16) - 48 * actions - 16
        return a11y.fitting_size(22 * self.vm.settings.text_scale, room, [title])

    def label_size(self, texts: list[str], chrome: float = 110) -> float:
        """Radio and checkbox labels: the text size, or smaller when the longest would be cut off."""
        room = (self.page.width or 360) - chrome
        return a11y.fitting_size(16 * self.vm.settings.text_scale, room, texts)

    # ------------------------------------------------------------------ banners
    def banner_slot(self) -> ft.Container:
        slot = ft.Container()
        self._fill_banner(slot)
        self.banner_slots.append(slot)
        return slot

    def sync_slot(self, style: ft.TextThemeStyle = ft.TextThemeStyle.BODY_MEDIUM) -> ft.Text:
        """The "last synced / offline" line, kept current without rebuilding the screen."""
        slot = ft.Text(self.sync_text(), theme_style=style, color=ft.Colors.ON_SURFACE_VARIANT)
        self.sync_slots.append(slot)
        return slot

    def sync_text(self) -> str:
        parts = [self.vm.last_sync_text()]
        if self.vm.sync_state.online is False:
            parts.append(self.vm.sync_state.message)
        if self.vm.registration_text() and self.vm.settings.registration_pending:
            parts.append(self.vm.registration_text())
        return " · ".join(parts)

    def _fill_banner(self, slot: ft.Container) -> None:
        n = self.vm.banner()
        slot.content = alert_box(n, self.vm.t("Dismiss"), lambda e: self.vm.dismiss_banner()) if n else None
        slot.visible = n is not None

    def _on_vm_change(self, what: str) -> None:
        try:
            if what == "language" or what == "all" or self.vm.language != self._rendered_language:
                self._rendered_language = self.vm.language
                self.render(force=True)
            elif what == "bundle":
                # New city data: redraw the screens that show it.  Others (a form being typed in,
                # the Pay tab, onboarding) keep their controls and read the new data next time.
                if self.route.path in BUNDLE_ROUTES:
                    self.render(force=True)
            elif what == "theme":
                self.apply_theme()
                self.render(force=True)
            elif what == "notifications" and self.route.path in ("/", "/notifications"):
                self.render(force=True)  # the feed and the list show the new items
            elif what in ("notifications", "banner", "sync"):
                for slot in self.banner_slots:
                    self._fill_banner(slot)
                for text in self.sync_slots:
                    text.value = self.sync_text()
                self.page.update()
        except Exception:
            log.exception("re-render after %s failed", what)

    # ------------------------------------------------------------------ helpers for screens
    def run(self, coro: Awaitable) -> None:
        """Run a view-model coroutine from a click handler, logging failures."""

        async def wrapped():
            try:
                await coro
            except Exception:
                log.exception("action failed")

        asyncio.create_task(wrapped())

    def snack(self, message: str) -> None:
        self.page.show_dialog(
            ft.SnackBar(ft.Text(message), show_close_icon=True, close_icon_color=ft.Colors.ON_INVERSE_SURFACE)
        )
