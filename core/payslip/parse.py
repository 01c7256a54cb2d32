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
    n = len(text)
    # The hot paths: a scanner's own output, which ``clean`` would leave as it is.
    if n == ELQR_LENGTH:
        tags = _ELQR_PATTERN.fullmatch(text)  # matches 255 ASCII digits in the eL-QR's layout only
        if tags is not None:
            return _elqr(text, tags)
    elif n == CVS_LENGTH and text.isascii() and text.isdigit():
        return parse_cvs(text)
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
    pay_by = None if yymmdd == "999999" else _ymd("20" + yymmdd)
    reissue = ord(d[29]) - 48
    warnings = []
    if pay_by is None:
        warnings.append("no_pay_by")
    if reissue:
        warnings.append("reissued")
    if stamp:
        warnings.append("stamp_flag")
    return Slip._checked(
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


def _ymd(text: str) -> dt.date:
    """YYYYMMDD (8 ASCII digits: ISO 8601's basic form, which ``fromisoformat`` reads in C)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PayslipError("date") from None


# ----------------------------------------------------------------------------- eL-QR


def crc16(text: str) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of the ASCII text: binascii's crc_hqx."""
    return binascii.crc_hqx(text.encode("ascii"), 0xFFFF)


def ocr_check_pair(data: str) -> str:
    """The 2-digit check pair C1C2 that starts each OCR line of the 地方公金 標準帳票 (the eL-QR's
    83-digit payment block is the 39-digit upper line followed by the 44-digit lower line).

    C2: positions 1, 3, 5 … of ``data`` (from the left) times weights 9, 8 … 2 (repeating),
    plus the even positions unweighted, mod 10.  C1: the same over C2 + ``data`` with weights
    2, 3 … 9, mod 11, where 10 is written 0.  ``data``: 1 to 64 ASCII digits."""
    if not (0 < len(data) <= _MAX_LINE and data.isascii() and data.isdigit()):
        raise ValueError("an OCR line's data: 1 to 64 ASCII digits")
    return _check_pair(data.encode("ascii"))


def _check_pair(data: bytes) -> str:
    # Both weighted sums in C.  The weights repeat every 16 positions, so a table per position class
    # k (0 … 15) and digit d gives weight × digit: byte 10k + d.  Adding one constant to the line
    # read as a big-endian integer turns every digit's byte "0" … "9" into 10k + d at once (each byte
    # stays in 0 … 159, so nothing carries into its neighbour); then one bytes.translate per check
    # digit maps each byte to weight × digit, and sum() adds them up.
    n = len(data)
    classed = (int.from_bytes(data, "big") + _CLASS_SHIFT[n]).to_bytes(n, "big")
    c2 = sum(classed.translate(_C2_TABLE)) % 10
    # C2 is the first digit of C1's sum (weight 2); the data follow it with the weights after that
    c1 = (_C1_WEIGHTS[0] * c2 + sum(classed.translate(_C1_TABLE))) % 11 % 10
    return _TWO_DIGITS[10 * c1 + c2]


_MAX_LINE = 64
# weight of each position (odd positions weighted, even ones 1): 9 1 8 1 … 2 1 for C2 and 2 1 3 1 …
# 9 1 for C1 (whose first position is C2 itself), repeating every 16 positions
_C2_WEIGHTS = tuple(9 - (i // 2) % 8 if i % 2 == 0 else 1 for i in range(_MAX_LINE + 1))
_C1_WEIGHTS = tuple(2 + (i // 2) % 8 if i % 2 == 0 else 1 for i in range(_MAX_LINE + 1))
_CLASSES = 16
# byte 10k + d -> weight of a data position of class k, times d (bytes 160 … 255 never occur)
_C2_TABLE = bytes(_C2_WEIGHTS[b // 10] * (b % 10) if b < 10 * _CLASSES else 0 for b in range(256))
_C1_TABLE = bytes(_C1_WEIGHTS[b // 10 + 1] * (b % 10) if b < 10 * _CLASSES else 0 for b in range(256))
# per length n: what turns the bytes of n ASCII digits into 10k + d (k = position % 16)
_CLASS_SHIFT = tuple(
    sum((10 * (i % _CLASSES) - ord("0")) << (8 * (n - 1 - i)) for i in range(n)) for n in range(_MAX_LINE + 1)
)
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(100))


# The layout is fixed (TLV: 2-digit tag, 2-digit length, value): each tag where it belongs, with its
# own length.  One compiled pattern checks every tag and length and cuts out, in one pass, the values
# and the pieces of them the parser reads; a match also means 255 ASCII digits.
_ELQR_PATTERN = re.compile(
    r"""
    000201                # 00 payload format indicator: 01
    0102 ([0-9]{2})       # 01 point of initiation: 12 (dynamic)
    2796 ([0-9]{13})      # 27 merchant account information: 00 = 13800, then 01 = the 83-digit
                          #    payment block, the two OCR lines of the 地方公金 標準帳票:
         ([0-9]{2})       #    upper line (39): check pair C1C2,
         ([0-9]{11}       #      口座番号
          ([0-9]{11})     #      金額
          [0-9]           #      手数料負担区分
          ([0-9]{5})      #      機関ID (13800)
          ([0-9])         #      印紙税区分
          ([0-9]{3})      #      税目・料金番号
          [0-9]{5})       #      reserved
         ([0-9]{2})       #    lower line (44): check pair C1C2,
         (([0-9]{20})     #      案件特定キー
          ([0-9]{6})      #      確認番号
          [0-9]           #      eLTAX flag
          ([0-9]{5})      #      共通納税機関コード
          [0-9]{10})      #      税務事務所コード, reserved
    5411 ([0-9]{11})      # 54 amount
    6226 ([0-9]{4}) ([0-9]{4}) ([0-9]{2}) ([0-9]{8}) ([0-9]{8})  # 62 賦課年度 課税年度 期別 納期限 支払期限
    8085 [0-9]{85}        # 80 reserved
    6305 ([0-9]{5})       # 63 CRC
    """,
    re.VERBOSE,
)


def parse_elqr(d: str) -> Slip:
    if not d.startswith("000201"):
        raise PayslipError("format", kind=ELQR)
    tags = _ELQR_PATTERN.fullmatch(d)  # fixed layout: every tag where it belongs, with its length
    if tags is None:
        raise PayslipError("format", kind=ELQR)
    return _elqr(d, tags)


def _elqr(d: str, tags: re.Match) -> Slip:
    (
        method,
        account_info,
        upper_pair,
        upper,
        block_amount,
        agency,
        stamp_text,
        tax_code,
        lower_pair,
        lower,
        key,
        confirmation,
        institution,
        amount_text,
        assessment_year,
        tax_year,
        installment,
        due_text,
        pay_by_text,
        crc,
    ) = tags.groups()
    if binascii.crc_hqx(d.encode("ascii")[:-5], 0xFFFF) != int(crc):  # crc16 of all before the CRC
        raise PayslipError("crc")
    if account_info != _ELQR_ACCOUNT_INFO or method != "12":
        raise PayslipError("format", kind=ELQR)
    if _check_pair(upper.encode("ascii")) != upper_pair or _check_pair(lower.encode("ascii")) != lower_pair:
        raise PayslipError("check_digit")
    if agency != ELQR_AGENCY:
        raise PayslipError("format", kind=ELQR)
    if amount_text != block_amount:  # both 11 digits, zero-padded
        raise PayslipError("amount", amount=int(amount_text))
    amount = int(amount_text)
    if amount == 0:
        raise PayslipError("amount", amount=amount)
    due, pay_by = _ymd(due_text), _ymd(pay_by_text)
    if due > pay_by:
        raise PayslipError("date")
    stamp = ord(stamp_text) - 48
    if stamp > 1:
        raise PayslipError("stamp_flag", value=stamp)
    return Slip._checked(
        kind=ELQR,
        digits=d,
        amount=amount,
        pay_by=pay_by,
        due_date=due,
        stamp_flag=stamp,
        tax_code=tax_code,
        el_number=ElNumber._checked(
            institution=institution, key=key, confirmation=confirmation, tax_code=tax_code
        ),
        assessment_year=int(assessment_year),
        tax_year=int(tax_year),
        installment=int(installment),
        warnings=("stamp_flag",) if stamp else (),
    )


_ELQR_ACCOUNT_INFO = "0005" + ELQR_AGENCY + "0183"  # 00: 13800 (5 digits), 01: 83 digits follow


def try_parse(text: str) -> Slip | PayslipError:
    try:
        return parse(text)
    except PayslipError as exc:
        return exc
