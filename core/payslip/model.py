"""Typed results of the slip parser: a ``Slip`` or a ``PayslipError`` with a stable code.

Nothing here ever puts a slip's digits into an exception message or a ``repr`` meant for logs:
a slip's numbers identify a taxpayer's bill (see ``Slip.__repr__``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Self

CVS = "cvs"  # コンビニ収納用バーコード (GS1-128, AI 91, 44 digits)
ELQR = "elqr"  # 地方税統一QRコード (eL-QR, 255 digits)

# Rejection codes (the CLI contract lists these; every one has a translated message in messages.py).
REJECTIONS = ("empty", "not_digits", "length", "format", "check_digit", "crc", "date", "amount", "stamp_flag")


class PayslipError(ValueError):
    """A rejected slip: ``code`` (one of REJECTIONS) and ``params`` for the translated message.

    ``str(err)`` is an English sentence without any of the slip's digits."""

    def __init__(self, code: str, **params: object):
        from core.payslip.messages import rejection_text

        self.code, self.params = code, params
        super().__init__(rejection_text(code, None, **params))

    def message(self, lang: str = "en") -> str:
        from core.payslip.messages import rejection_text

        return rejection_text(self.code, lang, **self.params)

    def to_json(self, lang: str = "en") -> dict:
        return {"error": {"code": self.code, "message": self.message(lang)}}


class _Checked:
    """``cls._checked(**fields)``: an instance of a frozen dataclass from fields the parser has just
    validated, built in one step.  The generated ``__init__`` sets each field through
    ``object.__setattr__`` (frozen), which was a fifth of the time of parsing an eL-QR.  Fields not
    given keep their class default (plain defaults only, no factories: a test holds this)."""

    __slots__ = ()

    @classmethod
    def _checked(cls, **values: object) -> Self:
        obj = object.__new__(cls)
        vars(obj).update(values)
        return obj


@dataclass(frozen=True)
class ElNumber(_Checked):
    """eL番号: the four keys that the 地方税お支払サイト and Pay-easy ask for."""

    institution: str  # 共通納税機関コード (used as 収納機関番号), 5 digits
    key: str  # 案件特定キー (納付番号), 20 digits
    confirmation: str  # 確認番号, 6 digits
    tax_code: str  # 税目・料金番号 (納付区分), 3 digits

    def to_json(self) -> dict:
        return {
            "institution": self.institution,
            "key": self.key,
            "confirmation": self.confirmation,
            "tax_code": self.tax_code,
        }


@dataclass(frozen=True, repr=False)
class Slip(_Checked):
    kind: str  # CVS or ELQR
    digits: str  # the code's content, normalised (44 or 255 digits)
    amount: int  # yen
    pay_by: dt.date | None  # 支払期限 (the last day apps and shops take it); None: no deadline (999999)
    due_date: dt.date | None = None  # 納期限 (eL-QR only)
    company_code: str | None = None  # 請求書発行企業コード (CVS)
    free_field: str | None = None  # 自由使用欄 (CVS, 21 digits)
    reissue: int | None = None  # 再発行区分 (CVS): 0 original, 1 first reissue, ...
    stamp_flag: int | None = None  # 印紙フラグ (CVS) / 印紙税区分 (eL-QR)
    tax_code: str | None = None  # 税目・料金番号 (eL-QR)
    el_number: ElNumber | None = None
    assessment_year: int | None = None  # 賦課年度 (eL-QR)
    tax_year: int | None = None  # 課税年度 (eL-QR)
    installment: int | None = None  # 期別 (eL-QR); 0 = 全期 or not given
    warnings: tuple[str, ...] = field(default=())  # what the slip itself says (see messages.WARNINGS)

    def __repr__(self) -> str:  # never the digits (logs, tracebacks)
        return f"Slip(kind={self.kind!r}, amount=…, pay_by=…)"

    @property
    def client_code(self) -> str | None:
        """The 5-digit 収納企業コード that agencies put first in the free field (CVS)."""
        return self.free_field[:5] if self.free_field else None

    @property
    def notice_key(self) -> str:
        """What identifies one liability across reissues: the digits without the reissue,
        date and check fields (CVS: company + free field; eL-QR: the eL number's key)."""
        if self.kind == CVS:
            return f"cvs:{self.company_code}{self.free_field}"
        assert self.el_number is not None
        return f"el:{self.el_number.institution}{self.el_number.key}"

    @property
    def last_day(self) -> dt.date | None:
        """The last day the slip can be paid with an app: 支払期限, else 納期限."""
        return self.pay_by or self.due_date

    def to_json(self, warnings: list[str] | tuple[str, ...] | None = None) -> dict:
        """The CLI contract's shape (``machi payslip parse --json``)."""
        return {
            "kind": self.kind,
            "amount": self.amount,
            "pay_by": self.pay_by.isoformat() if self.pay_by else None,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "company_code": self.company_code,
            "reissue": self.reissue,
            "stamp_flag": self.stamp_flag,
            "tax_code": self.tax_code,
            "el_number": self.el_number.to_json() if self.el_number else None,
            "warnings": list(self.warnings if warnings is None else warnings),
        }
