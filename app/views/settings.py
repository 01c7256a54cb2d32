"""Settings: language, text size, area and reminders (set-up again), sync status, date override."""

from __future__ import annotations

import flet as ft

from app.services.settings import TEXT_SCALES
from app.viewmodels.routes import Route
from app.views import city as city_view
from app.views.theme import text_style
from app.views.widgets import S, card, heading, text


def build(shell, r: Route) -> ft.View:
    vm, t = shell.vm, shell.vm.t
    label = text_style(vm.settings.text_scale)

    # An arrow key in a radio group chooses the next radio at once, and the screen is drawn again
    # (new language, new text size): focus goes back to the radio just chosen.
    async def language(e):
        shell.focus_key = f"language:{e.control.value}"
        await vm.set_language(e.control.value)

    async def scale(e):
        shell.focus_key = f"scale:{e.control.value}"
        await vm.set_text_scale(float(e.control.value))

    override = ft.TextField(
        label=t("Date override (YYYY-MM-DD)"),
        value=vm.settings.date_override or "",
        text_style=label,
        width=260 * min(vm.settings.text_scale, 1.4),
    )

    async def apply_override(e):
        err = await vm.set_date_override(override.value or "")
        if err:
            override.error = err
            override.update()

    async def sync_now(e):
        await vm.sync()

    area = vm.area
    controls: list[ft.Control] = [
        shell.banner_slot(),
        card(heading(t("Language"), S.TITLE_MEDIUM), language_group(shell, vm.language, language)),
        card(heading(t("Text size"), S.TITLE_MEDIUM), text_size_group(shell, scale)),
        card(
            heading(t("Area and reminders"), S.TITLE_MEDIUM),
            text(
                t("Your area: {area}", area=vm.area_label(area)) if area else t("No area chosen"),
                S.BODY_LARGE,
            ),
            text(vm.reminder_description(), S.BODY_LARGE),
            ft.OutlinedButton(
                t("Set up again"), icon=ft.Icons.RESTART_ALT, on_click=lambda e: shell.restart_onboarding()
            ),
        ),
        card(
            heading(t("Connection"), S.TITLE_MEDIUM),
            shell.sync_slot(S.BODY_LARGE),
            *([text(vm.registration_text(), S.BODY_LARGE)] if vm.registration_text() else []),
            ft.OutlinedButton(t("Sync now"), icon=ft.Icons.SYNC, on_click=sync_now),
        ),
        *([demo_date(shell, override, apply_override)] if vm.demo_mode else []),
        card(
            heading(t("About the data"), S.TITLE_MEDIUM),
            text(
                t(
                    "Garbage data: {city}, valid {start} to {end}.",
                    city=vm.repo.city.name(vm.language),
                    start=t.long_day(vm.repo.validity.start) if vm.repo.validity.start else "…",
                    end=t.long_day(vm.repo.validity.end) if vm.repo.validity.end else "…",
                ),
                S.BODY_MEDIUM,
            ),
        ),
        *city_view.settings_section(shell),  # interests for Home, city data version and period
    ]
    return ft.View(
        route=r.url,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        appbar=shell.appbar(t("Settings"), actions=False),
        controls=controls,
        scroll=ft.ScrollMode.AUTO,
        padding=12,
    )


def language_group(shell, value: str, on_change) -> ft.Control:
    """The languages as a named radio group (each radio in its own language); after a re-render
    the radio just chosen asks for the focus (``shell.focus_key``)."""
    choices = shell.vm.language_choices()
    # a radio's label does not wrap: at large sizes on a narrow phone the names get just smaller
    label = text_style(1.0, shell.label_size([name for _, name in choices]))
    return ft.Semantics(
        container=True,
        label=shell.vm.t("Language"),
        content=ft.RadioGroup(
            value=value,
            on_change=on_change,
            content=ft.Column(
                spacing=0,
                controls=[
                    ft.Radio(
                        value=lang,
                        label=name,
                        label_style=label,
                        autofocus=shell.wants_focus(f"language:{lang}"),
                    )
                    for lang, name in choices
                ],
            ),
        ),
    )


def text_size_group(shell, on_change) -> ft.Control:
    """The text sizes as a named radio group (Settings and the first step of the set-up)."""
    label = text_style(shell.vm.settings.text_scale)
    return ft.Semantics(
        container=True,
        label=shell.vm.t("Text size"),
        content=ft.RadioGroup(
            value=str(shell.vm.settings.text_scale),
            on_change=on_change,
            content=ft.Row(
                wrap=True,
                spacing=8,
                controls=[
                    ft.Radio(
                        value=str(s),
                        label=f"{round(s * 100)}%",
                        label_style=label,
                        autofocus=shell.wants_focus(f"scale:{s}"),
                    )
                    for s in TEXT_SCALES
                ],
            ),
        ),
    )


def demo_date(shell, override: ft.TextField, apply_override) -> ft.Control:
    """Pinning "today": for demos and tests only (MACHI_TODAY set), never shown to residents."""
    t = shell.vm.t
    return card(
        heading(t("Demo date"), S.TITLE_MEDIUM),
        text(
            t(
                "Pin “today” to a date, e.g. inside the period the garbage data covers. Leave empty for the "
                "real date."
            ),
            S.BODY_MEDIUM,
        ),
        override,
        ft.OutlinedButton(t("Apply"), on_click=apply_override),
    )
