"""Garbage screens: today/tomorrow, month calendar, next dates, search, item detail, ICS."""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import unicodedata
from dataclasses import dataclass

from app.viewmodels.app import AppViewModel, Chip, DayCard
from core.garbage.ics import Reminder


@dataclass(frozen=True)
class DayCell:
    day: dt.date
    in_month: bool
    is_today: bool
    chips: list[Chip]
    label: str  # for screen readers: "Thu, May 8: Burnable garbage"
    confirmed: bool = True  # False outside the city's data period (the label says "not confirmed")


@dataclass(frozen=True)
class NextDate:
    chip: Chip
    text: str


def text_width(text: str, font_size: float) -> float:
    """A generous estimate of a label's width in px: wide (CJK) characters are one em, others 0.62 em."""
    return sum(font_size * (1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.62) for ch in text)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, n: int) -> dt.date:
    m = day.month - 1 + n
    return dt.date(day.year + m // 12, m % 12 + 1, 1)


def weekday_names(t, cell_width: float | None = None, font_size: float = 12.0) -> list[str]:
    """Monday first, abbreviated in ``t``'s language, or CLDR's narrow form when the abbreviation
    would not fit a cell ``cell_width`` px wide (shared by every month grid)."""
    short = [t.weekday_short(i) for i in range(7)]
    if cell_width is None or max(text_width(n, font_size) for n in short) <= cell_width:
        return short
    return [t.weekday_narrow(i) for i in range(7)]


class GarbageViewModel:
    def __init__(self, app: AppViewModel, month: dt.date | None = None):
        self.app = app
        self.month = month_start(month or app.clock.today())
        self.selected: dt.date | None = None

    @property
    def t(self):
        return self.app.t

    def set_month_param(self, value: str | None) -> str | None:
        """``?month=YYYY-MM`` from a deep link; returns an error message for bad input."""
        if not value:
            return None
        try:
            year, month = (int(x) for x in value.split("-"))
            self.month = dt.date(year, month, 1)
        except ValueError:
            return self.t("“{value}” is not a month; write it as YYYY-MM.", value=value)
        return None

    def month_title(self) -> str:
        return self.t.month(self.month)

    def prev_month(self) -> None:
        self.month = add_months(self.month, -1)
        self.selected = None

    def next_month(self) -> None:
        self.month = add_months(self.month, 1)
        self.selected = None

    def go_to_today(self) -> None:
        self.month = month_start(self.app.clock.today())
        self.selected = self.app.clock.today()

    def go_to_data_period(self) -> None:
        """Show a month the data covers (the warning's action)."""
        v = self.app.repo.validity
        today = self.app.clock.today()
        if v.contains(today):
            self.go_to_today()
        elif v.end and today > v.end:
            self.month = month_start(v.end)
        elif v.start:
            self.month = month_start(v.start)
        self.selected = None

    def weekday_names(self, cell_width: float | None = None, font_size: float = 12.0) -> list[str]:
        """Monday first, like the city's calendar: abbreviated ("Thu", 「木」), or CLDR's narrow
        form ("T", "T5") when the abbreviation would not fit a cell ``cell_width`` px wide."""
        return weekday_names(self.t, cell_width, font_size)

    def weeks(self) -> list[list[DayCell]]:
        area = self.app.area
        first = self.month
        last = dt.date(first.year, first.month, pycal.monthrange(first.year, first.month)[1])
        grid_start = first - dt.timedelta(days=first.weekday())
        grid_end = last + dt.timedelta(days=6 - last.weekday())
        cols = self.app.repo.collections(area, grid_start, grid_end, self.app.language) if area else {}
        today = self.app.clock.today()
        weeks: list[list[DayCell]] = []
        day = grid_start
        while day <= grid_end:
            week = []
            for _ in range(7):
                chips = [self.app.chip(c["id"], c.get("moved_from")) for c in cols.get(day, [])]
                names = self.t.join([c.name for c in chips]) or self.t("No collection")
                note = self.app.unconfirmed(day)
                week.append(
                    DayCell(
                        day,
                        day.month == first.month,
                        day == today,
                        chips,
                        # today says so in its spoken name, as the city calendar's days do
                        f"{self.t('Today, {day}', day=self.t.day(day)) if day == today else self.t.day(day)}: {names}"
                        + (f" ({note})" if note else ""),
                        not note,
                    )
                )
                day += dt.timedelta(days=1)
            weeks.append(week)
        return weeks

    def agenda(self) -> list[DayCell]:
        """The month's collection days as a list (readable at any text size)."""
        return [c for w in self.weeks() for c in w if c.in_month and c.chips]

    def select(self, day: dt.date) -> None:
        self.selected = day

    def selected_cell(self) -> DayCell | None:
        if self.selected is None:
            return None
        return next((c for w in self.weeks() for c in w if c.day == self.selected), None)

    def day_cards(self) -> list[DayCard]:
        return self.app.day_cards()

    def next_dates(self) -> list[NextDate]:
        area = self.app.area
        if area is None:
            return []
        nexts = self.app.repo.next_dates(area, self.app.clock.today())
        unreadable = self.app.repo.unreadable(area)
        out = []
        for cat in self.app.repo.category_list:
            d = None if cat.id in unreadable else nexts.get(cat.id)
            out.append(
                NextDate(
                    self.app.chip(cat.id), self.app.date_text(d) if d else self.app.no_date_reason(cat.id)
                )
            )
        return out

    def unreadable_notes(self) -> list[str]:
        return self.app.unreadable_notes()

    def month_warning(self) -> str | None:
        """The validity warning for today, or for the month shown if it lies outside the data."""
        warn = self.app.validity_warning()
        if warn:
            return warn
        v = self.app.repo.validity
        last = add_months(self.month, 1) - dt.timedelta(days=1)
        if not (v.contains(self.month) and v.contains(last)):
            return self.app.validity_warning(self.month if not v.contains(self.month) else last)
        return None

    def ics(self) -> tuple[str, bytes]:
        """(file name, iCalendar bytes) for the area, with the resident's reminder as alarm."""
        area = self.app.area
        if area is None:
            raise ValueError(self.t("Choose your area first."))
        s = self.app.settings
        reminder = None
        if s.reminder != "off":
            reminder = Reminder(
                -1 if s.reminder == "day_before" else 0, dt.time.fromisoformat(s.reminder_time)
            )
        data = self.app.repo.ics(area, self.app.language, reminder, self.app.clock.today())
        return f"machi-garbage-{self.app.config.city}-{area.id}.ics", data


@dataclass(frozen=True)
class SearchResult:
    name: str
    name_ja: str
    chip: Chip
    notice: str


@dataclass(frozen=True)
class ItemDetail:
    name: str
    name_ja: str
    reading: str
    chip: Chip
    notice: str
    next_text: str


class SearchViewModel:
    def __init__(self, app: AppViewModel, query: str = ""):
        self.app = app
        self.query = ""
        self.results: list[SearchResult] = []
        self.set_query(query)

    @property
    def t(self):
        return self.app.t

    def set_query(self, text: str) -> None:
        self.query = text
        hits = self.app.repo.search(text, self.app.language, limit=30)
        self.results = [
            SearchResult(h["name"], h["name_ja"], self.app.chip(h["category_id"]), h["notice"]) for h in hits
        ]

    def summary(self) -> str:
        if not self.query.strip():
            return self.t("Type an item name in any language, kana or romaji.")
        if not self.results:
            return self.t("No item found for “{query}”.", query=self.query.strip())
        return self.t.plural("{n} item found", "{n} items found", len(self.results))

    def detail(self, name_ja: str) -> ItemDetail | None:
        item = self.app.repo.item(name_ja)
        if item is None:
            return None
        chip = self.app.chip(item.category)
        area = self.app.area
        if area is None:
            next_text = self.t("Choose your area in Settings to see the next collection day.")
        else:
            d = self.app.repo.next_dates(area, self.app.clock.today()).get(item.category)
            if item.category in self.app.repo.unreadable(area):
                d = None
            next_text = (
                self.t("Next collection: {day}", day=self.app.date_text(d))
                if d
                else self.app.no_date_reason(item.category)
            )
        return ItemDetail(
            self.app.repo.item_name(item, self.app.language),
            item.name,
            item.reading,
            chip,
            self.app.repo.item_notice(item, self.app.language),
            next_text,
        )
