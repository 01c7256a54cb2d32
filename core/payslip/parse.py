"""Parse what a slip's barcode says, offline: the convenience-store barcode (GS1-128, AI 91)
and the eL-QR.  Layouts, check digits and CRC: ``shared/reference/payslip-formats.md``.

    parse(text) -> Slip            raises PayslipError(code) on anything it cannot trust

Input may be what a scanner returns (``]C1`` + 44 digits, ``(91)…`` in zxing's HRI mode) or
what a resident types from the two printed lines under the bars (full-width digits, spaces,
hyphens, line breaks): it is cleaned first (``clean``).
"""

from __future__ import annotations

import binascii
import datetime as dt
import operator
import re
import unicodedata

from core.payslip.model import CVS, ELQR, ElNumber, PayslipError, Slip

CVS_LENGTH = 44
ELQR_LENGTH = 255
CVS_MAX_AMOUNT = 300_000  # GS1-128 標準料金代理収納: slips over ¥300,000 carry no barcode
ELQR_AGENCY = "13800"  # 地方税共同機構

# Characters a resident or a printer puts between the digits: spaces, line breaks, hyphens of any
# width (the IME's 長音 ー for "-" too), and the parentheses of "(91)".
_NOISE = re.compile(r"[\s()\-‐‑‒–—―−ーｰ_.・/]+")
_ASCII_DIGITS = frozenset("0123456789")


def clean(text: str) -> str:
    """NFKC (full-width digits), then drop ``]C1``/``EAN`` prefixes, spaces, hyphens, line
    breaks and parentheses.  Letters and other signs are kept, so ``parse`` can say "not digits"."""
    if len(text) in (CVS_LENGTH, ELQR_LENGTH) and text.isascii() and text.isdigit():
        return text  # the scanner's own output: nothing to clean (the hot path)
    value = unicodedata.normalize("NFKC", text).strip()
    for prefix in ("]C1", "]c1", "]Q1", "]q1"):
        if value.startswith(prefix):
            value = value[3:]
            break
    if value[:3].upper() == "EAN":
        value = value[3:]
    return _NOISE.sub("", value)


def parse(text: str) -> Slip:
    digits = clean(text)
    if not digits:
        raise PayslipError("empty")
    if not (digits.isascii() and digits.isdigit()):
        raise PayslipError("not_digits")
    n = len(digits)
    if n == CVS_LENGTH:
        return parse_cvs(digits)
    if n == ELQR_LENGTH:
        return parse_elqr(digits)
    raise PayslipError("length", length=n)


# ----------------------------------------------------------------------------- GS1-128, AI 91


def cvs_check_digit(first43: str) -> int:
    """Modulus 10, weights 3/1 from the right over the first 43 digits, "91" included."""
    b = first43.encode()
    odd = sum(b[42::-2]) - 48 * 22  # positions 1, 3, 5 … from the right
    even = sum(b[41::-2]) - 48 * 21
    return -(3 * odd + even) % 10


def parse_cvs(d: str) -> Slip:
    if not d.startswith("91"):
        raise PayslipError("format", kind=CVS)
    if cvs_check_digit(d[:43]) != ord(d[43]) - 48:
        raise PayslipError("check_digit")
    stamp = ord(d[36]) - 48
    if stamp > 1:
        raise PayslipError("stamp_flag", value=stamp)
    amount = int(d[37:43])
    if amount == 0 or amount > CVS_MAX_AMOUNT:
        raise PayslipError("amount", amount=amount, maximum=CVS_MAX_AMOUNT)
    yymmdd = d[30:36]
    pay_by = None if yymmdd == "999999" else _date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    reissue = ord(d[29]) - 48
    warnings = []
    if pay_by is None:
        warnings.append("no_pay_by")
    if reissue:
        warnings.append("reissued")
    if stamp:
        warnings.append("stamp_flag")
    return Slip(
        kind=CVS,
        digits=d,
        amount=amount,
        pay_by=pay_by,
        company_code=d[2:8],
        free_field=d[8:29],
        reissue=reissue,
        stamp_flag=stamp,
        warnings=tuple(warnings),
    )


def _date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise PayslipError("date") from None


def _ymd(text: str) -> dt.date:
    return _date(int(text[:4]), int(text[4:6]), int(text[6:8]))


# ----------------------------------------------------------------------------- eL-QR


def crc16(text: str) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of the ASCII text: binascii's crc_hqx."""
    return binascii.crc_hqx(text.encode("ascii"), 0xFFFF)


def ocr_check_pair(data: str) -> str:
    """The 2-digit check pair C1C2 that starts each OCR line of the 地方公金 標準帳票 (the eL-QR's
    83-digit payment block is the 39-digit upper line followed by the 44-digit lower line).

    C2: positions 1, 3, 5 … of ``data`` (from the left) times weights 9, 8 … 2 (repeating),
    plus the even positions unweighted, mod 10.  C1: the same over C2 + ``data`` with weights
    2, 3 … 9, mod 11, where 10 is written 0."""
    b = data.encode("ascii")
    c2 = _weighted(b, _C2_WEIGHTS, _C2_ZERO) % 10
    # C2 is the first digit of C1's sum (weight 2); the data follow it with the weights after that
    c1 = (_C1_WEIGHTS[0] * c2 + _weighted(b, _C1_AFTER_FIRST, _C1_AFTER_FIRST_ZERO)) % 11 % 10
    return f"{c1}{c2}"


# weight of each position (odd positions weighted, even ones 1), long enough for a 44-digit line
_C2_WEIGHTS = tuple(9 - (i // 2) % 8 if i % 2 == 0 else 1 for i in range(64))
_C1_WEIGHTS = tuple(2 + (i // 2) % 8 if i % 2 == 0 else 1 for i in range(64))


# 48 (ord "0") times the sum of the weights that a string of n digits uses, per n
_C2_ZERO = tuple(48 * sum(_C2_WEIGHTS[:n]) for n in range(len(_C2_WEIGHTS) + 1))
_C1_AFTER_FIRST = _C1_WEIGHTS[1:]
_C1_AFTER_FIRST_ZERO = tuple(48 * sum(_C1_AFTER_FIRST[:n]) for n in range(len(_C1_AFTER_FIRST) + 1))


def _weighted(digits: bytes, weights: tuple[int, ...], zero: tuple[int, ...]) -> int:
    return sum(map(operator.mul, digits, weights)) - zero[len(digits)]


_ELQR_LAYOUT = (("00", 2), ("01", 2), ("27", 96), ("54", 11), ("62", 26), ("80", 85), ("63", 5))


# The layout is fixed: each tag where it belongs, with its own length.  One compiled pattern checks
# every tag and length and cuts the values out in one pass.
_ELQR_TAGS = tuple(tag for tag, _ in _ELQR_LAYOUT)
_ELQR_PATTERN = re.compile("".join(f"{tag}{length:02d}([0-9]{{{length}}})" for tag, length in _ELQR_LAYOUT))


def _tlv(d: str) -> dict[str, str]:
    m = _ELQR_PATTERN.fullmatch(d)
    if m is None:
        raise PayslipError("format", kind=ELQR)
    return dict(zip(_ELQR_TAGS, m.groups(), strict=True))


def parse_elqr(d: str) -> Slip:
    if not d.startswith("000201"):
        raise PayslipError("format", kind=ELQR)
    tags = _tlv(d)  # fixed layout: every tag where it belongs, with its length
    if crc16(d[:-5]) != int(tags["63"]):
        raise PayslipError("crc")
    mai = tags["27"]  # merchant account information: 00 = 13800, 01 = the 83-digit payment block
    if mai[:4] != "0005" or mai[4:9] != ELQR_AGENCY or mai[9:13] != "0183" or tags["01"] != "12":
        raise PayslipError("format", kind=ELQR)
    block = mai[13:]
    upper, lower = block[:39], block[39:]
    if ocr_check_pair(upper[2:]) != upper[:2] or ocr_check_pair(lower[2:]) != lower[:2]:
        raise PayslipError("check_digit")
    if upper[25:30] != ELQR_AGENCY:
        raise PayslipError("format", kind=ELQR)
    amount = int(tags["54"])
    if amount != int(upper[13:24]):
        raise PayslipError("amount", amount=amount)
    if amount == 0:
        raise PayslipError("amount", amount=amount)
    extra = tags["62"]  # 賦課年度, 課税年度, 期別, 納期限, 支払期限
    due, pay_by = _ymd(extra[10:18]), _ymd(extra[18:26])
    if due > pay_by:
        raise PayslipError("date")
    stamp = ord(upper[30]) - 48
    if stamp > 1:
        raise PayslipError("stamp_flag", value=stamp)
    tax_code = upper[31:34]
    el = ElNumber(institution=lower[29:34], key=lower[2:22], confirmation=lower[22:28], tax_code=tax_code)
    return Slip(
        kind=ELQR,
        digits=d,
        amount=amount,
        pay_by=pay_by,
        due_date=due,
        stamp_flag=stamp,
        tax_code=tax_code,
        el_number=el,
        assessment_year=int(extra[:4]),
        tax_year=int(extra[4:8]),
        installment=int(extra[8:10]),
        warnings=("stamp_flag",) if stamp else (),
    )


def try_parse(text: str) -> Slip | PayslipError:
    try:
        return parse(text)
    except PayslipError as exc:
        return exc
