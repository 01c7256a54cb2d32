"""Home feed: today/tomorrow, upcoming reminders, latest notices, the alert banner."""

from __future__ import annotations

import flet as ft

from app.viewmodels.routes import Route
from app.views import city as city_view
from app.views import disaster as disaster_view
from app.views.widgets import S, alert_box, card, day_card, heading, notice_tile, text, warning


def build(shell, r: Route) -> ft.View:
    vm, t = shell.vm, shell.vm.t
    feed = vm.home_feed()
    controls: list[ft.Control] = [shell.banner_slot()]
    controls.extend(disaster_view.home_alerts(shell))  # every alert in force (#12)
    if feed.alert:
        controls.append(alert_box(feed.alert))
    if feed.validity_warning:
        controls.append(
            warning(
                feed.validity_warning,
                ft.TextButton(
                    t("Show the months the data covers"), on_click=lambda e: shell.go_to_data_period()
                ),
            )
        )
    controls.extend(warning(note) for note in feed.unreadable)
    if feed.area_name:
        controls.append(text(t("Your area: {area}", area=feed.area_name), S.TITLE_MEDIUM))
        controls.extend(day_card(c) for c in feed.cards)
    else:
        controls.append(
            card(
                text(t("Choose your area to see your collection days."), S.BODY_LARGE),
                ft.FilledButton(
                    t("Set up"), icon=ft.Icons.PLACE, on_click=lambda e: shell.restart_onboarding()
                ),
            )
        )
    controls.append(
        card(
            heading(t("Upcoming reminders"), S.TITLE_MEDIUM),
            *(
                [text(x, S.BODY_LARGE) for x in feed.reminders]
                or [text(vm.reminder_description(), S.BODY_LARGE)]
            ),
        )
    )
    controls.append(
        card(
            heading(t("Latest notices"), S.TITLE_MEDIUM),
            *([notice_tile(n) for n in feed.notices] or [text(t("No notices yet."), S.BODY_LARGE)]),
            ft.TextButton(t("All notifications"), on_click=lambda e: shell.go("/notifications")),
        )
    )
    controls.extend(city_view.home_section(shell))  # the curated feed from the interests in Settings
    controls.append(shell.sync_slot())
    return ft.View(
        route=r.url,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        appbar=shell.appbar(t("Machi")),
        navigation_bar=shell.navigation_bar(r),
        scroll=ft.ScrollMode.AUTO,
        controls=controls,
        padding=12,
    )
