"""What a parsed slip means for a resident of a city on a given day: warnings (expired, over a
method's limit, not the city's), which payment methods take it, and which tax it probably is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from core.payslip.facts import Facts, Method
from core.payslip.messages import SEVERITY_ORDER, severity
from core.payslip.model import CVS, ELQR, Slip


@dataclass(frozen=True)
class Warning:
    code: str
    params: dict = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return severity(self.code)


@dataclass(frozen=True)
class MethodOption:
    method: Method
    available: bool
    reason: str | None = None  # "expired", "over_limit", "kind"


@dataclass(frozen=True)
class Assessment:
    slip: Slip
    warnings: tuple[Warning, ...]
    methods: tuple[MethodOption, ...]  # the methods that take this kind of code, available or not
    is_city: bool | None  # None: the city's codes are not confirmed
    tax: str | None  # the tax id, when the data tells
    instalment: int | None
    tax_guessed: bool  # True: from the city's calendar (a guess), not from a code on the slip
    days_left: int | None  # to the last day apps take it (negative: past)

    @property
    def codes(self) -> list[str]:
        return [w.code for w in self.warnings]

    @property
    def blocked(self) -> bool:
        return any(w.severity == "block" for w in self.warnings)


def issuer_matches(slip: Slip, facts: Facts) -> bool | None:
    """True/False when the city's codes say; None when they are examples only and do not match."""
    if slip.kind == CVS:
        codes_known = bool(facts.company_codes or facts.client_codes)
        match = slip.company_code in facts.company_codes and (
            not facts.client_codes or slip.client_code in facts.client_codes
        )
        example = facts.cvs_example or not codes_known
    else:
        assert slip.el_number is not None
        codes_known = bool(facts.institution_codes)
        match = slip.el_number.institution in facts.institution_codes
        example = facts.elqr_example or not codes_known
    if match:
        return True
    return None if example else False


def guess_tax(slip: Slip, facts: Facts) -> tuple[str | None, int | None, bool]:
    """The tax (and instalment) from the eL-QR's 税目 code or the CVS client code; else from the
    city's calendar when exactly one instalment falls on the slip's 納期限 (or 支払期限)."""
    for tax in facts.taxes.values():
        if (slip.tax_code and slip.tax_code in tax.elqr_codes) or (
            slip.client_code and slip.client_code in tax.client_codes
        ):
            return tax.id, (slip.installment or None), False
    day = slip.due_date or slip.pay_by
    if day is None:
        return None, None, False
    hits = facts.calendar.between(day, day)
    if len(hits) == 1:
        return hits[0].tax, hits[0].number or None, True
    return None, None, False


def assess(slip: Slip, facts: Facts, today: dt.date) -> Assessment:
    warnings = [Warning(code) for code in slip.warnings if code not in ("reissued",)]
    if slip.reissue:
        warnings.append(Warning("reissued", {"reissue": slip.reissue}))
    last = slip.last_day
    expired = last is not None and last < today
    if expired:
        warnings.append(Warning("expired", {"date": last}))
    elif slip.due_date and slip.due_date < today:
        warnings.append(Warning("past_due", {"date": slip.due_date}))
    is_city = issuer_matches(slip, facts)
    if is_city is False:
        warnings.append(Warning("not_city", {"city": facts.city_name("ja")}))
    elif is_city is None:
        warnings.append(Warning("issuer_unverified", {"city": facts.city_name("ja")}))
    options = []
    for m in facts.methods:
        if slip.kind not in m.kinds:
            continue
        reason = (
            "expired" if expired else "over_limit" if m.limit is not None and slip.amount > m.limit else None
        )
        options.append(MethodOption(m, reason is None, reason))
    over = [o.method for o in options if o.reason == "over_limit"]
    apps = [o for o in options if o.method.limit is not None]
    if apps and all(o.reason == "over_limit" for o in apps) and slip.kind == ELQR:
        warnings.append(Warning("over_app_limit", {"limit": max(o.method.limit for o in apps)}))
    elif over:
        warnings.append(Warning("over_limit", {"methods": [m.id for m in over]}))
    tax, instalment, guessed = guess_tax(slip, facts)
    warnings.sort(key=lambda w: SEVERITY_ORDER[w.severity])
    days_left = (last - today).days if last else None
    return Assessment(slip, tuple(warnings), tuple(options), is_city, tax, instalment, guessed, days_left)


def explain(w: Warning, facts: Facts, t) -> str:
    """The warning as a sentence in ``t``'s language: method ids become names, the city its name."""
    from core.payslip.messages import warning_text

    params = dict(w.params)
    if "city" in params:
        params["city"] = facts.city_name(t.lang)
    if "methods" in params:
        params["methods"] = [m.name(t.lang) for mid in params["methods"] if (m := facts.method(mid))]
    return warning_text(w.code, t, **params)
