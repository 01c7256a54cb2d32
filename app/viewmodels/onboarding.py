"""First-run set-up: language, area, reminder; then register with the backend."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.services.settings import REMINDER_MODES
from app.viewmodels.app import AppViewModel

STEPS = ("language", "area", "reminder")
DEFAULT_TIMES = {"day_before": "19:00", "same_day": "07:00"}


@dataclass(frozen=True)
class Suggestion:
    id: str
    label: str  # 「旭ヶ丘(あさひがおか)」 or "旭ヶ丘 (Asahigaoka)": the name and its reading in this language


class OnboardingViewModel:
    def __init__(self, app: AppViewModel):
        self.app = app
        s = app.settings
        self.step = 0
        self.language = app.language  # preselected from the device locale (or the saved choice)
        self.area_query = ""
        self.area_id: str | None = s.area_id
        self.suggestions: list[Suggestion] = []
        self.reminder = s.reminder if s.onboarded else "day_before"
        self.time = app.time_text(s.reminder_time)  # as shown in the field: "7:00 PM", 「19:00」
        self.categories: set[str] = set(s.reminder_categories or [c.id for c in app.repo.category_list])
        self.error = ""
        if self.area_id and (area := app.repo.area(self.area_id)):
            self.area_query = area.name

    @property
    def t(self):
        return self.app.t

    @property
    def step_name(self) -> str:
        return STEPS[self.step]

    def progress_text(self) -> str:
        return self.t("Step {n} of {total}", n=self.step + 1, total=len(STEPS))

    async def choose_language(self, lang: str) -> None:
        self.language = lang
        await self.app.set_language(lang)  # the rest of the set-up speaks the chosen language

    def type_area(self, text: str) -> None:
        self.area_query = text
        self.error = ""
        matches = self.app.repo.suggest_areas(text) if text.strip() else []
        self.suggestions = [Suggestion(m.id, self.app.area_label(self.app.repo.area(m.id))) for m in matches]
        exact = self.app.repo.find_area_exact(text)
        self.area_id = exact.id if exact else None

    def pick_area(self, area_id: str) -> None:
        area = self.app.repo.area(area_id)
        if area is None:
            self.error = self.t("Unknown area; choose one from the list.")
            return
        self.area_id = area.id
        self.area_query = area.name
        self.suggestions = []
        self.error = ""

    @property
    def area_name(self) -> str | None:
        area = self.app.repo.area(self.area_id)
        return self.app.area_label(area) if area else None

    def set_reminder(self, mode: str) -> None:
        if mode not in REMINDER_MODES:
            raise ValueError(f"reminder must be one of {REMINDER_MODES}, not {mode!r}")
        default = DEFAULT_TIMES.get(self.reminder)
        if (
            mode != self.reminder
            and mode in DEFAULT_TIMES
            and default
            and self.parsed_time() == dt.time.fromisoformat(default)
        ):
            self.time = self.app.time_text(DEFAULT_TIMES[mode])
        self.reminder = mode
        self.error = ""

    def set_time(self, text: str) -> None:
        self.time = text.strip()
        self.error = ""

    def parsed_time(self) -> dt.time | None:
        """The typed time, read as this language writes it ("7:00 PM", 「19:00」, "오후 7:00")."""
        return self.t.parse_time(self.time)

    def time_label(self) -> str:
        return self.t("Time, e.g. {example}", example=self.app.time_text("19:00"))

    def toggle_category(self, category_id: str, on: bool) -> None:
        (self.categories.add if on else self.categories.discard)(category_id)
        self.error = ""

    def validate(self) -> bool:
        self.error = ""
        if self.step_name == "area" and not self.area_id:
            self.error = (
                self.t("No area called “{name}”; choose one from the list.", name=self.area_query)
                if self.area_query.strip()
                else self.t("Choose your area to see your collection days.")
            )
        elif self.step_name == "reminder" and self.reminder != "off":
            if self.parsed_time() is None:
                self.error = self.t(
                    "“{value}” is not a time; write it like {example}.",
                    value=self.time,
                    example=self.app.time_text("19:00"),
                )
            elif not self.categories:
                self.error = self.t("Choose at least one kind of garbage, or turn reminders off.")
        return not self.error

    def next(self) -> bool:
        """Go to the next step; False (with ``error``) when this step is not complete."""
        if not self.validate():
            return False
        if self.step < len(STEPS) - 1:
            self.step += 1
        return True

    def back(self) -> None:
        self.error = ""
        self.step = max(0, self.step - 1)

    @property
    def is_last(self) -> bool:
        return self.step == len(STEPS) - 1

    async def finish(self) -> bool:
        """Save the choices and try to register (offline: retried later). False if invalid."""
        if not self.validate():
            return False
        s = self.app.settings
        s.language = self.language
        s.area_id = self.area_id
        s.reminder = self.reminder
        if self.reminder != "off":
            s.reminder_time = self.parsed_time().strftime("%H:%M")
            every = {c.id for c in self.app.repo.category_list}
            s.reminder_categories = None if self.categories == every else sorted(self.categories)
        s.onboarded = True
        s.registration_pending = True
        await self.app.save()
        await self.app.sync()
        return True

    async def skip(self) -> None:
        """Skip the set-up: keep the language, use defaults; Settings can run it again."""
        s = self.app.settings
        s.language = self.language
        s.onboarded = True
        s.registration_pending = True
        await self.app.save()
        await self.app.sync()
