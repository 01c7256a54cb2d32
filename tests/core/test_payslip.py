"""Slip parsing: every validation case of the reference table (shared/reference/payslip-formats.md
§5), the real test vectors V1, V2 and Q1, the city facts, the assessment, ICS and the CLI contract."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from cli.main import app
from core.payslip import CVS, ELQR, ElNumber, PayslipError, Slip, assess, build, load_facts, parse
from core.payslip.assess import explain
from core.payslip.facts import PayslipDataError, next_business_day
from core.payslip.ics import tax_calendar
from core.payslip.messages import WARNINGS, rejection_text
from core.payslip.parse import clean, crc16, cvs_check_digit, ocr_check_pair

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "payslip"
V1 = "91959919833262024010101043480024071000395003"
V2 = "91959919833262024010101043470024071000435007"
PREFIX = "91959919833262024010101043480"
Q1 = "000201010212279600051380001833800000000000000000395002138000127000008200000202401010104348778284044000040000000054110000003950062262024202400202405312024071080850000000000000000000000000000000000000000000000000000000000000000000000000000000000000630520201"  # noqa: E501 (newpos EncodingELQRUnitTest, as in the reference)
runner = CliRunner()


def code_of(text: str) -> str:
    with pytest.raises(PayslipError) as info:
        parse(text)
    return info.value.code


@pytest.fixture(scope="module")
def matsusaka():
    return load_facts("matsusaka")


@pytest.fixture(scope="module")
def paytown():
    return load_facts("paytown", FIXTURES)


# ----------------------------------------------------------------------------- the real vectors


def test_v1_and_v2_decode_as_the_reference_says():
    s = parse(V1)
    assert (s.kind, s.company_code, s.free_field, s.reissue, s.pay_by, s.stamp_flag, s.amount) == (
        CVS,
        "959919",
        "833262024010101043480",
        0,
        dt.date(2024, 7, 10),
        0,
        39_500,
    )
    assert s.digits == V1 and s.client_code == "83326" and s.warnings == ()
    s2 = parse(V2)
    assert s2.amount == 43_500 and s2.free_field.endswith("43470")


def test_q1_decodes_as_the_reference_says():
    q = parse(Q1)
    assert (q.kind, q.amount, q.tax_code, q.due_date, q.pay_by) == (
        ELQR,
        39_500,
        "127",
        dt.date(2024, 5, 31),
        dt.date(2024, 7, 10),
    )
    assert q.el_number.to_json() == {
        "institution": "44000",
        "key": "00000202401010104348",
        "confirmation": "778284",
        "tax_code": "127",
    }
    assert (q.assessment_year, q.tax_year, q.installment, q.stamp_flag) == (2024, 2024, 0, 0)
    # the barcode and the eL-QR of one bill share the notice number
    assert "202401010104348" in parse(V1).free_field and "202401010104348" in q.el_number.key


def test_builders_reproduce_the_real_vectors_and_the_synthetic_ones():
    assert build.cvs() == V1 and build.elqr() == Q1
    assert build.cvs(amount=0) == PREFIX + "024071000000006"
    assert build.cvs(amount=300_000) == PREFIX + "024071003000003"
    assert build.cvs(amount=300_001) == PREFIX + "024071003000010"
    assert build.cvs(pay_by=None) == "91959919833262024010101043480099999900395005"
    assert build.cvs(pay_by="240230") == "91959919833262024010101043480024023000395002"
    assert build.cvs(reissue=2) == "91959919833262024010101043480224071000395001"


def test_check_digit_counts_91_and_weights_3_1_from_the_right():
    assert cvs_check_digit(V1[:43]) == 3 and cvs_check_digit(V2[:43]) == 7
    # leaving "91" out gives another digit (the reference's warning)
    without = V1[2:43]
    odd = sum(int(c) for c in without[::-1][0::2])
    even = sum(int(c) for c in without[::-1][1::2])
    assert (10 - (3 * odd + even) % 10) % 10 != 3


def test_crc_is_ccitt_false_written_as_five_decimal_digits():
    assert crc16("123456789") == 10673
    assert f"{crc16(Q1[:-5]):05d}" == Q1[-5:]


def test_both_ocr_check_pairs_of_the_real_sample():
    block = Q1[29:112]
    upper, lower = block[:39], block[39:]
    assert ocr_check_pair(upper[2:]) == upper[:2] == "38"
    assert ocr_check_pair(lower[2:]) == lower[:2] == "82"


def test_a_typed_elqr_is_cleaned_like_a_barcode():
    # the 255-digit hot path takes only ASCII digits in the layout; anything else is cleaned first
    wide = Q1.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    spaced = "\n".join(" ".join(Q1[i : i + 5] for i in range(j, j + 50, 5)) for j in range(0, 255, 50))
    assert parse(wide) == parse(spaced) == parse(Q1)
    assert code_of(Q1[:100] + "O" + Q1[101:]) == "not_digits"  # 255 characters, a letter O


def test_parsed_slips_are_whole_frozen_dataclasses():
    # the parser builds Slip and ElNumber without their generated __init__ (Slip._checked, for
    # speed): every field must still be there, and the objects frozen and equal to __init__'s
    for cls in (Slip, ElNumber):
        assert all(f.default_factory is dataclasses.MISSING for f in dataclasses.fields(cls))
    for text in (V1, build.cvs(pay_by=None, reissue=1, stamp=1), Q1, build.elqr(stamp=1, installment=3)):
        s = parse(text)
        again = dataclasses.replace(s)  # reads every field, builds through __init__
        assert again == s and hash(again) == hash(s) and again.to_json() == s.to_json()
        assert set(vars(s)) <= {f.name for f in dataclasses.fields(Slip)}
        with pytest.raises(dataclasses.FrozenInstanceError):
            s.amount = 1  # type: ignore[misc]
    el = parse(Q1).el_number
    assert dataclasses.replace(el) == el
    with pytest.raises(dataclasses.FrozenInstanceError):
        el.key = "0"  # type: ignore[misc]


# ----------------------------------------------------------------------------- §5 validation cases


@pytest.mark.parametrize(
    "text",
    [
        "９１９５９９１９８３３２６２０２４０１０１０１０４３４８００２４０７１０００３９５００３",  # full width
        "(91)959919833262024010101043480024071000395003",  # zxing HRI
        "]C191959919833262024010101043480024071000395003",  # AIM symbology identifier
        "EAN91959919833262024010101043480024071000395003",  # DSK data
        "91-959919-833262024010101043480\n0-240710-0-039500-3",  # two printed lines with hyphens
        " 9195 9919 8332 6202 4010 1010 4348 0024 0710 0039 5003 ",
        "91959919833262024010101043480ー024071000395003",  # the IME's 長音 typed for a hyphen
    ],
)
def test_input_cleanup(text):
    assert clean(text) == V1 and parse(text).digits == V1


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("9195991983326202401010104348002407100039500", "length"),  # 43 digits
        ("919599198332620240101010434800240710003950031", "length"),  # 45
        ("1" * 100, "length"),
        ("91959919833262024010101043480024071000395O03", "not_digits"),  # a letter O
        ("91959919833262024010101043480024071000395,03", "not_digits"),
        ("81959919833262024010101043480024071000395003", "format"),  # not AI 91
        ("91959919833262024010101043480024071000395004", "check_digit"),  # wrong CD
        ("91959919833262024010101043480024023000395002", "date"),  # 2024-02-30
        (build.cvs(pay_by="241301"), "date"),
        (build.cvs(amount=0), "amount"),
        (build.cvs(amount=300_001), "amount"),
        (build.cvs(stamp=2), "stamp_flag"),
        (build.cvs(stamp=9), "stamp_flag"),
    ],
)
def test_rejections(text, code):
    assert code_of(text) == code


def test_amount_limits_and_no_deadline():
    assert parse(build.cvs(amount=300_000)).amount == 300_000
    assert parse(build.cvs(amount=1)).amount == 1
    s = parse(build.cvs(pay_by=None))
    assert s.pay_by is None and "no_pay_by" in s.warnings and s.last_day is None


def test_stamp_flag_one_and_reissue_are_warnings():
    assert parse(build.cvs(stamp=1)).warnings == ("stamp_flag",)
    s = parse(build.cvs(reissue=2))
    assert s.reissue == 2 and "reissued" in s.warnings
    assert s.notice_key == parse(V1).notice_key  # another issue of the same bill


def test_a_255_digit_text_starting_000201_is_the_elqr():
    assert parse(Q1).kind == ELQR
    assert code_of("1" + Q1[1:]) == "format"  # 255 digits that are not an eL-QR


def _retag(text: str) -> str:
    """Recompute the CRC after tampering, so the next check down is the one tested."""
    body = text[:-5]
    return body + f"{crc16(body):05d}"


def test_elqr_rejections():
    assert code_of(Q1[:-1] + ("0" if Q1[-1] != "0" else "1")) == "crc"
    assert code_of(_retag(Q1.replace("2796", "2795", 1)[:-1] + "0")) in ("format", "length")
    # a TLV length that does not match the fixed layout
    assert code_of(_retag(Q1[:12] + "2797" + Q1[16:])) == "format"
    # 13800 (地方税共同機構) is required
    assert code_of(_retag(Q1.replace("000513800", "000513801", 1))) == "format"
    # each OCR check pair is checked: a changed digit in either line's data
    upper_at, lower_at = 29 + 20, 29 + 39 + 10
    for at in (upper_at, lower_at):
        d = str((int(Q1[at]) + 1) % 10)
        assert code_of(_retag(Q1[:at] + d + Q1[at + 1 :])) == "check_digit"
    # tag 54 and the payment block must agree on the amount
    assert code_of(build.elqr(amount=39_500, mpn_amount=39_600)) == "amount"
    assert code_of(build.elqr(amount=0)) == "amount"
    # 納期限 after 支払期限
    assert code_of(build.elqr(due=dt.date(2024, 8, 1), pay_by=dt.date(2024, 7, 10))) == "date"
    assert code_of(build.elqr(stamp=3)) == "stamp_flag"
    # an eL-QR over ¥300,000 is valid (banks and the local tax site take it)
    assert parse(build.elqr(amount=1_250_000)).amount == 1_250_000


def test_core_payslip_holds_no_cli_or_ui():
    # core/ is pure domain logic (docs/ARCHITECTURE.md); ``machi payslip`` lives in cli/payslip.py
    import ast

    package = Path(__file__).resolve().parents[2] / "core" / "payslip"
    for source in sorted(package.glob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            node.module.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert not imported & {"typer", "rich", "flet", "fastapi", "cli", "app", "backend"}, source.name


def test_error_messages_never_contain_the_digits():
    for text in (V1[:-1] + "4", build.cvs(pay_by="240230"), build.cvs(amount=0), Q1[:-1] + "9"):
        with pytest.raises(PayslipError) as info:
            parse(text)
        assert "95991983" not in str(info.value) and "95991983" not in repr(info.value)
    assert "9599" not in repr(parse(V1))


@pytest.mark.parametrize("lang", ["ja", "ja@easy", "en", "pt_BR", "vi", "tl", "zh_Hans", "ko", "es"])
def test_every_rejection_has_a_message_in_every_language(lang):
    for code in (
        "empty",
        "not_digits",
        "length",
        "format",
        "check_digit",
        "crc",
        "date",
        "amount",
        "stamp_flag",
    ):
        assert rejection_text(code, lang, length=43, amount=0, maximum=300_000, value=2)
    assert "43" in rejection_text("length", lang, length=43)
    assert "300,000" in rejection_text("amount", lang, amount=300_001, maximum=300_000).replace(
        ".", ","
    ).replace("\u00a0", ",").replace(" ", ",")


# ----------------------------------------------------------------------------- the city and the day


def test_expired_blocks_every_method(matsusaka):
    a = assess(parse(V1), matsusaka, dt.date(2024, 7, 11))
    assert "expired" in a.codes and a.blocked and not any(o.available for o in a.methods)
    a = assess(parse(V1), matsusaka, dt.date(2024, 7, 10))  # the last day still counts
    assert "expired" not in a.codes and a.days_left == 0


def test_past_due_but_before_pay_by_is_a_warning(matsusaka):
    a = assess(parse(Q1), matsusaka, dt.date(2024, 6, 10))
    assert "past_due" in a.codes and not a.blocked and any(o.available for o in a.methods)


def test_au_pay_limit_is_a_warning_between_250001_and_300000(matsusaka):
    a = assess(parse(build.cvs(amount=250_001)), matsusaka, dt.date(2024, 6, 1))
    assert "over_limit" in a.codes and not a.blocked
    by_id = {o.method.id: o for o in a.methods}
    assert (
        not by_id["aupay"].available and by_id["aupay"].reason == "over_limit" and by_id["paypay"].available
    )
    assert "over_limit" not in assess(parse(build.cvs(amount=250_000)), matsusaka, dt.date(2024, 6, 1)).codes


def test_an_elqr_over_every_app_limit_points_to_the_bank_and_the_site(matsusaka):
    a = assess(parse(build.elqr(amount=500_000)), matsusaka, dt.date(2024, 5, 1))
    assert "over_app_limit" in a.codes
    assert [o.method.id for o in a.methods if o.available] == ["eltax"]


def test_eltax_site_only_for_elqr(matsusaka):
    cvs = assess(parse(V1), matsusaka, dt.date(2024, 6, 1))
    assert "eltax" not in [o.method.id for o in cvs.methods]
    assert "eltax" in [o.method.id for o in assess(parse(Q1), matsusaka, dt.date(2024, 5, 1)).methods]


def test_issuer_known_unknown_and_unverified(matsusaka, paytown):
    day = dt.date(2024, 5, 1)
    assert assess(parse(V1), paytown, day).is_city is True
    other = parse(build.cvs(company="912345"))
    a = assess(other, paytown, day)
    assert a.is_city is False and "not_city" in a.codes and a.slip.amount == 39_500  # still decoded and shown
    assert "not_city" in assess(parse(build.elqr(institution="24204")), paytown, day).codes
    # Matsusaka's codes are not confirmed: no claim either way
    m = assess(parse(V1), matsusaka, day)
    assert m.is_city is None and "issuer_unverified" in m.codes and "not_city" not in m.codes


def test_tax_from_the_elqr_code_or_the_calendar(paytown, matsusaka):
    a = assess(parse(Q1), paytown, dt.date(2024, 5, 1))
    assert a.tax == "light_vehicle_tax"
    # a CVS slip whose 支払期限 is one instalment's 納期限 in the calendar
    fy = matsusaka.calendar.due_dates(2014)
    apr = next(i for i in fy if i.tax == "property_tax" and i.number == 1)
    slip = parse(build.cvs(pay_by=apr.due))
    assert assess(slip, matsusaka, dt.date(2014, 5, 8)).tax == "property_tax"
    # two taxes due the same day: no guess
    both = next(i.due for i in fy if i.tax == "health_insurance" and i.number == 1)
    assert assess(parse(build.cvs(pay_by=both)), matsusaka, dt.date(2014, 5, 8)).tax is None


def test_calendar_due_days_move_past_weekends_holidays_and_year_end(matsusaka):
    days = {(i.tax, i.number): i.due for i in matsusaka.calendar.due_dates(2014)}
    assert days[("light_vehicle_tax", 0)] == dt.date(2014, 6, 2)  # 5/31 is a Saturday
    assert days[("property_tax", 3)] == dt.date(2014, 12, 25)
    assert days[("property_tax", 4)] == dt.date(2015, 3, 2)  # 2/28 is a Saturday
    assert next_business_day(dt.date(2024, 12, 31)) == dt.date(2025, 1, 6)  # bank holidays, then a weekend
    assert next_business_day(dt.date(2024, 5, 3)) == dt.date(2024, 5, 7)  # Golden Week


def test_warnings_are_explained_in_the_language(matsusaka):
    from core.i18n import Translator

    a = assess(parse(build.cvs(amount=260_000, reissue=1)), matsusaka, dt.date(2024, 6, 1))
    texts = [explain(w, matsusaka, Translator("en")) for w in a.warnings]
    assert any("au PAY" in x for x in texts) and any("Matsusaka" in x for x in texts)
    assert set(a.codes) <= set(WARNINGS)


def test_bad_city_data_is_named(tmp_path):
    (tmp_path / "cities" / "x").mkdir(parents=True)
    (tmp_path / "cities" / "x" / "payslip.json").write_text('{"schema": "nope"}')
    with pytest.raises(PayslipDataError, match="schema"):
        load_facts("x", tmp_path)
    with pytest.raises(PayslipDataError, match="no payslip data"):
        load_facts("y", tmp_path)


def test_tax_calendar_ics(matsusaka):
    cal = Calendar.from_ical(
        tax_calendar(
            matsusaka,
            dt.date(2014, 5, 1),
            dt.date(2014, 9, 30),
            "ja",
            remind_days=3,
            stamp=dt.datetime(2014, 5, 1, tzinfo=dt.UTC),
        ).to_ical()
    )
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 7 and str(cal["X-WR-CALNAME"]).endswith("松阪市")
    first = min(events, key=lambda e: e.decoded("dtstart"))
    assert first.decoded("dtstart") == dt.date(2014, 6, 2) and "軽自動車税" in str(first["summary"])
    alarm = first.walk("VALARM")[0]
    assert alarm.decoded("trigger") == -dt.timedelta(days=3) + dt.timedelta(hours=9)
    assert len({str(e["uid"]) for e in events}) == 7


# ----------------------------------------------------------------------------- the CLI contract

KEYS = {
    "kind",
    "amount",
    "pay_by",
    "due_date",
    "company_code",
    "reissue",
    "stamp_flag",
    "tax_code",
    "el_number",
    "warnings",
}


def cli(*args: str, code: int = 0):
    result = runner.invoke(app, ["payslip", *args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def test_cli_parse_json_shape():
    out = json.loads(cli("parse", V1, "--json", "--today", "2024-06-01").stdout)
    assert set(out) == KEYS
    assert out == {
        "kind": "cvs",
        "amount": 39500,
        "pay_by": "2024-07-10",
        "due_date": None,
        "company_code": "959919",
        "reissue": 0,
        "stamp_flag": 0,
        "tax_code": None,
        "el_number": None,
        "warnings": ["issuer_unverified"],
    }
    q = json.loads(cli("parse", Q1, "--json", "--today", "2024-06-01").stdout)
    assert set(q) == KEYS and q["kind"] == "elqr" and q["due_date"] == "2024-05-31" and q["tax_code"] == "127"
    assert q["el_number"] == {
        "institution": "44000",
        "key": "00000202401010104348",
        "confirmation": "778284",
        "tax_code": "127",
    }
    assert "past_due" in q["warnings"]
    none = json.loads(cli("parse", build.cvs(pay_by=None), "--json").stdout)
    assert none["pay_by"] is None and "no_pay_by" in none["warnings"]


def test_cli_parse_with_a_confirmed_city():
    out = json.loads(
        cli(
            "parse",
            build.cvs(company="912345"),
            "--json",
            "--today",
            "2024-06-01",
            "--city",
            "paytown",
            "--data-dir",
            str(FIXTURES),
        ).stdout
    )
    assert out["warnings"] == ["not_city"]


@pytest.mark.parametrize(
    "text, code",
    [
        (V1[:-1] + "4", "check_digit"),
        ("123", "length"),
        ("91abc", "not_digits"),
        (Q1[:-1] + "0", "crc"),
        (build.cvs(pay_by="240230"), "date"),
        (build.cvs(amount=0), "amount"),
        (build.cvs(stamp=2), "stamp_flag"),
        ("81959919833262024010101043480024071000395003", "format"),
    ],
)
def test_cli_rejections_exit_2_with_the_error_shape(text, code):
    result = cli("parse", text, "--json", "--lang", "ja", code=2)
    err = json.loads(result.stdout)
    assert set(err) == {"error"} and set(err["error"]) == {"code", "message"} and err["error"]["code"] == code
    assert err["error"]["message"]


def test_cli_human_output_and_errors():
    result = cli("parse", V1, "--today", "2024-07-01", "--lang", "en")
    assert "39,500" in result.stdout and "July 10, 2024" in result.stdout and "9 days left" in result.stdout
    assert "check digit" in cli("parse", V1[:-1] + "4", code=2).stderr


def test_cli_decode(tmp_path):
    pytest.importorskip("zxingcpp")
    pytest.importorskip("barcode")
    photo = tmp_path / "slip.jpg"
    photo.write_bytes(build.slip_photo(barcode=V1))
    out = json.loads(cli("decode", str(photo), "--json", "--today", "2024-06-01").stdout)
    assert set(out) == KEYS and out["amount"] == 39_500 and out["company_code"] == "959919"
    both = tmp_path / "both.jpg"
    both.write_bytes(build.slip_photo(barcode=V1, qr=Q1))
    assert json.loads(cli("decode", str(both), "--json").stdout)["kind"] == "elqr"  # the eL-QR first
    blank = tmp_path / "blank.png"
    from PIL import Image

    Image.new("L", (400, 300), 255).save(blank)
    err = json.loads(cli("decode", str(blank), "--json", code=2).stdout)
    assert err["error"]["code"] == "no_barcode"
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert json.loads(cli("decode", str(text), "--json", code=2).stdout)["error"]["code"] == "not_image"
    assert (
        json.loads(cli("decode", str(tmp_path / "missing.jpg"), "--json", code=2).stdout)["error"]["code"]
        == "file"
    )


def test_cli_calendar_and_ics():
    rows = json.loads(
        cli("calendar", "--from", "2014-05-01", "--to", "2014-07-31", "--json", "--lang", "en").stdout
    )
    assert rows[0] == {
        "date": "2014-06-02",
        "tax": "light_vehicle_tax",
        "instalment": None,
        "name": "Light vehicle tax",
    }
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    ics = cli(
        "ics", "--from", "2014-05-01", "--to", "2014-12-31", "--remind", "3", "--tax", "property_tax"
    ).stdout
    cal = Calendar.from_ical(ics)
    assert len(cal.walk("VEVENT")) == 2 and len(cal.walk("VALARM")) == 2
    assert "unknown tax" in cli("ics", "--tax", "dog_tax", code=2).stderr


def test_both_decoders_of_the_seam_read_a_photo():
    """zxing-cpp (server, desktop) and pyzbar (phones) return the same digits from one photo."""
    from core.payslip.decode import PyzbarDecoder, ZxingDecoder, local_decoder

    pytest.importorskip("zxingcpp")
    pytest.importorskip("barcode")
    photo = build.slip_photo(barcode=V1, qr=Q1, angle=2, blur=0.8)
    assert sorted(c.text for c in ZxingDecoder().decode(photo)) == sorted([V1, Q1])
    assert local_decoder().name == "zxing-cpp"
    try:
        zbar = PyzbarDecoder()
    except (ImportError, OSError):
        pytest.skip("pyzbar or libzbar0 not installed")
    assert V1 in [c.text for c in zbar.decode(photo)]  # zbar drops FNC1 and returns the same 44 digits
