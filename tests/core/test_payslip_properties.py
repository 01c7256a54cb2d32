"""Property tests of the slip parser (hypothesis): any 43 digits with their computed check digit
parse (or fail only on the meaning of a field, never on the check digit); any single-digit change
of a valid code is rejected; eL-QR codes round-trip and every single-digit change is caught."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.payslip import PayslipError, build, parse
from core.payslip.parse import cvs_check_digit, ocr_check_pair

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def digit_string(n: int):
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))


@given(
    company=digit_string(6),
    free=digit_string(21),
    reissue=st.integers(0, 9),
    pay_by=st.one_of(st.none(), dates),
    stamp=st.integers(0, 1),
    amount=st.integers(1, 300_000),
)
def test_any_slip_with_its_check_digit_parses_back(company, free, reissue, pay_by, stamp, amount):
    code = build.cvs(company=company, free=free, reissue=reissue, pay_by=pay_by, stamp=stamp, amount=amount)
    s = parse(code)
    assert (s.company_code, s.free_field, s.reissue, s.pay_by, s.stamp_flag, s.amount) == (
        company,
        free,
        reissue,
        pay_by,
        stamp,
        amount,
    )
    assert s.digits == code


@given(body=digit_string(41))
def test_any_43_digits_plus_their_check_digit_pass_the_check(body):
    first43 = "91" + body
    code = first43 + str(cvs_check_digit(first43))
    try:
        parse(code)
    except PayslipError as exc:  # only what the fields mean can be wrong, never the check digit
        assert exc.code in ("date", "amount", "stamp_flag"), exc.code


@st.composite
def one_digit_changed(draw, code: str):
    at = draw(st.integers(0, len(code) - 1))
    new = draw(digits.filter(lambda d: d != code[at]))
    return code[:at] + new + code[at + 1 :]


valid_cvs = st.builds(
    lambda c, f, a, d: build.cvs(company=c, free=f, amount=a, pay_by=d),
    digit_string(6),
    digit_string(21),
    st.integers(1, 300_000),
    dates,
)


@given(data=st.data(), code=valid_cvs)
def test_any_single_digit_change_of_a_barcode_is_rejected(data, code):
    changed = data.draw(one_digit_changed(code))
    try:
        parse(changed)
    except PayslipError as exc:
        assert exc.code in ("check_digit", "format")
    else:
        raise AssertionError(
            f"a changed digit was accepted at {next(i for i in range(44) if changed[i] != code[i])}"
        )


valid_elqr = st.builds(
    lambda amount, due, extra, key, conf, inst, tax: build.elqr(
        amount=amount,
        due=due,
        pay_by=due + dt.timedelta(days=extra),
        key=key,
        confirmation=conf,
        institution=inst,
        tax_code=tax,
    ),
    st.integers(1, 10**11 - 1),
    st.dates(min_value=dt.date(2023, 4, 1), max_value=dt.date(2090, 1, 1)),
    st.integers(0, 90),
    digit_string(20),
    digit_string(6),
    digit_string(5),
    digit_string(3),
)


@settings(max_examples=60)
@given(code=valid_elqr)
def test_any_elqr_parses_back_with_both_check_pairs_and_its_crc(code):
    s = parse(code)
    assert s.kind == "elqr" and s.el_number.key == code[29 + 39 + 2 : 29 + 39 + 22]
    assert s.due_date <= s.pay_by


@settings(max_examples=60)
@given(data=st.data(), code=valid_elqr)
def test_any_single_digit_change_of_an_elqr_is_rejected(data, code):
    changed = data.draw(one_digit_changed(code))
    try:
        parse(changed)
    except PayslipError as exc:
        assert exc.code in ("crc", "format", "check_digit", "amount", "date")
    else:
        raise AssertionError("a changed digit was accepted")


def reference_check_pair(data: str) -> str:
    """The OCR check pair as the reference words it, digit by digit (no packing, no tables)."""

    def weighted(digits: str, weights: list[int]) -> int:
        return sum(int(c) * (weights[(i // 2) % 8] if i % 2 == 0 else 1) for i, c in enumerate(digits))

    c2 = weighted(data, [9, 8, 7, 6, 5, 4, 3, 2]) % 10
    c1 = weighted(f"{c2}{data}", [2, 3, 4, 5, 6, 7, 8, 9]) % 11 % 10
    return f"{c1}{c2}"


def test_the_reference_check_pair_gives_the_real_sample_s_pairs():
    q1_block = build.elqr()[29:112]
    assert reference_check_pair(q1_block[2:39]) == "38" and reference_check_pair(q1_block[41:]) == "82"


@given(data=st.text(alphabet="0123456789", min_size=1, max_size=64))
def test_the_table_driven_check_pair_follows_the_reference(data):
    assert ocr_check_pair(data) == reference_check_pair(data)


def test_the_check_pair_takes_only_digits():
    for bad in ("", "12a4", "１２３", "1" * 65):
        with pytest.raises(ValueError):
            ocr_check_pair(bad)
