"""Server-side, translated templates of app-owned reminders.

The phone computes *when* (vaccination schedules, tax deadlines) and sends only codes:
a vaccine id and dose number, a tax id and due date.  No names, birthdates or health data
reach the server; texts are rendered here in the device's language (gettext + Babel).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.i18n import N_, Translator

# Routine vaccinations of the Japanese schedule (定期接種).
VACCINES = {
    "hib": N_("Hib"),
    "pcv": N_("Pneumococcal (PCV)"),
    "hepb": N_("Hepatitis B"),
    "rotavirus": N_("Rotavirus"),
    "dpt_ipv_hib": N_("5-in-1 (DPT-IPV-Hib)"),
    "dpt_ipv": N_("4-in-1 (DPT-IPV)"),
    "bcg": N_("BCG"),
    "mr": N_("Measles-rubella (MR)"),
    "varicella": N_("Chickenpox (varicella)"),
    "jev": N_("Japanese encephalitis"),
    "dt": N_("Diphtheria-tetanus (DT)"),
    "hpv": N_("HPV"),
    # the handbook's schedule ids (core/handbook/data/schedule.json): one code per vaccine and stage
    "rota1": N_("Rotavirus (Rotarix, 2 doses)"),
    "rota5": N_("Rotavirus (RotaTeq, 3 doses)"),
    "mr1": N_("Measles-rubella (MR) stage 1"),
    "mr2": N_("Measles-rubella (MR) stage 2"),
    "var": N_("Varicella (chickenpox)"),
    "je1": N_("Japanese encephalitis stage 1"),
    "je2": N_("Japanese encephalitis stage 2"),
    "dt2": N_("Diphtheria-tetanus (DT) stage 2"),
}

TAXES = {
    "resident_tax": N_("Resident tax"),
    "property_tax": N_("Fixed asset tax"),
    "light_vehicle_tax": N_("Light vehicle tax"),
    "health_insurance": N_("National health insurance tax"),
    "nursing_care_insurance": N_("Long-term care insurance premium"),
    "other": N_("Tax or fee"),  # a slip whose tax the app could not tell (and the resident did not say)
}


@dataclass(frozen=True)
class Param:
    kind: str  # "code" | "int" | "date"
    required: bool = True
    values: tuple[str, ...] = ()
    minimum: int = 1
    maximum: int = 12


TEMPLATES: dict[str, dict[str, Param]] = {
    "vaccination_due": {"vaccine": Param("code", values=tuple(VACCINES)), "dose": Param("int", maximum=6)},
    "tax_due": {
        "tax": Param("code", values=tuple(TAXES)),
        "due_date": Param("date"),
        "installment": Param("int", required=False, maximum=12),
    },
}


class TemplateError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def validate(template: str, params: dict) -> dict[str, str | int]:
    """Checked and normalised params; raises TemplateError naming the bad field."""
    spec = TEMPLATES.get(template)
    if spec is None:
        raise TemplateError("template", f"unknown template {template!r}; known: {', '.join(TEMPLATES)}")
    unknown = [k for k in params if k not in spec]
    if unknown:
        raise TemplateError(
            f"params.{unknown[0]}",
            f"template {template!r} takes no parameter {unknown[0]!r} (allowed: {', '.join(spec)})",
        )
    out: dict[str, str | int] = {}
    for name, p in spec.items():
        if name not in params or params[name] is None:
            if p.required:
                raise TemplateError(f"params.{name}", f"template {template!r} needs parameter {name!r}")
            continue
        v = params[name]
        if p.kind == "code":
            if not isinstance(v, str) or v not in p.values:
                raise TemplateError(f"params.{name}", f"{name} must be one of: {', '.join(p.values)}")
        elif p.kind == "int":
            if isinstance(v, bool) or not isinstance(v, int) or not p.minimum <= v <= p.maximum:
                raise TemplateError(f"params.{name}", f"{name} must be an integer {p.minimum}..{p.maximum}")
        elif p.kind == "date":
            try:
                v = dt.date.fromisoformat(v).isoformat() if isinstance(v, str) and len(v) == 10 else None
            except ValueError:
                v = None
            if v is None:
                raise TemplateError(f"params.{name}", f"{name} must be a date YYYY-MM-DD")
        out[name] = v
    return out


def render(template: str, params: dict, lang: str) -> tuple[str, str]:
    t = Translator(lang)
    if template == "vaccination_due":
        code = params["vaccine"]
        vaccine = t(VACCINES[code])
        return (
            t("Vaccination reminder"),
            t(
                "{vaccine}, dose {dose}: the recommended period is starting. Please book an appointment.",
                vaccine=vaccine,
                dose=params["dose"],
            ),
        )
    if template == "tax_due":
        code, due = params["tax"], params["due_date"]
        tax = t(TAXES[code])
        day = t.day(dt.date.fromisoformat(due))
        if params.get("installment"):
            body = t(
                "{tax}, installment {installment}: the payment is due on {date}.",
                tax=tax,
                installment=params["installment"],
                date=day,
            )
        else:
            body = t("{tax}: the payment is due on {date}.", tax=tax, date=day)
        return t("Tax payment reminder"), body
    raise TemplateError("template", f"unknown template {template!r}")


def describe() -> list[dict]:
    return [
        {
            "id": name,
            "params": {
                k: {
                    "type": p.kind,
                    "required": p.required,
                    **({"values": list(p.values)} if p.values else {}),
                    **({"minimum": p.minimum, "maximum": p.maximum} if p.kind == "int" else {}),
                }
                for k, p in spec.items()
            },
        }
        for name, spec in TEMPLATES.items()
    ]
