"""Small building blocks shared by the screens (Flet controls only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import flet as ft

from app.viewmodels.app import Chip, DayCard, Notice
from app.views.theme import FOCUS_SIDE, category_icon

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


# ----------------------------------------------------------------------------- month grid (calendars)

# Arrow keys in a month grid: days to move
GRID_ARROWS = {"ArrowLeft": -1, "ArrowRight": 1, "ArrowUp": -7, "ArrowDown": 7}
# Horizontal space around a month grid: view padding, card margin and padding, cell spacing.
GRID_CHROME = 2 * 12 + 2 * 4 + 2 * 8 + 6 * 2


def grid_cell_width(page_width: float | None) -> float:
    """The width of one day column of a month grid in a card on a page ``page_width`` px wide."""
    return ((page_width or 360) - GRID_CHROME) / 7


def month_header(title: str, prev_label: str, next_label: str, on_move) -> tuple[ft.Control, ft.Text]:
    """Previous month, the month's name (a live heading that wraps between the arrows), next month.
    Returns the row and its title text: keep both across months and only change the title's value,
    so a second click on an arrow never lands on a button that is being replaced."""
    title_text = ft.Text(
        title, theme_style=S.TITLE_LARGE, weight=ft.FontWeight.BOLD, text_align=ft.TextAlign.CENTER
    )
    header = ft.Row(
        alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
        spacing=0,
        controls=[
            icon_button(ft.Icons.CHEVRON_LEFT, prev_label, lambda e: on_move(-1)),
            ft.Semantics(header=True, live_region=True, expand=True, content=title_text),
            icon_button(ft.Icons.CHEVRON_RIGHT, next_label, lambda e: on_move(1)),
        ],
    )
    return header, title_text


def weekday_header(names: list[str]) -> ft.Row:
    """The weekday names over a month grid's seven columns."""
    return ft.Row(
        spacing=2,
        controls=[
            ft.Container(
                expand=1,
                alignment=ft.Alignment.CENTER,
                content=ft.Text(n, theme_style=S.LABEL_MEDIUM, weight=ft.FontWeight.BOLD, no_wrap=True),
            )
            for n in names
        ],
    )


class MonthGrid:
    """A month of day buttons (docs/accessibility.md, rule 5): Tab reaches the grid, Enter or Space
    chooses a day, the arrow keys walk it (left/right a day, up/down a week).  Choosing restyles
    only the two days concerned (the focused button stays) and then calls ``after_choose``.

    ``weeks`` are rows of seven view-model cells with ``day``, ``in_month``, ``is_today`` and
    ``label`` (the spoken name; ``selected_word`` is added to the chosen day's); ``marks(cell)``
    gives the controls drawn under the day's number (category icons, an event count)."""

    def __init__(
        self,
        weeks: list[list],
        *,
        selected: Callable[[], dt.date | None],
        select: Callable[[dt.date], None],
        marks: Callable[[object], list[ft.Control]],
        selected_word: str,
        after_choose: Callable[[], None],
    ):
        self.selected, self.select, self.marks = selected, select, marks
        self.selected_word, self.after_choose = selected_word, after_choose
        self.cells: dict[dt.date, tuple[ft.TextButton, object]] = {}
        self.focused_day: dt.date | None = None
        self.control = ft.KeyboardListener(
            include_semantics=False,
            on_key_down=self._walk,
            content=ft.Column(
                spacing=2,
                controls=[
                    ft.Row(
                        spacing=2,
                        vertical_alignment=ft.CrossAxisAlignment.START,
                        controls=[self._cell(c) for c in week],
                    )
                    for week in weeks
                ],
            ),
        )

    def choose(self, day: dt.date) -> None:
        before = self.selected()
        self.select(day)
        for d in {before, day}:
            if d in self.cells:
                self._style(*self.cells[d])
        self.after_choose()

    async def _walk(self, e: ft.KeyDownEvent) -> None:
        step = GRID_ARROWS.get(e.key.replace(" ", ""))
        if step is None or self.focused_day is None:
            return
        target = self.focused_day + dt.timedelta(days=step)
        if target in self.cells:
            await self.cells[target][0].focus()

    def _cell(self, c) -> ft.Control:
        def on_focus(e, day=c.day):
            self.focused_day = day

        button = ft.TextButton(on_click=lambda e, day=c.day: self.choose(day), on_focus=on_focus)
        self.cells[c.day] = (button, c)
        self._style(button, c)
        return ft.Container(expand=1, content=button)

    def _style(self, button: ft.TextButton, c) -> None:
        is_selected = self.selected() == c.day
        name = f"{c.label}, {self.selected_word}" if is_selected else c.label
        mark = (
            ft.BorderSide(2, ft.Colors.PRIMARY)
            if c.is_today or is_selected
            else ft.BorderSide(0, ft.Colors.TRANSPARENT)
        )
        button.content = ft.Column(
            spacing=2,
            horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            controls=[
                ft.Text(
                    str(c.day.day),
                    semantics_label=name,  # the button's spoken name (its icons have none)
                    theme_style=S.BODY_MEDIUM,
                    weight=ft.FontWeight.BOLD if c.is_today else None,
                    # another month's days: the variant colour (about 7:1), not a faded cell (2.7:1)
                    color=ft.Colors.ON_SURFACE if c.in_month else ft.Colors.ON_SURFACE_VARIANT,
                    italic=not c.in_month,
                ),
                *self.marks(c),
            ],
        )
        button.style = ft.ButtonStyle(
            padding=ft.Padding.symmetric(vertical=4, horizontal=0),
            shape=ft.RoundedRectangleBorder(radius=6),
            bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST if is_selected else None,
            side={ft.ControlState.FOCUSED: FOCUS_SIDE, ft.ControlState.DEFAULT: mark},
            visual_density=ft.VisualDensity.COMPACT,
        )
