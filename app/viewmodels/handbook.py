"""The Handbook tab: children, records with validation, the vaccination timeline, growth charts,
reminders, export/import and a printable summary.  No Flet here (tested in tests/app).

The handbook is one document in the encrypted vault (app/services/vault.py): it never leaves the
phone except as an export the parent makes.  Reminders go to the backend as codes only: a random
per-child key, a vaccine id and a dose number (no name, no birth date).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import ValidationError

from app.services.vault import Vault, VaultError
from app.viewmodels.app import AppViewModel
from core.handbook import fhir, growth, schedule
from core.handbook.model import (
    CHECKUPS,
    CONDITIONS,
    Birth,
    Checkup,
    Child,
    Guardian,
    Handbook,
    HandbookError,
    MaternalVaccination,
    Measurement,
    Note,
    Pregnancy,
    PregnancyVisit,
    Vaccination,
    load_handbook,
)
from core.i18n import N_

log = logging.getLogger("machi.app")
DOC = "handbook"
REMINDER_PREFIX = "hb:"
REMINDER_HOUR_UTC = 0  # 09:00 in Japan
REMINDER_HORIZON_DAYS = 400
STATUS_LABELS = {
    "done": N_("Done"),
    "due": N_("Due now"),
    "upcoming": N_("Upcoming"),
    "overdue": N_("Overdue"),
    "ineligible": N_("Not routine"),
}
STATUS_ICONS = {
    "done": "check",
    "due": "bell",
    "upcoming": "clock",
    "overdue": "warning",
    "ineligible": "block",
}
MEASURE_LABELS = {
    "weight": N_("Weight (kg)"),
    "height": N_("Length / height (cm)"),
    "head": N_("Head circumference (cm)"),
}
SUMMARY_LABELS = {
    "given": N_("Vaccinations given"),
    "vaccine": N_("Vaccine"),
    "dose": N_("Dose"),
    "date": N_("Date"),
    "product": N_("Product"),
    "lot": N_("Lot"),
    "clinic": N_("Clinic"),
    "schedule": N_("Vaccination schedule"),
    "status": N_("Status"),
    "reason": N_("Reason"),
    "growth": N_("Growth"),
}
CHECKUP_LABELS = {
    "1m": N_("1 month"),
    "3-4m": N_("3-4 months"),
    "6-7m": N_("6-7 months"),
    "9-10m": N_("9-10 months"),
    "1y": N_("1 year"),
    "1y6m": N_("1 year 6 months"),
    "2y": N_("2 years"),
    "3y": N_("3 years"),
    "4y": N_("4 years"),
    "5y": N_("5 years"),
    "6y": N_("6 years"),
}
CONDITION_LABELS = {
    "hbig_prophylaxis": N_("Had HBIG and hepatitis B vaccine at birth (mother-to-child prevention)"),
    "had_chickenpox": N_("Has had chickenpox"),
}
CONDITION_SHORT = {"hbig_prophylaxis": N_("HBIG at birth"), "had_chickenpox": N_("Had chickenpox")}
PROTECTION_TEXT = {
    "secure_storage": N_("Encrypted on this device; the key is kept in the phone's secure storage."),
    "browser": N_(
        "Encrypted in this browser. Anyone who can use this browser profile could open it: "
        "export a copy and prefer the phone app."
    ),
    "none": N_("Encrypted, but this device has no secure key storage: the key is stored next to the data."),
}


@dataclass(frozen=True)
class ChildRow:
    id: str
    name: str
    age: str
    next_due: str


@dataclass(frozen=True)
class TimelineRow:
    vaccine: str
    dose: int
    status: str
    status_label: str
    date: str
    reason: str
    label: str  # for screen readers: everything in one sentence


@dataclass(frozen=True)
class ChartData:
    measure: str
    title: str
    curves: list[tuple[int, list[tuple[float, float]]]]  # (percentile, [(months, value)])
    points: list[tuple[float, float]]
    min_y: float
    max_y: float
    max_x: float
    summary: str  # text alternative: the latest point and its band
    who: str = ""  # the optional WHO 2006 z-score of the latest point


@dataclass
class FormResult:
    errors: dict[str, str]
    confirm: list[str]  # unusual values that need the parent's confirmation
    ok: bool = False


class HandbookViewModel:
    def __init__(self, app: AppViewModel, open_vault: Callable[[], Awaitable[Vault]]):
        self.app = app
        self._open_vault = open_vault
        self.vault: Vault | None = None
        self.book = Handbook()
        self.loaded = False
        self.load_error: str | None = None  # stored data unreadable: shown, and never overwritten
        self.reminder_state: str | None = None
        self._load_lock = asyncio.Lock()

    @property
    def t(self):
        return self.app.t

    def today(self) -> dt.date:
        return self.app.clock.today()

    # ------------------------------------------------------------------ storage
    async def load(self) -> None:
        """Open the vault and read the handbook once (concurrent calls wait for the first: two
        vault openings at once could each create a key)."""
        async with self._load_lock:
            if not self.loaded:
                await self._load()

    async def _load(self) -> None:
        try:
            self.vault = await self._open_vault()
            raw = await self.vault.load(DOC)
            self.book = load_handbook(raw) if raw is not None else Handbook()
            self.load_error = None
        except (VaultError, HandbookError) as exc:
            log.warning("handbook not readable: %s", type(exc).__name__)  # no content in logs
            self.load_error = self.t(
                "The stored handbook cannot be read ({reason}). It was left untouched.", reason=str(exc)
            )
        self.loaded = True

    async def _save(self) -> None:
        if self.load_error or self.vault is None:
            raise VaultError("the stored handbook could not be read; not overwritten")
        await self.vault.save(DOC, self.book.to_dict())

    def protection_text(self) -> str:
        return self.t(PROTECTION_TEXT[self.vault.protection]) if self.vault else ""

    # ------------------------------------------------------------------ parsing helpers
    def _date(self, text: str, field: str, errors: dict[str, str], *, birth: dt.date | None = None):
        value = (text or "").strip().replace("/", "-").replace(".", "-")
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            errors[field] = self.t("Write the date as YYYY-MM-DD (for example 2025-07-31).")
            return None
        if day > self.today():
            errors[field] = self.t("The date is in the future.")
            return None
        if birth and day < birth:
            errors[field] = self.t("The date is before the birth.")
            return None
        return day

    def _number(self, text: str, field: str, errors: dict[str, str]) -> float | None:
        value = (text or "").strip().replace(",", ".")
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            errors[field] = self.t("“{value}” is not a number.", value=text)
            return None
        return number

    # ------------------------------------------------------------------ children
    def children(self) -> list[ChildRow]:
        rows = []
        for c in self.book.children:
            nxt = self.next_due_text(c.id)
            rows.append(ChildRow(c.id, c.name, self.age_text(c), nxt))
        return rows

    def age_text(self, c: Child) -> str:
        from core.handbook.dates import months_old

        months = months_old(c.birth_date, self.today())
        years, rest = divmod(months, 12)
        if years:
            return self.t("{years} y {months} m", years=years, months=rest)
        return self.t("{months} months", months=months)

    async def add_child(self, name: str, sex: str, birth: str) -> FormResult:
        errors: dict[str, str] = {}
        if not (name or "").strip():
            errors["name"] = self.t("Enter a name (a nickname is enough).")
        if sex not in ("male", "female"):
            errors["sex"] = self.t("Choose girl or boy (the growth curves differ).")
        day = self._date(birth, "birth", errors)
        if errors:
            return FormResult(errors, [])
        child = Child(name=name.strip(), sex=sex, birth_date=day)
        self.book.children.append(child)
        try:
            await self._save()
        except VaultError as exc:
            self.book.children.remove(child)
            return FormResult({"form": str(exc)}, [])
        return FormResult({}, [], ok=True)

    def child(self, child_id: str) -> Child | None:
        try:
            return self.book.child(child_id)
        except KeyError:
            return None

    # ------------------------------------------------------------------ vaccinations
    def vaccine_choices(self) -> list[tuple[str, str]]:
        return [(v, schedule.vaccine_name(v, self.t)) for v in schedule.vaccine_ids()]

    async def add_vaccination(
        self,
        child_id: str,
        vaccine: str,
        dose: str,
        date: str,
        *,
        product: str = "",
        lot: str = "",
        clinic: str = "",
    ) -> FormResult:
        c = self.child(child_id)
        errors: dict[str, str] = {}
        if c is None:
            return FormResult({"form": self.t("This child is not in the handbook.")}, [])
        if vaccine not in schedule.vaccine_ids():
            errors["vaccine"] = self.t("Choose a vaccine.")
        try:
            n = int((dose or "").strip())
            if not 1 <= n <= 6:
                raise ValueError
        except ValueError:
            errors["dose"] = self.t("The dose is a number from 1 to 6.")
            n = 0
        day = self._date(date, "date", errors, birth=c.birth_date)
        if errors:
            return FormResult(errors, [])
        record = Vaccination(
            vaccine=vaccine,
            dose=n,
            date=day,
            product=product.strip() or None,
            lot=lot.strip(),
            clinic=clinic.strip(),
        )
        try:
            schedule.validate(c.birth_date, [*c.given(), record.given()], on=self.today())
        except schedule.ScheduleError as exc:
            reason = exc.reason.render(self.t) if exc.reason else str(exc)
            return FormResult({"form": self.t("This dose cannot be recorded: {reason}", reason=reason)}, [])
        c.vaccinations.append(record)
        try:
            await self._save()
        except VaultError as exc:
            c.vaccinations.remove(record)
            return FormResult({"form": str(exc)}, [])
        await self._sync_reminders_quietly()
        return FormResult({}, [], ok=True)

    def plan(self, child_id: str) -> list[schedule.Dose]:
        c = self.child(child_id)
        if c is None:
            return []
        return schedule.plan(
            c.birth_date,
            c.given(),
            self.today(),
            sex=c.sex,
            conditions=set(c.conditions),
            illness_ended=c.illness_ended,
        )

    def timeline(self, child_id: str) -> list[TimelineRow]:
        rows = []
        for d in self.plan(child_id):
            if d.alternative_to and d.vaccine == "rota5":
                continue  # the other rotavirus product is mentioned in rota1's reason
            name = schedule.vaccine_name(d.vaccine, self.t)
            status = self.t(STATUS_LABELS[d.status])
            day = d.given or d.proposed
            date = self.t.long_day(day) if day else ""
            reason = d.reason.render(self.t)
            label = self.t(
                "{vaccine}, dose {dose}: {status}. {reason}",
                vaccine=name,
                dose=d.dose,
                status=status,
                reason=reason,
            )
            rows.append(TimelineRow(name, d.dose, d.status, status, date, reason, label))
        return rows

    def next_due(self, child_id: str) -> schedule.Dose | None:
        return schedule.next_due(self.plan(child_id))

    def next_due_text(self, child_id: str) -> str:
        d = self.next_due(child_id)
        if d is None:
            return self.t("No vaccination is planned.")
        return self.t(
            "Next: {vaccine}, dose {dose}, {date}. {reason}",
            vaccine=schedule.vaccine_name(d.vaccine, self.t),
            dose=d.dose,
            date=self.t.long_day(d.proposed),
            reason=d.reason.render(self.t),
        )

    # ------------------------------------------------------------------ check-ups and notes
    def checkup_choices(self) -> list[tuple[str, str]]:
        return [(k, self.t(CHECKUP_LABELS[k])) for k in CHECKUPS]

    def checkups(self, child_id: str) -> list[str]:
        c = self.child(child_id)
        if c is None:
            return []
        out = []
        for k in sorted(c.checkups, key=lambda k: k.date):
            parts = [self.t(CHECKUP_LABELS[k.kind]), self.t.long_day(k.date)]
            parts += [
                f"{self.t(MEASURE_LABELS[m])} {v:g}"
                for m, v in (("weight", k.weight_kg), ("height", k.height_cm), ("head", k.head_cm))
                if v is not None
            ]
            if k.findings:
                parts.append(k.findings)
            out.append(" · ".join(parts))
        return out

    async def add_checkup(
        self,
        child_id: str,
        kind: str,
        date: str,
        weight_kg: str = "",
        height_cm: str = "",
        head_cm: str = "",
        findings: str = "",
        facility: str = "",
    ) -> FormResult:
        """A check-up (健康診査) with its measurements; the measurements also go to the growth chart."""
        c = self.child(child_id)
        if c is None:
            return FormResult({"form": self.t("This child is not in the handbook.")}, [])
        errors: dict[str, str] = {}
        if kind not in CHECKUPS:
            errors["kind"] = self.t("Choose the check-up.")
        day = self._date(date, "date", errors, birth=c.birth_date)
        values = {
            "weight": self._number(weight_kg, "weight", errors),
            "height": self._number(height_cm, "height", errors),
            "head": self._number(head_cm, "head", errors),
        }
        if errors:
            return FormResult(errors, [])
        months = growth.age_months(c.birth_date, day)
        for measure, value in values.items():
            if value is not None and growth.plausibility(measure, c.sex, months, value) == "impossible":
                errors[measure] = self.t(
                    "{value} is not possible at this age. Check the number and the unit.", value=f"{value:g}"
                )
        if errors:
            return FormResult(errors, [])
        record = Checkup(
            kind=kind,
            date=day,
            weight_kg=values["weight"],
            height_cm=values["height"],
            head_cm=values["head"],
            findings=findings.strip()[:2000],
            facility=facility.strip()[:200],
        )
        c.checkups.append(record)
        point = None
        if any(v is not None for v in values.values()):
            point = Measurement(
                date=day, weight_kg=values["weight"], height_cm=values["height"], head_cm=values["head"]
            )
            c.growth.append(point)
            c.growth.sort(key=lambda m: m.date)
        try:
            await self._save()
        except VaultError as exc:
            c.checkups.remove(record)
            if point is not None:
                c.growth.remove(point)
            return FormResult({"form": str(exc)}, [])
        return FormResult({}, [], ok=True)

    async def add_note(self, child_id: str, date: str, text: str) -> FormResult:
        c = self.child(child_id)
        if c is None:
            return FormResult({"form": self.t("This child is not in the handbook.")}, [])
        errors: dict[str, str] = {}
        day = self._date(date, "date", errors, birth=c.birth_date)
        if not (text or "").strip():
            errors["text"] = self.t("Write the note.")
        if errors:
            return FormResult(errors, [])
        note = Note(date=day, text=text.strip()[:5000])
        c.notes.append(note)
        try:
            await self._save()
        except VaultError as exc:
            c.notes.remove(note)
            return FormResult({"form": str(exc)}, [])
        return FormResult({}, [], ok=True)

    # ------------------------------------------------------------------ birth, conditions, family, pregnancy
    def _model_errors(self, exc: ValidationError, fields: dict[str, str]) -> dict[str, str]:
        out = {}
        for e in exc.errors():
            name = str(e["loc"][0]) if e["loc"] else "form"
            out[fields.get(name, "form")] = self.t("This value is outside the possible range.")
        return out

    async def set_birth(
        self,
        child_id: str,
        *,
        weeks: str = "",
        days: str = "",
        weight_kg: str = "",
        length_cm: str = "",
        head_cm: str = "",
        chest_cm: str = "",
        delivery: str = "",
    ) -> FormResult:
        """出産の状態: gestation, birth measurements and delivery (replaces the previous entry)."""
        c = self.child(child_id)
        if c is None:
            return FormResult({"form": self.t("This child is not in the handbook.")}, [])
        errors: dict[str, str] = {}
        raw = {
            "gestational_weeks": self._number(weeks, "weeks", errors),
            "gestational_days": self._number(days, "days", errors),
            "weight_kg": self._number(weight_kg, "weight", errors),
            "length_cm": self._number(length_cm, "length", errors),
            "head_cm": self._number(head_cm, "head", errors),
            "chest_cm": self._number(chest_cm, "chest", errors),
        }
        if errors:
            return FormResult(errors, [])
        for k in ("gestational_weeks", "gestational_days"):
            if raw[k] is not None:
                if raw[k] != int(raw[k]):
                    errors["weeks" if k == "gestational_weeks" else "days"] = self.t("Enter a whole number.")
                raw[k] = int(raw[k])
        if errors:
            return FormResult(errors, [])
        fields = {
            "gestational_weeks": "weeks",
            "gestational_days": "days",
            "weight_kg": "weight",
            "length_cm": "length",
            "head_cm": "head",
            "chest_cm": "chest",
        }
        try:
            birth = Birth(**raw, delivery=delivery.strip()[:200])
        except ValidationError as exc:
            return FormResult(self._model_errors(exc, fields), [])
        previous = c.birth
        c.birth = birth
        try:
            await self._save()
        except VaultError as exc:
            c.birth = previous
            return FormResult({"form": str(exc)}, [])
        return FormResult({}, [], ok=True)

    def birth_text(self, child_id: str) -> str:
        c = self.child(child_id)
        b = c.birth if c else None
        if b is None:
            return self.t("No birth record yet.")
        parts = []
        if b.gestational_weeks is not None:
            parts.append(
                self.t(
                    "{weeks} weeks {days} days of pregnancy",
                    weeks=b.gestational_weeks,
                    days=b.gestational_days or 0,
                )
            )
        parts += [
            f"{self.t(label)} {v:g}"
            for label, v in (
                (MEASURE_LABELS["weight"], b.weight_kg),
                (MEASURE_LABELS["height"], b.length_cm),
                (MEASURE_LABELS["head"], b.head_cm),
            )
            if v is not None
        ]
        if b.delivery:
            parts.append(b.delivery)
        return " · ".join(parts)

    def conditions(self, child_id: str) -> list[tuple[str, str, str, bool]]:
        """(id, short switch label, full explanation, on) for each condition."""
        c = self.child(child_id)
        return [
            (k, self.t(CONDITION_SHORT[k]), self.t(CONDITION_LABELS[k]), bool(c and k in c.conditions))
            for k in CONDITIONS
        ]

    async def set_condition(self, child_id: str, condition: str, on: bool) -> str | None:
        """A condition that takes a vaccine out of the routine schedule (the timeline says so)."""
        c = self.child(child_id)
        if c is None or condition not in CONDITIONS:
            return self.t("This child is not in the handbook.")
        before = list(c.conditions)
        c.conditions = (
            sorted(set(c.conditions) | {condition}) if on else [x for x in c.conditions if x != condition]
        )
        try:
            await self._save()
        except VaultError as exc:
            c.conditions = before
            return str(exc)
        await self._sync_reminders_quietly()
        return None

    def illness_ended_text(self, child_id: str) -> str:
        c = self.child(child_id)
        return c.illness_ended.isoformat() if c and c.illness_ended else ""

    async def set_illness_ended(self, child_id: str, date: str) -> FormResult:
        """長期療養特例: the day a long illness that kept the child from routine doses ended ("" clears)."""
        c = self.child(child_id)
        if c is None:
            return FormResult({"form": self.t("This child is not in the handbook.")}, [])
        errors: dict[str, str] = {}
        day = self._date(date, "date", errors, birth=c.birth_date) if (date or "").strip() else None
        if errors:
            return FormResult(errors, [])
        before = c.illness_ended
        c.illness_ended = day
        try:
            await self._save()
        except VaultError as exc:
            c.illness_ended = before
            return FormResult({"form": str(exc)}, [])
        await self._sync_reminders_quietly()
        return FormResult({}, [], ok=True)

    async def set_maternal(self, due_date: str, rsv_date: str = "") -> FormResult:
        """The current pregnancy's due date and the day the RSV vaccine was given ("": not yet)."""
        errors: dict[str, str] = {}
        try:
            due = dt.date.fromisoformat((due_date or "").strip().replace("/", "-"))
        except ValueError:
            errors["due"] = self.t("Write the date as YYYY-MM-DD (for example 2025-07-31).")
            due = None
        if due and not self.today() - dt.timedelta(days=3 * 365) <= due <= self.today() + dt.timedelta(
            days=300
        ):
            errors["due"] = self.t("This value is outside the possible range.")
        rsv = self._date(rsv_date, "rsv", errors) if (rsv_date or "").strip() else None
        if due and rsv and not due - dt.timedelta(days=280) <= rsv <= due + dt.timedelta(days=21):
            errors["rsv"] = self.t("The date is outside this pregnancy.")
        if errors:
            return FormResult(errors, [])
        created = not self.book.pregnancies
        if created:
            self.book.pregnancies.append(Pregnancy())
        p = self.book.pregnancies[-1]
        before = (p.due_date, list(p.vaccinations))
        p.due_date = due
        p.vaccinations = [v for v in p.vaccinations if v.vaccine != "rsv"]
        if rsv:
            p.vaccinations.append(MaternalVaccination(vaccine="rsv", date=rsv))
        try:
            await self._save()
        except VaultError as exc:
            p.due_date, p.vaccinations = before
            if created:
                self.book.pregnancies.pop()
            return FormResult({"form": str(exc)}, [])
        return FormResult({}, [], ok=True)

    def maternal_rows(self) -> list[str]:
        """The maternal vaccines (RSV) of each pregnancy with a due date: name, status and reason."""
        return [
            f"{schedule.vaccine_name(m.vaccine, self.t)} · {self.t(STATUS_LABELS[m.status])} · "
            f"{m.reason.render(self.t)}"
            for p in self.book.pregnancies
            for m in p.maternal_plan(self.today())
        ]

    def maternal_values(self) -> tuple[str, str]:
        """(due date, RSV date) of the current pregnancy, for the form."""
        if not self.book.pregnancies:
            return "", ""
        p = self.book.pregnancies[-1]
        rsv = next((v.date.isoformat() for v in p.vaccinations if v.vaccine == "rsv"), "")
        return (p.due_date.isoformat() if p.due_date else "", rsv)

    async def add_guardian(self, name: str, relation: str = "") -> FormResult:
        if not (name or "").strip():
            return FormResult({"name": self.t("Enter a name (a nickname is enough).")}, [])
        g = Guardian(name=name.strip()[:100], relation=relation.strip()[:40])
        self.book.guardians.append(g)
        try:
            await self._save()
        except VaultError as exc:
            self.book.guardians.remove(g)
            return FormResult({"form": str(exc)}, [])
        return FormResult({}, [], ok=True)

    async def add_pregnancy_visit(
        self,
        date: str,
        week: str,
        *,
        weight_kg: str = "",
        bp_systolic: str = "",
        bp_diastolic: str = "",
        urine_protein: str = "",
        urine_sugar: str = "",
        notes: str = "",
    ) -> FormResult:
        """妊娠中の経過: one prenatal visit (week, weight, blood pressure, urine, notes)."""
        errors: dict[str, str] = {}
        day = self._date(date, "date", errors)
        values = {
            "week": self._number(week, "week", errors),
            "weight_kg": self._number(weight_kg, "weight", errors),
            "bp_systolic": self._number(bp_systolic, "bp", errors),
            "bp_diastolic": self._number(bp_diastolic, "bp", errors),
        }
        if values["week"] is None and "week" not in errors:
            errors["week"] = self.t("Enter the week of pregnancy.")
        if errors:
            return FormResult(errors, [])
        for k in ("week", "bp_systolic", "bp_diastolic"):
            if values[k] is not None:
                values[k] = int(values[k])
        urine = {"urine_protein": urine_protein.strip() or None, "urine_sugar": urine_sugar.strip() or None}
        fields = {
            "week": "week",
            "weight_kg": "weight",
            "bp_systolic": "bp",
            "bp_diastolic": "bp",
            "urine_protein": "urine",
            "urine_sugar": "urine",
        }
        try:
            visit = PregnancyVisit(date=day, **values, **urine, notes=notes.strip()[:2000])
        except ValidationError as exc:
            return FormResult(self._model_errors(exc, fields), [])
        created = not self.book.pregnancies
        if created:
            self.book.pregnancies.append(Pregnancy())
        self.book.pregnancies[-1].visits.append(visit)
        try:
            await self._save()
        except VaultError as exc:
            self.book.pregnancies[-1].visits.remove(visit)
            if created:
                self.book.pregnancies.pop()
            return FormResult({"form": str(exc)}, [])
        return FormResult({}, [], ok=True)

    def pregnancy_visits(self) -> list[str]:
        out = []
        for p in self.book.pregnancies:
            for v in sorted(p.visits, key=lambda v: v.date):
                parts = [self.t.long_day(v.date), self.t("week {n}", n=v.week)]
                if v.weight_kg is not None:
                    parts.append(f"{v.weight_kg:g} kg")
                if v.bp_systolic is not None and v.bp_diastolic is not None:
                    parts.append(f"{v.bp_systolic}/{v.bp_diastolic} mmHg")
                if v.urine_protein or v.urine_sugar:
                    parts.append(
                        self.t(
                            "urine protein {protein}, sugar {sugar}",
                            protein=v.urine_protein or "-",
                            sugar=v.urine_sugar or "-",
                        )
                    )
                if v.notes:
                    parts.append(v.notes)
                out.append(" · ".join(parts))
        return out

    # ------------------------------------------------------------------ growth
    async def add_measurement(
        self,
        child_id: str,
        date: str,
        weight_kg: str = "",
        height_cm: str = "",
        head_cm: str = "",
        *,
        confirmed: bool = False,
    ) -> FormResult:
        c = self.child(child_id)
        if c is None:
            return FormResult({"form": self.t("This child is not in the handbook.")}, [])
        errors: dict[str, str] = {}
        day = self._date(date, "date", errors, birth=c.birth_date)
        values = {
            "weight": self._number(weight_kg, "weight", errors),
            "height": self._number(height_cm, "height", errors),
            "head": self._number(head_cm, "head", errors),
        }
        if not errors and all(v is None for v in values.values()):
            errors["form"] = self.t("Enter a weight, a length/height or a head circumference.")
        if errors:
            return FormResult(errors, [])
        months = growth.age_months(c.birth_date, day)
        confirm = []
        for measure, value in values.items():
            if value is None:
                continue
            verdict = growth.plausibility(measure, c.sex, months, value)
            if verdict == "impossible":
                errors[measure] = self.t(
                    "{value} is not possible at this age. Check the number and the unit.", value=f"{value:g}"
                )
            elif verdict == "unusual":
                confirm.append(
                    self.t(
                        "{measure}: {value} is far outside the usual range for this age.",
                        measure=self.t(MEASURE_LABELS[measure]),
                        value=f"{value:g}",
                    )
                )
        if errors:
            return FormResult(errors, [])
        if confirm and not confirmed:
            return FormResult({}, confirm)
        record = Measurement(
            date=day, weight_kg=values["weight"], height_cm=values["height"], head_cm=values["head"]
        )
        c.growth.append(record)
        c.growth.sort(key=lambda m: m.date)
        try:
            await self._save()
        except VaultError as exc:
            c.growth.remove(record)
            return FormResult({"form": str(exc)}, [])
        return FormResult({}, [], ok=True)

    def chart(self, child_id: str, measure: str) -> ChartData:
        c = self.child(child_id)
        assert c is not None
        field = {"weight": "weight_kg", "height": "height_cm", "head": "head_cm"}[measure]
        points = [
            (round(growth.age_months(c.birth_date, m.date), 2), getattr(m, field))
            for m in c.growth
            if getattr(m, field) is not None
        ]
        age_now = growth.age_months(c.birth_date, self.today())
        top = growth.max_months(measure, c.sex)
        span = min(top, max(12.0, (int(max([age_now] + [p[0] for p in points])) // 6 + 1) * 6.0))
        table = growth.curves(measure, c.sex, span, step=1.0 if span <= 24 else 2.0)
        curves = [(p, [(m, v[i]) for m, v in table]) for i, p in enumerate(growth.PERCENTILES)]
        values = [v for _, line in curves for _, v in line] + [y for _, y in points]
        summary = self.t("No measurement yet.")
        inside = [p for p in points if p[0] <= span]
        if inside:
            x, y = inside[-1]
            try:
                band = growth.band(measure, c.sex, x, y)
            except growth.GrowthError:
                band = "?"
            summary = self.t(
                "Latest: {value} at {months} months, percentile band {band}.",
                value=f"{y:g}",
                months=f"{x:.1f}",
                band=band,
            )
        who = ""
        if c.growth and inside:
            latest = [m for m in c.growth if getattr(m, field) is not None][-1]
            try:
                z = growth.who_z(measure, c.sex, (latest.date - c.birth_date).days, getattr(latest, field))
                who = self.t(
                    "WHO 2006 z-score of the latest point: {z} (percentile {p})",
                    z=f"{z:+.2f}",
                    p=f"{growth.z_to_percentile(z):.0f}",
                )
            except growth.GrowthError:
                who = self.t("The WHO standard covers the first five years only.")
        return ChartData(
            measure,
            self.t(MEASURE_LABELS[measure]),
            curves,
            inside,
            min(values) * 0.95,
            max(values) * 1.05,
            span,
            summary,
            who,
        )

    # ------------------------------------------------------------------ reminders
    def reminder_items(self) -> list[dict]:
        """``{occurrence_key, send_at, template, params}`` for every child with reminders on: codes only."""
        items = []
        today = self.today()
        for c in self.book.children:
            if not c.reminders:
                continue
            for d in schedule.plan(
                c.birth_date,
                c.given(),
                today,
                sex=c.sex,
                conditions=set(c.conditions),
                illness_ended=c.illness_ended,
            ):
                if d.status not in ("due", "upcoming") or d.proposed is None or d.alternative_to == "rota1":
                    continue
                day = max(d.proposed, today + dt.timedelta(days=1))
                if (day - today).days > REMINDER_HORIZON_DAYS:
                    continue
                send_at = dt.datetime.combine(day, dt.time(REMINDER_HOUR_UTC), tzinfo=dt.UTC)
                items.append(
                    {
                        "occurrence_key": f"{REMINDER_PREFIX}{c.reminder_key}:{d.vaccine}:{d.dose}",
                        "send_at": send_at.isoformat().replace("+00:00", "Z"),
                        "template": "vaccination_due",
                        "params": {"vaccine": d.vaccine, "dose": d.dose},
                    }
                )
        return items

    async def set_reminders(self, child_id: str, on: bool) -> str:
        c = self.child(child_id)
        if c is None:
            return ""
        c.reminders = on
        try:
            await self._save()
        except VaultError as exc:
            c.reminders = not on
            return str(exc)
        return await self.sync_reminders()

    async def sync_reminders(self) -> str:
        """Replace this feature's reminders on the backend, keeping every other feature's."""
        app = self.app
        creds = app._creds()
        if app.client is None or creds is None:
            self.reminder_state = self.t("Reminders will be set when the app is connected.")
            return self.reminder_state
        try:
            current = await app.client.get_reminders(creds)
            keep = [
                {k: r[k] for k in ("occurrence_key", "send_at", "template", "params")}
                for r in current
                if not str(r.get("occurrence_key", "")).startswith(REMINDER_PREFIX)
            ]
            await app.client.put_reminders(creds, keep + self.reminder_items())
        except Exception as exc:  # noqa: BLE001 - offline or refused: say so, keep the setting
            log.info("handbook reminders not synced: %s", type(exc).__name__)
            self.reminder_state = self.t("Reminders could not be sent to the server; they will be retried.")
            return self.reminder_state
        self.reminder_state = self.t("Reminders are set.")
        return self.reminder_state

    async def _sync_reminders_quietly(self) -> None:
        if any(c.reminders for c in self.book.children):
            await self.sync_reminders()

    # ------------------------------------------------------------------ export / import
    def export_json(self) -> bytes:
        return (self.book.to_json() + "\n").encode()

    def export_fhir(self) -> bytes:
        return (json.dumps(fhir.to_bundle(self.book), ensure_ascii=False, indent=1) + "\n").encode()

    async def import_bytes(self, data: bytes) -> str | None:
        """Replace the handbook with an exported file (JSON or FHIR); an error message, or None."""
        try:
            raw = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            return self.t(
                "The file is not a handbook export ({reason}). Nothing was changed.", reason=str(exc)
            )
        try:
            if isinstance(raw, dict) and raw.get("resourceType") == "Bundle":
                book = fhir.from_bundle(raw, today=self.today())
            else:
                book = load_handbook(raw, today=self.today())
        except HandbookError as exc:
            return self.t("The file cannot be imported: {reason}. Nothing was changed.", reason=str(exc))
        previous = self.book
        self.book = book
        try:
            await self._save()
        except VaultError as exc:
            self.book = previous
            return str(exc)
        return None

    def summary_html(self, child_id: str) -> str:
        """A print-ready page: the child's vaccinations, schedule and growth records."""
        c = self.child(child_id)
        assert c is not None
        t, e = self.t, html.escape
        rows = "".join(
            f"<tr><td>{e(r.vaccine)}</td><td>{r.dose}</td><td>{e(r.status_label)}</td>"
            f"<td>{e(r.date)}</td><td>{e(r.reason)}</td></tr>"
            for r in self.timeline(child_id)
        )
        given = "".join(
            f"<tr><td>{e(schedule.vaccine_name(v.vaccine, t))}</td><td>{v.dose}</td>"
            f"<td>{e(t.long_day(v.date))}</td><td>{e(v.product or '')}</td><td>{e(v.lot)}</td>"
            f"<td>{e(v.clinic)}</td></tr>"
            for v in sorted(c.vaccinations, key=lambda v: v.date)
        )
        meas = "".join(
            f"<tr><td>{e(t.long_day(m.date))}</td><td>{'' if m.weight_kg is None else m.weight_kg}</td>"
            f"<td>{'' if m.height_cm is None else m.height_cm}</td>"
            f"<td>{'' if m.head_cm is None else m.head_cm}</td></tr>"
            for m in c.growth
        )
        lang = self.app.language.replace("_", "-").split("@")[0]
        h = {k: e(t(v)) for k, v in SUMMARY_LABELS.items()}
        born = e(t("Born {date}", date=t.long_day(c.birth_date)))
        w, ht, hd = (e(t(MEASURE_LABELS[m])) for m in ("weight", "height", "head"))
        return (
            f'<!doctype html><html lang="{e(lang)}"><meta charset="utf-8"><title>{e(c.name)}</title>'
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%;"
            "margin-bottom:1.5em}td,th{border:1px solid #444;padding:4px;text-align:left}</style>"
            f"<h1>{e(c.name)}</h1><p>{born}</p>"
            f"<h2>{h['given']}</h2><table><tr><th>{h['vaccine']}</th><th>{h['dose']}</th>"
            f"<th>{h['date']}</th><th>{h['product']}</th><th>{h['lot']}</th><th>{h['clinic']}</th>"
            f"</tr>{given}</table><h2>{h['schedule']}</h2><table><tr><th>{h['vaccine']}</th>"
            f"<th>{h['dose']}</th><th>{h['status']}</th><th>{h['date']}</th><th>{h['reason']}</th>"
            f"</tr>{rows}</table><h2>{h['growth']}</h2><table><tr><th>{h['date']}</th>"
            f"<th>{w}</th><th>{ht}</th><th>{hd}</th></tr>{meas}</table></html>"
        )
