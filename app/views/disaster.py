"""Disaster mode (Flet): the full-screen card in the JMA level colours, alerts on Home, the history.

``attach(shell)`` gives the shell its ``DisasterViewModel``; the card opens by itself (route
``/disaster``) when an alert of level 3 or more is in force and its level was not dismissed.
"""

from __future__ import annotations

import asyncio
import logging

import flet as ft

from app.viewmodels.disaster import AlertRow, DisasterViewModel
from app.viewmodels.routes import Route
from app.views.widgets import S, card, heading, text

log = logging.getLogger("machi.app")


def attach(shell) -> None:
    """Create the view model, fetch the alerts now and whenever new notifications arrive."""
    shell.disaster = DisasterViewModel(shell.vm, getattr(shell, "city", None))

    async def refresh_and_show() -> None:
        await shell.disaster.refresh()
        path = shell.route.path
        if shell.disaster.card() is not None and path not in ("/disaster", "/onboarding"):
            shell.go("/disaster")
        elif path in ("/", "/disaster", "/alerts"):
            shell.render(force=True)

    def on_change(what: str) -> None:
        if what in ("notifications", "language"):
            shell.run(refresh_and_show())

    shell.vm.subscribe(on_change)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return  # no event loop (tests building views): the first notification fetches
    shell.run(refresh_and_show())


def alert_tile(a: AlertRow) -> ft.Control:
    """One alert: its level written out (never colour alone), headline, what to do, source."""
    parts = [p for p in (a.drill, a.level_text) if p]
    lines: list[ft.Control] = []
    if parts:
        lines.append(text(" · ".join(parts), S.LABEL_LARGE, weight=ft.FontWeight.BOLD))
    lines.append(
        ft.Semantics(header=True, content=text(a.headline, S.TITLE_MEDIUM, weight=ft.FontWeight.BOLD))
    )
    lines.append(text(a.instruction, S.BODY_LARGE))
    lines.append(text(" ".join(x for x in (a.when, a.source) if x), S.BODY_SMALL))
    return ft.Semantics(container=True, content=ft.Column(lines, spacing=4, tight=True))


def home_alerts(shell) -> list[ft.Control]:
    """Every alert in force, for Home (nothing when none)."""
    d: DisasterViewModel | None = getattr(shell, "disaster", None)
    if d is None or not d.active_rows():
        return []
    t = shell.vm.t
    return [
        card(
            heading(t("Alerts in force"), S.TITLE_MEDIUM),
            *[alert_tile(a) for a in d.active_rows()],
            ft.TextButton(t("Past alerts"), on_click=lambda e: shell.go("/alerts")),
        )
    ]


def build(shell, r: Route) -> ft.View:
    """The full-screen card (or the alerts in force when the card was dismissed)."""
    d: DisasterViewModel = shell.disaster
    t = shell.vm.t
    c = d.card()
    if c is None:
        rows = [alert_tile(a) for a in d.active_rows()] or [text(t("No alert in force."), S.BODY_LARGE)]
        return ft.View(
            route=r.url,
            appbar=shell.appbar(t("Alerts in force")),
            scroll=ft.ScrollMode.AUTO,
            padding=12,
            controls=[*rows, ft.TextButton(t("Past alerts"), on_click=lambda e: shell.go("/alerts"))],
        )
    fg = c.foreground
    a = c.alert

    def dismiss(e) -> None:
        d.dismiss()
        shell.go("/")

    async def my_position(e) -> None:
        try:
            import flet_geolocator as fg

            pos = await fg.Geolocator().get_current_position()
            d.set_position(pos.latitude, pos.longitude)
            shell.render(force=True)
        except Exception as exc:  # noqa: BLE001 - no permission, no GPS, unsupported platform: the centre stays
            log.info("no position for the disaster card: %s", exc)

    level_line = " · ".join(x for x in (a.drill, a.level_text) if x)
    shelters: list[ft.Control] = [
        ft.Semantics(
            header=True,
            content=ft.Text(
                t("Nearest open shelters, {origin}", origin=c.origin),
                theme_style=S.TITLE_MEDIUM,
                color=fg,
                weight=ft.FontWeight.BOLD,
            ),
        )
    ]
    shelters += [
        ft.Semantics(
            container=True,
            content=ft.Row(
                [
                    ft.Icon(ft.Icons.HOUSE, color=fg),
                    ft.Text(s.label, theme_style=S.BODY_LARGE, color=fg, expand=True),
                ]
            ),
        )
        for s in c.shelters
    ] or [ft.Text(c.empty, theme_style=S.BODY_LARGE, color=fg)]
    note = d.offline_note()
    body: list[ft.Control] = [
        ft.Semantics(
            live_region=True,
            container=True,
            content=ft.Column(
                tight=True,
                spacing=8,
                controls=[
                    ft.Text(level_line, theme_style=S.DISPLAY_SMALL, color=fg, weight=ft.FontWeight.BOLD),
                    ft.Semantics(
                        header=True,
                        content=ft.Text(
                            a.headline, theme_style=S.HEADLINE_SMALL, color=fg, weight=ft.FontWeight.BOLD
                        ),
                    ),
                    ft.Text(a.instruction, theme_style=S.TITLE_MEDIUM, color=fg),
                ],
            ),
        ),
        *([ft.Text(note, theme_style=S.BODY_MEDIUM, color=fg)] if note else []),
        ft.Container(
            border=ft.Border.all(2, fg),
            border_radius=12,
            padding=12,
            content=ft.Column(shelters, spacing=8, tight=True),
        ),
        ft.Text(" ".join(x for x in (a.when, a.source) if x), theme_style=S.BODY_SMALL, color=fg),
        ft.Row(
            wrap=True,
            spacing=8,
            controls=[
                ft.FilledButton(
                    t("Close"),
                    icon=ft.Icons.CLOSE,
                    on_click=dismiss,
                    style=ft.ButtonStyle(bgcolor=fg, color=c.background),
                ),
                ft.OutlinedButton(
                    t("Use my position"),
                    icon=ft.Icons.MY_LOCATION,
                    on_click=my_position,
                    style=ft.ButtonStyle(color=fg, side=ft.BorderSide(2, fg)),
                ),
                ft.OutlinedButton(
                    t("Past alerts"),
                    on_click=lambda e: shell.go("/alerts"),
                    style=ft.ButtonStyle(color=fg, side=ft.BorderSide(2, fg)),
                ),
            ],
        ),
    ]
    return ft.View(
        route=r.url,
        bgcolor=c.background,
        scroll=ft.ScrollMode.AUTO,
        padding=16,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        controls=body,
    )


def build_history(shell, r: Route) -> ft.View:
    d: DisasterViewModel = shell.disaster
    t = shell.vm.t
    rows = [card(alert_tile(a)) for a in d.history()] or [text(t("No alerts yet."), S.BODY_LARGE)]
    return ft.View(
        route=r.url,
        appbar=shell.appbar(t("Past alerts")),
        scroll=ft.ScrollMode.AUTO,
        padding=12,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        controls=rows,
    )
