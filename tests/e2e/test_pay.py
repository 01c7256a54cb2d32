"""The Pay tab in the browser: pick a photo of a slip (a generated image) and see it decoded; type
a slip number, see amount and deadline, mark it paid, see it in the history, and get the duplicate
warning when the same number is entered again.  Expectations come from core (Babel texts)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from core.i18n import Translator
from core.payslip import build, load_facts
from core.payslip.messages import warning_text, yen
from tests.e2e.conftest import TIMEOUT, TODAY, onboarded

pytest.importorskip("barcode")
pytest.importorskip("zxingcpp")

DAY = dt.date.fromisoformat(TODAY)  # 2014-05-08 (the app server's pinned date)
PHOTO_SLIP = build.cvs(amount=12_300, pay_by=dt.date(2014, 5, 31), free="123450000000000000001")
TYPED_SLIP = build.cvs(amount=8_000, pay_by=dt.date(2014, 6, 30), free="123450000000000000002")


# Texts are found among the visible ones: a live region's text is also in Flutter's hidden
# announcement node.


def type_into(field, text: str, done) -> None:
    """Type into a Flutter TextField key by key, as a resident types, then wait for ``done()``.
    The field is cleared first, so the app always gets a change.  One attempt: typed text that
    never reaches the app is a defect (it was: the screen filled in its history under the field,
    see app/views/pay.py)."""
    field.click()
    expect(field).to_have_attribute("autocorrect", "on")
    expect(field).to_be_focused()
    field.press("Control+a")
    field.press("Backspace")
    field.press_sequentially(text)
    done()


def said(page, text: str):
    """A text the app put on screen.  A live region's text (the field's helper line) may be a node's
    label or only an announcement, so it is looked for as text or label, announcements included."""
    return page.get_by_text(text, exact=True).or_(page.get_by_label(text, exact=True)).first


def settings(lang: str) -> dict:
    return onboarded("a198c8301", lang)


def test_pick_a_photo_of_a_slip_and_see_it_decoded(open_app, tmp_path):
    t = Translator("ja")
    photo = tmp_path / "nofusho.jpg"
    photo.write_bytes(build.slip_photo(barcode=PHOTO_SLIP))
    app = open_app("ja-JP", settings=settings("ja"))
    page = app.open("/pay")
    choose = page.get_by_role("button", name=t("Choose a photo"))
    expect(choose).to_be_visible(timeout=TIMEOUT)
    app.screenshot("pay-ja")
    with page.expect_file_chooser() as chooser:
        choose.click()
    chooser.value.set_files(str(photo))
    expect(page.get_by_text(yen(12_300, "ja"), exact=True).filter(visible=True)).to_be_visible(
        timeout=TIMEOUT
    )  # decoded
    expect(
        page.get_by_text(t("Pay by: {date}", date=t.long_day(dt.date(2014, 5, 31))), exact=True).filter(
            visible=True
        )
    ).to_be_visible(timeout=TIMEOUT)
    days = (dt.date(2014, 5, 31) - DAY).days
    expect(
        page.get_by_text(t.plural("{n} day left", "{n} days left", days), exact=True).filter(visible=True)
    ).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("button", name=t("Pay with {method}", method="PayPay"))).to_be_enabled(
        timeout=TIMEOUT
    )
    app.screenshot("pay-result-photo-ja")


def test_type_a_slip_mark_it_paid_see_history_and_the_duplicate_warning(open_app):
    t = Translator("en")
    app = open_app("en-US", settings=settings("en"))
    page = app.open("/pay")
    field = page.get_by_role("textbox", name=t("Slip number"))
    expect(field).to_be_visible(timeout=TIMEOUT)
    check = page.get_by_role("button", name=t("Check the slip"))

    def valid():
        expect(check).to_be_enabled(timeout=8000)
        expect(said(page, t("Valid slip number: {amount}", amount=yen(8_000, "en")))).to_be_attached()

    type_into(field, TYPED_SLIP[:20] + " " + TYPED_SLIP[20:], valid)
    page.get_by_role("button", name=t("Check the slip")).click()
    # amount and deadline
    expect(page.get_by_text(yen(8_000, "en"), exact=True).filter(visible=True)).to_be_visible(timeout=TIMEOUT)
    pay_by = t("Pay by: {date}", date=t.long_day(dt.date(2014, 6, 30)))
    expect(page.get_by_text(pay_by, exact=True).filter(visible=True)).to_be_visible(timeout=TIMEOUT)
    app.screenshot("pay-result-typed-en")
    # "pay with" opens the method's link (the browser may not leave 127.0.0.1: the request is blocked)
    paypay = load_facts("matsusaka").method("paypay").url
    with page.expect_popup() as popup:
        page.get_by_role("button", name=t("Pay with {method}", method="PayPay")).click()
    popup.value.close()
    assert any(u.startswith(paypay) for u in app.outside)
    app.outside[:] = [u for u in app.outside if not u.startswith(paypay)]
    page.get_by_role("button", name=t("Mark as paid")).click()
    paid = t("Paid on {date}", date=t.long_day(DAY))
    expect(page.get_by_text(paid, exact=True).filter(visible=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("button", name=t("Pay with {method}", method="PayPay"))).to_be_disabled(
        timeout=TIMEOUT
    )
    # the history on the Pay tab
    page.get_by_role("button", name=t("Back")).click()
    row = page.get_by_role(
        "button", name=re.compile(re.escape(f"{yen(8_000, 'en')}, " + t("Paid on {date}", date=t.day(DAY))))
    )
    expect(row).to_be_visible(timeout=TIMEOUT)
    app.screenshot("pay-history-en")
    # the same slip again: the duplicate warning, no second entry
    field = page.get_by_role("textbox", name=t("Slip number"))
    type_into(field, TYPED_SLIP, valid)
    page.get_by_role("button", name=t("Check the slip")).click()
    expect(
        page.get_by_text(warning_text("already_paid", t, date=DAY), exact=True).filter(visible=True)
    ).to_be_visible(timeout=TIMEOUT)
    app.screenshot("pay-duplicate-en")
    page.get_by_role("button", name=t("Back")).click()
    expect(row).to_have_count(1)


def test_a_wrong_digit_is_caught_while_typing(open_app):
    t = Translator("en")
    app = open_app("en-US", settings=settings("en"), width=360)
    page = app.open("/pay")
    wrong = TYPED_SLIP[:-1] + str((int(TYPED_SLIP[-1]) + 1) % 10)
    from core.payslip.messages import rejection_text

    expect(page.get_by_role("textbox", name=t("Slip number"))).to_be_visible(timeout=TIMEOUT)
    type_into(
        page.get_by_role("textbox", name=t("Slip number")),
        wrong,
        lambda: expect(said(page, rejection_text("check_digit", "en"))).to_be_attached(timeout=8000),
    )
    expect(page.get_by_role("button", name=t("Check the slip"))).to_be_disabled(timeout=TIMEOUT)
