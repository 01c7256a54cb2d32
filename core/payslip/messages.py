"""Translated texts of rejections and warnings (English msgids, gettext catalogs in locales/).

A message never contains a slip's digits; amounts are Babel currency (JPY), dates Babel dates.
"""

from __future__ import annotations

import datetime as dt

from babel.numbers import format_currency

from core.i18n import N_, Translator

REJECTION_MESSAGES = {
    "empty": N_("Enter the digits printed under the barcode."),
    "not_digits": N_("A slip number has digits only: check for letters or other signs."),
    "format": N_("This is not the code of a tax payment slip."),
    "check_digit": N_(
        "A digit was misread or mistyped (the check digit does not match). Scan again or check the number."
    ),
    "crc": N_("The QR code was not read correctly (its checksum does not match). Scan it again."),
    "date": N_("The dates on the slip are not valid."),
    "stamp_flag": N_("The slip's revenue-stamp flag is {value}; only 0 and 1 exist."),
}
_AMOUNT_ZERO = N_("The slip shows an amount of {amount}, which cannot be paid.")
_AMOUNT_OVER = N_("A slip over {maximum} carries no barcode, so this amount cannot be right.")
_AMOUNT_MISMATCH = N_("The amounts inside the QR code disagree. Scan it again.")

# Warnings: code -> (severity, message).  "block": the slip cannot be paid with an app;
# "warn": the resident should know before paying; "info": a fact about the slip.
WARNINGS = {
    "expired": (
        "block",
        N_(
            "The payment deadline ({date}) has passed: payment apps and convenience stores "
            "refuse this slip. Pay at a bank or the city office, or ask the city for a new slip."
        ),
    ),
    "past_due": ("warn", N_("The due date ({date}) has passed: late-payment charges may apply.")),
    "not_city": ("warn", N_("This slip is not from {city}. It is shown as read; pay it as its issuer says.")),
    "issuer_unverified": (
        "info",
        N_(
            "Machi cannot yet confirm that this slip is from {city}: the city's slip "
            "codes are not in its data."
        ),
    ),
    "over_limit": ("warn", N_("{methods} will refuse this slip: the amount is over the limit.")),
    "over_app_limit": (
        "block",
        N_(
            "The amount is over what payment apps take ({limit}). Pay at a bank, the "
            "city office or on the local tax payment site."
        ),
    ),
    "stamp_flag": (
        "warn",
        N_(
            "The slip asks for a revenue stamp, which tax slips never do: check that it is "
            "really from the city."
        ),
    ),
    "reissued": ("info", N_("Reissued slip (reissue no. {reissue}).")),
    "no_pay_by": ("info", N_("The barcode gives no payment deadline: check the date printed on the slip.")),
    "already_scanned": ("warn", N_("You scanned this slip before, on {date}.")),
    "already_paid": (
        "block",
        N_(
            "You marked this slip as paid on {date}. Do not pay twice: the city sees an "
            "app payment only after 2 to 3 weeks."
        ),
    ),
    "older_issue_paid": (
        "warn",
        N_(
            "You marked another issue of this bill as paid on {date}. Check that this "
            "one is still due before paying."
        ),
    ),
}
SEVERITY_ORDER = {"block": 0, "warn": 1, "info": 2}


def yen(amount: int, lang: str) -> str:
    """¥39,500 / ￥39,500 in the language's currency format (Babel, JPY)."""
    return format_currency(amount, "JPY", locale=Translator(lang).locale)


def rejection_text(code: str, lang: str | None = "en", **params: object) -> str:
    t = Translator(lang or "en")
    if code == "length":
        return t.plural(
            "The number has {n} digit; the number under a slip's barcode has 44.",
            "The number has {n} digits; the number under a slip's barcode has 44.",
            int(params.get("length", 0)),
        )
    if code == "amount":
        amount = int(params.get("amount", 0))
        maximum = params.get("maximum")
        if maximum is None:
            return t(_AMOUNT_MISMATCH) if amount else t(_AMOUNT_ZERO, amount=yen(0, t.lang))
        if amount == 0:
            return t(_AMOUNT_ZERO, amount=yen(0, t.lang))
        return t(_AMOUNT_OVER, maximum=yen(int(maximum), t.lang))
    if code == "format" or code not in REJECTION_MESSAGES:
        return t(REJECTION_MESSAGES["format"])
    return t(REJECTION_MESSAGES[code], **params)


def warning_text(code: str, t: Translator, **params: object) -> str:
    """``params`` may hold dates (formatted here with Babel) and amounts under ``limit``."""
    shown = {}
    for k, v in params.items():
        if isinstance(v, dt.date):
            shown[k] = t.long_day(v)
        elif k == "limit" and isinstance(v, int):
            shown[k] = yen(v, t.lang)
        elif isinstance(v, list | tuple):
            shown[k] = t.join([str(x) for x in v])
        else:
            shown[k] = v
    return t(WARNINGS[code][1], **shown)


def severity(code: str) -> str:
    return WARNINGS[code][0]
