"""Notification list and the sections still to come."""

from __future__ import annotations

import flet as ft

from app.viewmodels.routes import Route
from app.views.widgets import S, card, notice_tile, text
from core.i18n import N_

SECTIONS = {
    "/handbook": (N_("Handbook"), N_("The mother-and-child handbook")),
    "/city": (N_("City"), N_("City information and open data")),
}


def build_notifications(shell, r: Route) -> ft.View:
    t = shell.vm.t
    shell.vm.banners.clear()  # the list shows them all
    notices = shell.vm.notices()
    controls: list[ft.Control] = [shell.sync_slot()]
    if notices:
        controls += [card(notice_tile(n)) for n in notices]
    else:
        controls.append(text(t("No notices yet."), S.BODY_LARGE))
    return ft.View(
        route=r.url,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        appbar=shell.appbar(t("Notifications"), actions=False),
        controls=controls,
        scroll=ft.ScrollMode.AUTO,
        padding=12,
    )


def build_coming_soon(shell, r: Route) -> ft.View:
    t = shell.vm.t
    title, what = SECTIONS[r.path]
    return ft.View(
        route=r.url,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        appbar=shell.appbar(t(title)),
        navigation_bar=shell.navigation_bar(r),
        padding=12,
        scroll=ft.ScrollMode.AUTO,
        controls=[
            shell.banner_slot(),
            card(
                ft.Icon(ft.Icons.CONSTRUCTION, size=40, color=ft.Colors.PRIMARY),
                text(t(what), S.TITLE_MEDIUM, weight=ft.FontWeight.BOLD),
                text(t("Coming soon: this section is not built yet."), S.BODY_LARGE),
            ),
        ],
    )
