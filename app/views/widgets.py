"""Small building blocks shared by the screens (Flet controls only)."""

from __future__ import annotations

import flet as ft

from app.viewmodels.app import Chip, DayCard, Notice
from app.views.theme import category_icon

S = ft.TextThemeStyle


def text(value: str, style: ft.TextThemeStyle = S.BODY_LARGE, **kw) -> ft.Text:
    return ft.Text(value, theme_style=style, **kw)


def heading(value: str, style: ft.TextThemeStyle = S.TITLE_LARGE) -> ft.Control:
    return ft.Semantics(header=True, content=ft.Text(value, theme_style=style, weight=ft.FontWeight.BOLD))


def chip(c: Chip, *, style: ft.TextThemeStyle = S.LABEL_LARGE) -> ft.Control:
    """A category: its colour AND icon AND name (the name is what screen readers read)."""
    label = c.name + (f" ({c.moved_from})" if c.moved_from else "")
    return ft.Container(
        bgcolor=c.bg,
        border_radius=8,
        padding=ft.Padding.symmetric(horizontal=10, vertical=6),
        content=ft.Row(
            tight=True,
            spacing=6,
            wrap=True,
            controls=[
                ft.Icon(category_icon(c.icon), color=c.fg, size=20),
                ft.Text(label, theme_style=style, color=c.fg, weight=ft.FontWeight.W_600),
            ],
        ),
    )


def chip_icon(c: Chip, size: int = 14) -> ft.Control:
    """Compact form for the month grid (the cell's label carries the names)."""
    return ft.Container(
        bgcolor=c.bg,
        border_radius=6,
        padding=2,
        content=ft.Icon(category_icon(c.icon), color=c.fg, size=size),
    )


def icon_button(
    icon: ft.IconData, label: str, on_click, *, color: str | None = None, badge: str | None = None
) -> ft.IconButton:
    """An icon button with a spoken name (the icon's semantics label) and a tooltip."""
    return ft.IconButton(
        icon=ft.Icon(icon, semantics_label=label, color=color), tooltip=label, badge=badge, on_click=on_click
    )


def card(*controls: ft.Control, padding: int = 14, bgcolor: str | None = None) -> ft.Control:
    return ft.Card(
        semantic_container=False,  # keep each text its own node (headings stay headings)
        content=ft.Container(
            padding=padding,
            bgcolor=bgcolor,
            border_radius=12,
            content=ft.Column(controls=list(controls), spacing=8, tight=True),
        ),
    )


def day_card(c: DayCard) -> ft.Control:
    body: list[ft.Control] = [
        ft.Row(
            wrap=True,
            spacing=8,
            controls=[
                text(c.title, S.TITLE_LARGE, weight=ft.FontWeight.BOLD),
                text(c.day_text, S.TITLE_MEDIUM),
            ],
        ),
    ]
    if c.chips:
        body.append(ft.Row(wrap=True, spacing=8, run_spacing=8, controls=[chip(x) for x in c.chips]))
    else:
        body.append(text(c.empty_text, S.BODY_LARGE, italic=True))
    if c.unconfirmed:
        body.append(unconfirmed(c.unconfirmed))
    return card(*body)


def unconfirmed(note: str, style: ft.TextThemeStyle = S.BODY_MEDIUM) -> ft.Control:
    """ "not confirmed": an icon AND the words (outside the period the city's data covers)."""
    return ft.Row(
        tight=True,
        spacing=4,
        wrap=True,
        controls=[
            ft.Icon(ft.Icons.HELP_OUTLINE, size=18, color="#5c3b00"),
            ft.Text(note, theme_style=style, color="#5c3b00", italic=True),
        ],
    )


def warning(message: str, action: ft.Control | None = None) -> ft.Control:
    controls: list[ft.Control] = [
        ft.Row(
            spacing=8,
            vertical_alignment=ft.CrossAxisAlignment.START,
            controls=[
                ft.Icon(ft.Icons.WARNING_AMBER, color="#5c3b00", semantics_label=None),
                ft.Text(message, theme_style=S.BODY_LARGE, color="#3d2800", expand=True),
            ],
        )
    ]
    if action:
        controls.append(action)
    return ft.Semantics(
        live_region=True,
        container=True,
        content=ft.Container(
            bgcolor="#fff4d6",
            border=ft.Border.all(1, "#b07d00"),
            border_radius=10,
            padding=12,
            content=ft.Column(controls=controls, spacing=8, tight=True),
        ),
    )


def notice_tile(n: Notice) -> ft.Control:
    return ft.Container(
        padding=ft.Padding.symmetric(vertical=6),
        content=ft.Column(
            spacing=2,
            tight=True,
            controls=[
                text(n.title, S.TITLE_MEDIUM, weight=ft.FontWeight.BOLD),
                text(n.body, S.BODY_LARGE),
                text(n.when, S.BODY_SMALL, color=ft.Colors.ON_SURFACE_VARIANT),
            ],
        ),
    )


def alert_box(n: Notice, dismiss_label: str | None = None, on_dismiss=None) -> ft.Control:
    """Alerts (disaster) are red; new notifications are blue; both live regions."""
    bg, fg, icon = (
        ("#8c1d18", "#ffffff", ft.Icons.CAMPAIGN)
        if n.is_alert
        else ("#dbe9f7", "#0b2a45", ft.Icons.NOTIFICATIONS)
    )
    row: list[ft.Control] = [
        ft.Icon(icon, color=fg),
        ft.Column(
            expand=True,
            spacing=2,
            tight=True,
            controls=[
                ft.Text(n.title, theme_style=S.TITLE_MEDIUM, color=fg, weight=ft.FontWeight.BOLD),
                ft.Text(n.body, theme_style=S.BODY_LARGE, color=fg),
            ],
        ),
    ]
    if on_dismiss is not None:
        row.append(icon_button(ft.Icons.CLOSE, dismiss_label or "", on_dismiss, color=fg))
    return ft.Semantics(
        live_region=True,
        container=True,
        content=ft.Container(
            bgcolor=bg,
            border_radius=10,
            padding=12,
            content=ft.Row(controls=row, vertical_alignment=ft.CrossAxisAlignment.START),
        ),
    )
