"""Handbook records following the official 母子健康手帳 (省令様式, 2023 revision), several children per device.

A handbook is one JSON document (``Handbook.to_json()``), stored encrypted on the phone
(app/services/vault.py) and exported as JSON or a FHIR R4 Bundle (core/handbook/fhir.py).
``load_handbook`` validates a whole document and raises ``HandbookError`` naming every problem;
callers replace the stored handbook only with a document that passed.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.handbook import schedule

SCHEMA_VERSION = 1
CHECKUPS = ("1m", "3-4m", "6-7m", "9-10m", "1y", "1y6m", "2y", "3y", "4y", "5y", "6y")
CONDITIONS = ("hbig_prophylaxis", "had_chickenpox")


@cache
def checkup_questions() -> dict[str, list[dict]]:
    """The official yes/no development questions by check-up kind (data/checkup_questions.json)."""
    path = Path(__file__).resolve().parent / "data" / "checkup_questions.json"
    return json.loads(path.read_text(encoding="utf-8"))["checkups"]


class HandbookError(ValueError):
    """A handbook document that cannot be accepted (nothing stored was changed)."""


def new_id() -> str:
    return secrets.token_hex(8)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Guardian(_Model):
    id: str = Field(default_factory=new_id)
    name: str = Field(min_length=1, max_length=100)
    relation: str = Field(default="", max_length=40)


class PregnancyVisit(_Model):
    id: str = Field(default_factory=new_id)
    date: dt.date
    week: int = Field(ge=0, le=45)
    weight_kg: float | None = Field(default=None, gt=25, lt=200)
    bp_systolic: int | None = Field(default=None, ge=50, le=260)
    bp_diastolic: int | None = Field(default=None, ge=30, le=180)
    urine_protein: Literal["-", "±", "+", "++", "+++"] | None = None
    urine_sugar: Literal["-", "±", "+", "++", "+++"] | None = None
    fundal_height_cm: float | None = Field(default=None, gt=0, lt=60)
    notes: str = Field(default="", max_length=2000)
    facility: str = Field(default="", max_length=200)


class MaternalVaccination(_Model):
    """A vaccine given to the pregnant woman for the baby (RSV 母子免疫, routine from 2026-04-01)."""

    id: str = Field(default_factory=new_id)
    vaccine: Literal["rsv"]
    date: dt.date
    product: str | None = Field(default=None, max_length=60)
    lot: str = Field(default="", max_length=60)
    clinic: str = Field(default="", max_length=200)


class Pregnancy(_Model):
    id: str = Field(default_factory=new_id)
    due_date: dt.date | None = None
    visits: list[PregnancyVisit] = []
    vaccinations: list[MaternalVaccination] = []

    @model_validator(mode="after")
    def _once_per_pregnancy(self):
        kinds = [v.vaccine for v in self.vaccinations]
        if len(set(kinds)) != len(kinds):
            raise ValueError("a maternal vaccine is given once per pregnancy")
        return self

    def maternal_plan(self, on: dt.date) -> list[schedule.MaternalDose]:
        """The maternal vaccines' windows and status (empty without a due date)."""
        if self.due_date is None:
            return []
        given = {v.vaccine: v.date for v in self.vaccinations}
        return schedule.maternal_plan(due_date=self.due_date, given=given, on=on)


class Birth(_Model):
    gestational_weeks: int | None = Field(default=None, ge=20, le=45)
    gestational_days: int | None = Field(default=None, ge=0, le=6)
    weight_kg: float | None = Field(default=None, gt=0.2, lt=7)
    length_cm: float | None = Field(default=None, gt=20, lt=70)
    head_cm: float | None = Field(default=None, gt=15, lt=45)
    chest_cm: float | None = Field(default=None, gt=15, lt=50)
    delivery: str = Field(default="", max_length=200)
    place: str = Field(default="", max_length=200)


class Measurement(_Model):
    id: str = Field(default_factory=new_id)
    date: dt.date
    weight_kg: float | None = Field(default=None, gt=0.2, lt=80)
    height_cm: float | None = Field(default=None, gt=20, lt=180)
    head_cm: float | None = Field(default=None, gt=15, lt=65)

    @model_validator(mode="after")
    def _one_value(self):
        if self.weight_kg is None and self.height_cm is None and self.head_cm is None:
            raise ValueError("a measurement needs a weight, a height or a head circumference")
        return self


class Checkup(_Model):
    id: str = Field(default_factory=new_id)
    kind: Literal[CHECKUPS]  # type: ignore[valid-type]
    date: dt.date
    weight_kg: float | None = Field(default=None, gt=0.2, lt=80)
    height_cm: float | None = Field(default=None, gt=20, lt=180)
    head_cm: float | None = Field(default=None, gt=15, lt=65)
    chest_cm: float | None = Field(default=None, gt=15, lt=100)
    nutrition: str = Field(default="", max_length=200)
    eyes: str = Field(default="", max_length=200)
    ears: str = Field(default="", max_length=200)
    teeth: str = Field(default="", max_length=200)
    findings: str = Field(default="", max_length=2000)
    facility: str = Field(default="", max_length=200)
    answers: dict[str, bool] = {}  # question id -> yes/no (checkup_questions() where listed)

    @model_validator(mode="after")
    def _known_questions(self):
        listed = checkup_questions().get(self.kind)
        if listed is not None:
            unknown = set(self.answers) - {q["id"] for q in listed}
            if unknown:
                raise ValueError(f"unknown {self.kind} check-up questions: {', '.join(sorted(unknown))}")
        return self


class Vaccination(_Model):
    id: str = Field(default_factory=new_id)
    vaccine: str
    dose: int = Field(ge=1, le=10)
    date: dt.date
    product: str | None = Field(default=None, max_length=60)
    lot: str = Field(default="", max_length=60)
    clinic: str = Field(default="", max_length=200)

    @field_validator("vaccine")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in schedule.vaccine_ids():
            raise ValueError(f"unknown vaccine {v!r}")
        return v

    def given(self) -> schedule.Given:
        return schedule.Given(
            self.vaccine,
            self.dose,
            self.date,
            self.product,
            source=f"{self.vaccine}:{self.dose}:{self.date.isoformat()}",
        )


class Note(_Model):
    id: str = Field(default_factory=new_id)
    date: dt.date
    text: str = Field(min_length=1, max_length=5000)


class Child(_Model):
    id: str = Field(default_factory=new_id)
    name: str = Field(min_length=1, max_length=100)
    sex: Literal["male", "female"]
    birth_date: dt.date
    reminder_key: str = Field(default_factory=lambda: secrets.token_urlsafe(12))  # random, not linkable
    reminders: bool = False
    conditions: list[Literal[CONDITIONS]] = []  # type: ignore[valid-type]
    illness_ended: dt.date | None = None  # 長期療養特例: the day a long illness ended
    birth: Birth | None = None
    checkups: list[Checkup] = []
    growth: list[Measurement] = []
    vaccinations: list[Vaccination] = []
    notes: list[Note] = []

    @model_validator(mode="after")
    def _dates_after_birth(self):
        if self.illness_ended is not None and self.illness_ended < self.birth_date:
            raise ValueError(f"illness_ended {self.illness_ended} is before the birth ({self.birth_date})")
        for rec in [*self.checkups, *self.growth, *self.vaccinations, *self.notes]:
            if rec.date < self.birth_date:
                raise ValueError(
                    f"{type(rec).__name__.lower()} {rec.id} is dated {rec.date} before the birth "
                    f"({self.birth_date})"
                )
        return self

    def given(self) -> list[schedule.Given]:
        return [v.given() for v in self.vaccinations]


class Handbook(_Model):
    schema_version: Literal[1] = SCHEMA_VERSION
    guardians: list[Guardian] = []
    pregnancies: list[Pregnancy] = []
    children: list[Child] = []

    def child(self, child_id: str) -> Child:
        for c in self.children:
            if c.id == child_id:
                return c
        raise KeyError(child_id)

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1, sort_keys=True)


def _migrate(raw: dict) -> dict:
    """Older documents to the current schema (none yet: schema 1 is the first)."""
    version = raw.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or version < 1:
        raise HandbookError(f"schema_version {version!r} is not valid")
    if version > SCHEMA_VERSION:
        raise HandbookError(f"schema_version {version} is newer than this app understands ({SCHEMA_VERSION})")
    return raw


def load_handbook(raw: dict | str | bytes, *, today: dt.date | None = None) -> Handbook:
    """A validated handbook from JSON (text or parsed); ``HandbookError`` names every problem."""
    if isinstance(raw, (str, bytes)):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise HandbookError(f"not a JSON document: {exc}") from None
    if not isinstance(raw, dict):
        raise HandbookError("a handbook is a JSON object")
    raw = _migrate(raw)
    try:
        book = Handbook.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'document'}: {e['msg']}" for e in exc.errors()
        )
        raise HandbookError(problems) from None
    ids = [c.id for c in book.children]
    if len(set(ids)) != len(ids):
        raise HandbookError("two children have the same id")
    for c in book.children:
        try:
            schedule.validate(c.birth_date, c.given(), on=today)
        except schedule.ScheduleError as exc:
            raise HandbookError(f"children.{c.id}: {exc}") from None
        if today:
            for rec in [*c.checkups, *c.growth, *c.vaccinations, *c.notes]:
                if rec.date > today:
                    raise HandbookError(f"children.{c.id}: {rec.id} is dated in the future ({rec.date})")
            if c.illness_ended and c.illness_ended > today:
                raise HandbookError(f"children.{c.id}: illness_ended is in the future ({c.illness_ended})")
    if today:
        for p in book.pregnancies:
            for v in p.vaccinations:
                if v.date > today:
                    raise HandbookError(f"pregnancies.{p.id}: {v.id} is dated in the future ({v.date})")
    return book
