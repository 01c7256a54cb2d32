"""Onboarding: language -> area -> reminder, then registration (skippable)."""

from __future__ import annotations

import flet as ft

from app.viewmodels.onboarding import OnboardingViewModel
from app.viewmodels.routes import Route
from app.views.theme import text_style
from app.views.widgets import S, heading, text


def build(shell, r: Route) -> ft.View:
    if shell.onboarding is None:
        shell.onboarding = OnboardingViewModel(shell.vm)
    ob: OnboardingViewModel = shell.onboarding
    t = shell.vm.t
    body = ft.Column(spacing=12)
    error = ft.Text(ob.error, theme_style=S.BODY_LARGE, color="#8c1d18", visible=bool(ob.error))

    def rerender():
        # A step change updates this view in place.  Replacing the whole view (shell.render) made
        # Flutter run a route transition, and text typed into the next step's field during it
        # could be lost before it reached the app (the flaky onboarding browser test).
        fresh = build(shell, r)
        view.controls = fresh.controls
        view.update()

    def show_error():
        error.value, error.visible = ob.error, bool(ob.error)
        error.update()

    async def next_step(e):
        if ob.is_last:
            if await ob.finish():
                shell.onboarding = None
                shell.go(r.params.get("next") or "/")
                return
            show_error()
        elif ob.next():
            rerender()
        else:
            show_error()

    async def skip(e):
        await ob.skip()
        shell.onboarding = None
        shell.go("/")

    def back(e):
        ob.back()
        rerender()

    if ob.step_name == "language":
        body.controls = _language(shell, ob)
    elif ob.step_name == "area":
        body.controls = _area(shell, ob, show_error)
    else:
        body.controls = _reminder(shell, ob)

    buttons = ft.Row(
        wrap=True,
        spacing=12,
        run_spacing=8,
        controls=[
            *([ft.OutlinedButton(t("Back"), on_click=back)] if ob.step > 0 else []),
            ft.FilledButton(t("Finish") if ob.is_last else t("Next"), on_click=next_step),
            ft.TextButton(t("Skip set-up"), on_click=skip),
        ],
    )
    view = ft.View(
        route=r.url,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        scroll=ft.ScrollMode.AUTO,
        padding=16,
        appbar=ft.AppBar(
            title=ft.Text(t("Welcome to Machi"), theme_style=S.TITLE_LARGE), automatically_imply_leading=False
        ),
        controls=[
            text(ob.progress_text(), S.LABEL_LARGE, color=ft.Colors.ON_SURFACE_VARIANT),
            body,
            error,
            buttons,
        ],
    )
    return view


def _language(shell, ob: OnboardingViewModel) -> list[ft.Control]:
    t = shell.vm.t

    async def changed(e):
        await ob.choose_language(e.control.value)  # re-renders the page in the new language

    return [
        heading(t("Choose your language")),
        ft.RadioGroup(
            value=ob.language,
            on_change=changed,
            content=ft.Column(
                spacing=0,
                controls=[
                    ft.Radio(value=lang, label=name, label_style=text_style(shell.vm.settings.text_scale))
                    for lang, name in shell.vm.language_choices()
                ],
            ),
        ),
    ]


def _area(shell, ob: OnboardingViewModel, show_error) -> list[ft.Control]:
    t = shell.vm.t
    suggestions = ft.Column(spacing=4)
    chosen = text("", S.BODY_LARGE)

    def fill():
        suggestions.controls = [
            ft.OutlinedButton(m.label, on_click=lambda e, i=m.id: pick(i)) for m in ob.suggestions
        ]
        chosen.value = t("Selected: {area}", area=ob.area_name) if ob.area_name else ""
        chosen.visible = bool(ob.area_name)

    def changed(e):
        ob.type_area(e.control.value or "")
        fill()
        suggestions.update()
        chosen.update()

    def pick(area_id: str):
        ob.pick_area(area_id)
        shell.render(force=True)

    fill()
    return [
        heading(t("Where do you live?")),
        text(
            t("Type the name of your town or district (kanji, kana or romaji) and choose it from the list."),
            S.BODY_LARGE,
        ),
        ft.TextField(
            label=t("Area"),
            value=ob.area_query,
            on_change=changed,
            prefix_icon=ft.Icons.PLACE,
            text_style=text_style(shell.vm.settings.text_scale),
        ),
        chosen,
        suggestions,
    ]


def _reminder(shell, ob: OnboardingViewModel) -> list[ft.Control]:
    t = shell.vm.t
    scale = shell.vm.settings.text_scale
    label = text_style(scale)
    time_field = ft.TextField(
        label=ob.time_label(),
        value=ob.time,
        width=220 * min(scale, 1.6),
        on_change=lambda e: ob.set_time(e.control.value or ""),
        text_style=label,
        disabled=ob.reminder == "off",
    )
    checks = ft.Column(
        spacing=0,
        controls=[
            ft.Checkbox(
                label=shell.vm.repo.category_name(c.id, shell.vm.language),
                value=c.id in ob.categories,
                label_style=label,
                disabled=ob.reminder == "off",
                on_change=lambda e, cid=c.id: ob.toggle_category(cid, bool(e.control.value)),
            )
            for c in shell.vm.repo.category_list
        ],
    )

    def mode(e):
        ob.set_reminder(e.control.value)
        shell.render(force=True)

    return [
        heading(t("Garbage day reminders")),
        text(t("We can remind you before each collection day."), S.BODY_LARGE),
        ft.RadioGroup(
            value=ob.reminder,
            on_change=mode,
            content=ft.Column(
                spacing=0,
                controls=[
                    ft.Radio(value="off", label=t("No reminders"), label_style=label),
                    ft.Radio(value="day_before", label=t("The day before"), label_style=label),
                    ft.Radio(value="same_day", label=t("On the day"), label_style=label),
                ],
            ),
        ),
        time_field,
        text(t("Remind me about"), S.TITLE_MEDIUM),
        checks,
    ]
