"""Onboarding: language -> area -> reminder, then registration (skippable)."""

from __future__ import annotations

import flet as ft

from app.viewmodels.onboarding import OnboardingViewModel
from app.viewmodels.routes import Route
from app.views import a11y
from app.views.settings import language_group, text_size_group
from app.views.theme import text_style
from app.views.widgets import S, heading, text

# The control a step change focuses: the first thing to answer on the new step.
STEP_FOCUS = "onboarding:step"


def build(shell, r: Route) -> ft.View:
    if shell.onboarding is None:
        shell.onboarding = OnboardingViewModel(shell.vm)
    ob: OnboardingViewModel = shell.onboarding
    t = shell.vm.t
    body = ft.Column(spacing=12)
    error = ft.Text(ob.error, theme_style=S.BODY_LARGE, color="#8c1d18", visible=bool(ob.error))

    def rerender():
        # A step change updates the view on screen in place (shell.refresh).  A replaced view made
        # Flutter run a route transition, and text typed into the next step's field during it
        # could be lost before it reached the app (the flaky onboarding browser test).  Focus goes
        # to the new step's first control, and the step is announced.
        shell.refresh(focus=STEP_FOCUS)
        shell.announce(f"{ob.progress_text()}: {step_title(shell, ob)}")

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
            ft.FilledButton(
                t("Finish") if ob.is_last else t("Next"),
                on_click=next_step,
                autofocus=shell.wants_focus("onboarding:next"),
            ),
            ft.TextButton(t("Skip set-up"), on_click=skip),
        ],
    )
    view = ft.View(
        route=r.url,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        scroll=ft.ScrollMode.AUTO,
        padding=16,
        appbar=ft.AppBar(
            title=a11y.screen_title(t("Welcome to Machi"), shell.title_size(t("Welcome to Machi"))),
            automatically_imply_leading=False,
        ),
        controls=[
            text(
                ob.progress_text(), S.LABEL_LARGE, color=ft.Colors.ON_SURFACE_VARIANT
            ),  # announced by rerender()
            body,
            error,
            buttons,
        ],
    )
    return view


def step_title(shell, ob: OnboardingViewModel) -> str:
    t = shell.vm.t
    return {
        "language": t("Choose your language"),
        "area": t("Where do you live?"),
        "reminder": t("Garbage day reminders"),
    }[ob.step_name]


def _language(shell, ob: OnboardingViewModel) -> list[ft.Control]:
    t = shell.vm.t

    async def changed(e):
        # re-renders the page in the new language; focus stays on the radio just chosen
        shell.focus_key = f"language:{e.control.value}"
        await ob.choose_language(e.control.value)

    async def scale(e):
        shell.focus_key = f"scale:{e.control.value}"
        await shell.vm.set_text_scale(float(e.control.value))

    if shell.focus_key == STEP_FOCUS:
        shell.focus_key = f"language:{ob.language}"
    return [
        heading(step_title(shell, ob)),
        language_group(shell, ob.language, changed),
        heading(t("Text size"), S.TITLE_MEDIUM),
        text_size_group(shell, scale),
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
        shell.refresh(focus="onboarding:next")  # the chosen area is shown; Next is what comes next
        if ob.area_name:
            # with the step, so the spoken line is not a second copy of the one on screen
            shell.announce(f"{ob.progress_text()}: {t('Selected: {area}', area=ob.area_name)}")

    fill()
    return [
        heading(step_title(shell, ob)),
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
            autofocus=shell.wants_focus(STEP_FOCUS),
        ),
        chosen,  # announced by pick() (a live region here would speak a second copy of the text)
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
        shell.refresh(focus=f"reminder:{e.control.value}")  # the time field is enabled or not

    if shell.focus_key == STEP_FOCUS:
        shell.focus_key = f"reminder:{ob.reminder}"
    focus = shell.wants_focus
    return [
        heading(step_title(shell, ob)),
        text(t("We can remind you before each collection day."), S.BODY_LARGE),
        ft.Semantics(
            container=True,
            label=step_title(shell, ob),
            content=ft.RadioGroup(
                value=ob.reminder,
                on_change=mode,
                content=ft.Column(
                    spacing=0,
                    controls=[
                        ft.Radio(value=v, label=name, label_style=label, autofocus=focus(f"reminder:{v}"))
                        for v, name in (
                            ("off", t("No reminders")),
                            ("day_before", t("The day before")),
                            ("same_day", t("On the day")),
                        )
                    ],
                ),
            ),
        ),
        time_field,
        text(t("Remind me about"), S.TITLE_MEDIUM),
        checks,
    ]
