"""Garbage: today/tomorrow, the month calendar, next dates, search, item detail, ICS."""

from __future__ import annotations

import flet as ft

from app.viewmodels.garbage import DayCell
from app.viewmodels.routes import Route
from app.views.theme import text_style
from app.views.widgets import (
    MonthGrid,
    S,
    card,
    chip,
    chip_icon,
    day_card,
    grid_cell_width,
    heading,
    month_header,
    text,
    unconfirmed,
    warning,
    weekday_header,
)


def build(shell, r: Route) -> ft.View:
    vm, g, t = shell.vm, shell.garbage, shell.vm.t
    controls: list[ft.Control] = [shell.banner_slot()]
    if vm.area is None:
        controls.append(
            card(
                text(t("Choose your area to see your collection days."), S.BODY_LARGE),
                ft.FilledButton(
                    t("Set up"), icon=ft.Icons.PLACE, on_click=lambda e: shell.restart_onboarding()
                ),
            )
        )
    warn = g.month_warning()
    if warn:
        controls.append(
            warning(
                warn,
                ft.TextButton(
                    t("Show the months the data covers"), on_click=lambda e: shell.go_to_data_period()
                ),
            )
        )
    controls.extend(warning(note) for note in g.unreadable_notes())
    controls.append(
        ft.FilledTonalButton(
            t("Search: how do I throw this away?"),
            icon=ft.Icons.SEARCH,
            on_click=lambda e: shell.go("/garbage/search"),
        )
    )
    if vm.area is not None:
        controls.append(text(t("Your area: {area}", area=vm.area_label()), S.TITLE_MEDIUM))
        controls.extend(day_card(c) for c in g.day_cards())
        calendar = ft.Column(spacing=8)
        _fill_calendar(shell, calendar)
        controls.append(calendar)
        controls.append(
            card(
                heading(t("Next collection"), S.TITLE_MEDIUM),
                *[
                    ft.Row(wrap=True, spacing=10, controls=[chip(n.chip), text(n.text, S.BODY_LARGE)])
                    for n in g.next_dates()
                ],
            )
        )
        controls.append(
            card(
                heading(t("Add to my calendar"), S.TITLE_MEDIUM),
                text(
                    t(
                        "Download the collection days of your area as a calendar file (ICS) with your reminder."
                    ),
                    S.BODY_LARGE,
                ),
                ft.FilledButton(
                    t("Add to my calendar"), icon=ft.Icons.EVENT, on_click=lambda e: _save_ics(shell)
                ),
            )
        )
    return ft.View(
        route=r.url,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        appbar=shell.appbar(t("Garbage")),
        navigation_bar=shell.navigation_bar(r),
        scroll=ft.ScrollMode.AUTO,
        controls=controls,
        padding=12,
    )


def _fill_calendar(shell, column: ft.Column) -> None:
    g, t = shell.garbage, shell.vm.t

    def refresh():
        _fill_calendar(shell, column)
        column.update()

    panels: dict = {}

    def chosen() -> None:
        # the grid stays (its buttons keep the keyboard focus): only the two days and the panel change
        panels["panel"].content = _day_panel(shell)
        column.update()

    def move(step: int):
        g.next_month() if step > 0 else g.prev_month()
        refresh()

    weeks = g.weeks()
    # The header (and its buttons) stays the same control across months (see month_header).
    if not isinstance(column.data, dict):
        header, title = month_header(g.month_title(), t("Previous month"), t("Next month"), move)
        body = ft.Column(spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        column.data = {"title": title, "body": body}
        column.controls = [card(header, body, padding=8)]
    title, body = column.data["title"], column.data["body"]
    title.value = g.month_title()
    scale = shell.vm.settings.text_scale
    # CLDR's narrow names when the short ones do not fit
    names = weekday_header(g.weekday_names(grid_cell_width(shell.page.width), 12 * scale))
    grid = MonthGrid(
        weeks,
        selected=lambda: g.selected,
        select=g.select,
        marks=_marks,
        selected_word=t("selected"),
        after_choose=chosen,
    ).control
    legend = ft.Row(
        wrap=True,
        spacing=6,
        run_spacing=6,
        controls=[chip(shell.vm.chip(c.id)) for c in shell.vm.repo.category_list],
    )
    panel = ft.Container(content=_day_panel(shell))  # the chosen day, below the grid
    panels["panel"] = panel
    parts: list[ft.Control] = [names, grid, panel]
    parts.append(ft.Column(spacing=4, controls=[text(t("Legend"), S.LABEL_LARGE), legend]))
    agenda = g.agenda()
    parts.append(
        card(
            heading(t("Collection days in {month}", month=g.month_title()), S.TITLE_MEDIUM),
            *[
                ft.Row(
                    wrap=True,
                    spacing=8,
                    run_spacing=6,
                    controls=[
                        ft.Container(
                            width=None, content=text(t.day(c.day), S.BODY_LARGE, weight=ft.FontWeight.W_600)
                        ),
                        *[chip(x, style=S.LABEL_MEDIUM) for x in c.chips],
                        *([] if c.confirmed else [unconfirmed(shell.vm.unconfirmed(c.day))]),
                    ],
                )
                for c in agenda
            ]
            or [text(t("No collection"), S.BODY_LARGE)],
        )
    )
    body.controls = parts


def _day_panel(shell) -> ft.Control | None:
    t = shell.vm.t
    selected = shell.garbage.selected_cell()
    if selected is None:
        return None
    return card(
        text(t.long_day(selected.day), S.TITLE_MEDIUM, weight=ft.FontWeight.BOLD),
        ft.Row(wrap=True, spacing=8, run_spacing=8, controls=[chip(c) for c in selected.chips])
        if selected.chips
        else text(t("No collection"), S.BODY_LARGE),
        *([] if selected.confirmed else [unconfirmed(shell.vm.unconfirmed(selected.day))]),
    )


def _marks(c: DayCell) -> list[ft.Control]:
    """Under a day's number: its categories' icons (its spoken name says their names)."""
    return [
        ft.Row(
            wrap=True,
            spacing=2,
            run_spacing=2,
            alignment=ft.MainAxisAlignment.CENTER,
            controls=[chip_icon(x) for x in c.chips],
        ),
        # outside the data period: a question mark (the cell's label says "not confirmed")
        *(
            []
            if c.confirmed or not c.in_month
            else [ft.Icon(ft.Icons.HELP_OUTLINE, size=14, color="#5c3b00")]
        ),
    ]


def _save_ics(shell) -> None:
    async def go():
        name, data = shell.garbage.ics()
        saved = await shell.save_file(name, data, "text/calendar")
        shell.snack(shell.vm.t("Calendar file saved: {name}", name=saved or name))

    shell.run(go())


# ----------------------------------------------------------------------------- search


def build_search(shell, r: Route) -> ft.View:
    s, t = shell.search, shell.vm.t
    summary = text(s.summary(), S.BODY_LARGE)
    results = ft.Column(spacing=6, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)

    def fill():
        summary.value = s.summary()
        results.controls = [_result(shell, x) for x in s.results]

    def changed(e):
        s.set_query(e.control.value or "")
        fill()
        summary.update()
        results.update()

    fill()
    field = ft.TextField(
        label=t("Item name"),
        value=s.query,
        on_change=changed,
        prefix_icon=ft.Icons.SEARCH,
        text_style=text_style(shell.vm.settings.text_scale),
        label_style=text_style(shell.vm.settings.text_scale),
    )
    # room above the field for its floating label (it sits half outside the field, and the
    # scrolling view would cut it off at large text sizes)
    scale = shell.vm.settings.text_scale
    return ft.View(
        route=r.url,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        appbar=shell.appbar(t("Search"), actions=False),
        scroll=ft.ScrollMode.AUTO,
        padding=12,
        controls=[
            shell.banner_slot(),
            ft.Container(padding=ft.Padding.only(top=8 * scale), content=field),
            ft.Semantics(live_region=True, content=summary),
            results,
        ],
    )


def _result(shell, x) -> ft.Control:
    from urllib.parse import urlencode

    def open_item(e):
        shell.go("/garbage/item?" + urlencode({"name": x.name_ja, "q": shell.search.query}))

    body: list[ft.Control] = [
        text(x.name, S.TITLE_MEDIUM, weight=ft.FontWeight.BOLD),
        ft.Row(wrap=True, controls=[chip(x.chip)]),
    ]
    if x.notice:
        body.append(text(x.notice, S.BODY_MEDIUM))
    return ft.Card(
        content=ft.Container(
            padding=12, on_click=open_item, ink=True, content=ft.Column(spacing=6, tight=True, controls=body)
        )
    )


def build_item(shell, r: Route) -> ft.View:
    t = shell.vm.t
    d = shell.search.detail(r.params.get("name", ""))
    if d is None:
        controls: list[ft.Control] = [
            text(t("No item found for “{query}”.", query=r.params.get("name", "")), S.BODY_LARGE)
        ]
        title = t("Search")
    else:
        title = d.name
        controls = [
            heading(d.name, S.HEADLINE_SMALL),
            *([text(f"{d.name_ja}（{d.reading}）", S.BODY_LARGE)] if d.name != d.name_ja else []),
            ft.Row(wrap=True, controls=[chip(d.chip, style=S.TITLE_MEDIUM)]),
            *(
                [card(heading(t("How to put it out"), S.TITLE_MEDIUM), text(d.notice, S.BODY_LARGE))]
                if d.notice
                else []
            ),
            card(text(d.next_text, S.TITLE_MEDIUM)),
        ]
    return ft.View(
        route=r.url,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        appbar=shell.appbar(title, actions=False),
        scroll=ft.ScrollMode.AUTO,
        padding=12,
        controls=[shell.banner_slot(), *controls],
    )
