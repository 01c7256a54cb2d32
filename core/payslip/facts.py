"""What a city knows about its slips, read from ``cities/<slug>/payslip.json`` (data, not code).

    issuers      codes that identify the city's slips: CVS company codes and 収納企業コード
                 (the first 5 digits of the free field), eL-QR 共通納税機関コード; ``example``
                 marks codes the city has not confirmed (then a mismatch is only "unverified")
    taxes        tax id -> names per language, eL-QR 税目 codes and CVS client codes of that tax
    methods      payment methods: id, names, kinds of code they take, amount limit, link
    calendar     納期: the months of each tax's instalments and the due-day rule

The tax ids are the codes of the backend's ``tax_due`` reminder template.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from core.city import city_roots
from core.i18n import pick

SCHEMA = "machi-payslip/1"


class PayslipDataError(ValueError):
    pass


@dataclass(frozen=True)
class Method:
    id: str
    names: dict[str, str]
    kinds: tuple[str, ...]  # "cvs", "elqr"
    limit: int | None  # largest amount it takes (yen); None: no limit
    url: str
    example: bool = False  # not confirmed by the city (shown as such)
    notes: dict[str, str] = field(default_factory=dict)

    def name(self, lang: str) -> str:
        return pick(self.names, lang, self.id)

    def note(self, lang: str) -> str:
        return pick(self.notes, lang) if self.notes else ""


@dataclass(frozen=True)
class Tax:
    id: str
    names: dict[str, str]
    elqr_codes: tuple[str, ...] = ()
    client_codes: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return pick(self.names, lang, self.id)


@dataclass(frozen=True)
class Instalment:
    tax: str
    number: int  # 1-based; 0 when the tax is paid at once (全期)
    due: dt.date


@dataclass(frozen=True)
class Calendar:
    """Due months per tax; the due day is the month's last day (``december_day`` in December),
    moved to the next bank business day when it falls on a weekend or holiday."""

    months: dict[str, tuple[int, ...]]  # tax id -> months in fiscal-year order (4 … 3)
    december_day: int | None = None
    example: bool = False

    def due_dates(self, fiscal_year: int) -> list[Instalment]:
        out = []
        for tax, months in self.months.items():
            for i, month in enumerate(months, start=1):
                year = fiscal_year if month >= 4 else fiscal_year + 1
                day = (
                    self.december_day
                    if month == 12 and self.december_day
                    else pycal.monthrange(year, month)[1]
                )
                out.append(
                    Instalment(tax, i if len(months) > 1 else 0, next_business_day(dt.date(year, month, day)))
                )
        return sorted(out, key=lambda x: (x.due, x.tax))

    def between(self, start: dt.date, end: dt.date) -> list[Instalment]:
        fy = start.year if start.month >= 4 else start.year - 1
        out = []
        while dt.date(fy, 4, 1) <= end:
            out += [i for i in self.due_dates(fy) if start <= i.due <= end]
            fy += 1
        return out


def next_business_day(day: dt.date) -> dt.date:
    """Weekends, national holidays and the banks' year-end days (12/31-1/3) move a due date on."""
    import holidays

    jp = holidays.country_holidays("JP", years=range(day.year, day.year + 2))
    while day.weekday() >= 5 or day in jp or (day.month, day.day) in ((12, 31), (1, 1), (1, 2), (1, 3)):
        day += dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class Facts:
    city: str
    city_names: dict[str, str]
    timezone: str
    company_codes: frozenset[str]
    client_codes: frozenset[str]
    cvs_example: bool
    institution_codes: frozenset[str]
    elqr_example: bool
    taxes: dict[str, Tax]
    methods: tuple[Method, ...]
    calendar: Calendar
    reminder_days: tuple[int, ...] = (1, 3, 7)
    reminder_default: int = 3
    reminder_time: str = "09:00"
    source: Path | None = None

    def city_name(self, lang: str) -> str:
        return pick(self.city_names, lang, self.city)

    def tax_name(self, tax_id: str, lang: str) -> str:
        tax = self.taxes.get(tax_id)
        return tax.name(lang) if tax else tax_id

    def method(self, method_id: str) -> Method | None:
        return next((m for m in self.methods if m.id == method_id), None)

    @classmethod
    def from_json(cls, data: dict, city_meta: dict | None = None, source: Path | None = None) -> Facts:
        if data.get("schema") != SCHEMA:
            raise PayslipDataError(
                f"{source or 'payslip data'}: schema is {data.get('schema')!r}, expected {SCHEMA!r}"
            )
        meta = city_meta or {}
        names = meta.get("name") or {}
        issuers = data.get("issuers", {})
        cvs, el = issuers.get("cvs", {}), issuers.get("elqr", {})
        try:
            taxes = {
                tid: Tax(
                    tid, dict(tx["name"]), tuple(tx.get("elqr_codes", ())), tuple(tx.get("client_codes", ()))
                )
                for tid, tx in data.get("taxes", {}).items()
            }
            methods = tuple(
                Method(
                    m["id"],
                    dict(m["name"]),
                    tuple(m["kinds"]),
                    m.get("limit"),
                    m["url"],
                    bool(m.get("example")),
                    dict(m.get("notes", {})),
                )
                for m in data.get("methods", ())
            )
            cal = data.get("calendar", {})
            calendar = Calendar(
                {i["tax"]: tuple(i["months"]) for i in cal.get("instalments", ())},
                cal.get("december_day"),
                bool(cal.get("example")),
            )
        except (KeyError, TypeError) as exc:
            raise PayslipDataError(f"{source or 'payslip data'}: missing or bad field {exc}") from None
        unknown = [i for i in calendar.months if i not in taxes]
        if unknown:
            raise PayslipDataError(f"{source}: calendar names unknown taxes {unknown}")
        rem = data.get("reminders", {})
        return cls(
            city=data.get("city") or meta.get("slug") or "",
            city_names=names if isinstance(names, dict) else {"ja": names},
            timezone=meta.get("timezone", "Asia/Tokyo"),
            company_codes=frozenset(cvs.get("company_codes", ())),
            client_codes=frozenset(cvs.get("client_codes", ())),
            cvs_example=bool(cvs.get("example")),
            institution_codes=frozenset(el.get("institution_codes", ())),
            elqr_example=bool(el.get("example")),
            taxes=taxes,
            methods=methods,
            calendar=calendar,
            reminder_days=tuple(rem.get("days_before", (1, 3, 7))),
            reminder_default=int(rem.get("default_days_before", 3)),
            reminder_time=rem.get("time", "09:00"),
            source=source,
        )


def find_payslip_file(slug: str, data_dir: Path | None = None) -> Path:
    for root in city_roots(data_dir):
        if (root / slug / "payslip.json").is_file():
            return root / slug / "payslip.json"
    raise PayslipDataError(
        f"no payslip data for city {slug!r} (looked for cities/{slug}/payslip.json in "
        f"{', '.join(str(r) for r in city_roots(data_dir))})"
    )


def load_facts(slug: str, data_dir: Path | None = None) -> Facts:
    path = find_payslip_file(slug, data_dir)
    return _load(path, path.stat().st_mtime)


@cache
def _load(path: Path, mtime: float) -> Facts:
    meta_file = path.parent / "city.json"
    meta = json.loads(meta_file.read_text("utf-8")) if meta_file.is_file() else {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except ValueError as exc:
        raise PayslipDataError(f"{path}: not JSON: {exc}") from None
    return Facts.from_json(data, meta, path)
