"""POST /v1/payslips/decode: generated slip photos (python-barcode / segno, then blurred, turned a
few degrees, noised, scaled), the size and type limits, and the privacy rules (nothing of the image
or its codes logged or written to a temporary file)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import tempfile

import pytest

from core.payslip import build

pytest.importorskip("zxingcpp")
pytest.importorskip("barcode")
pytest.importorskip("segno")

from PIL import Image  # noqa: E402

from tests.backend.conftest import make_settings  # noqa: E402

CVS = build.cvs(amount=12_300, pay_by=dt.date(2014, 5, 31))
QR = build.elqr(amount=12_300, due=dt.date(2014, 5, 31), pay_by=dt.date(2014, 6, 30))
URL = "/v1/payslips/decode"


def post(client, data: bytes, ctype: str = "image/jpeg"):
    return client.post(URL, content=data, headers={"Content-Type": ctype})


@pytest.mark.parametrize(
    "photo",
    [
        dict(),  # 1600x1200, 4°, blur 1.2, noise 8
        dict(angle=-4, blur=1.5),
        dict(angle=3, noise=12, seed=7),
        dict(scale=0.6),
        dict(scale=1.5, angle=-2),
        dict(quality=60, angle=1),
        dict(fmt="PNG", angle=0, blur=0, noise=0),
    ],
    ids=["default", "turned-left-blurred", "noisy", "small", "large", "jpeg-q60", "png-clean"],
)
def test_a_photographed_barcode_is_decoded(client, photo):
    fmt = photo.get("fmt", "JPEG")
    r = post(client, build.slip_photo(barcode=CVS, **photo), "image/png" if fmt == "PNG" else "image/jpeg")
    assert r.status_code == 200, r.text
    slip = r.json()["slip"]
    assert slip["kind"] == "cvs" and slip["amount"] == 12_300 and slip["pay_by"] == "2014-05-31"
    assert slip["digits"] == CVS and slip["symbology"] == "code128"


@pytest.mark.parametrize("photo", [dict(), dict(angle=-5, blur=1.0), dict(scale=0.7, noise=10)])
def test_a_photographed_elqr_is_decoded_first_and_the_barcode_beside_it_too(client, photo):
    r = post(client, build.slip_photo(barcode=CVS, qr=QR, **photo))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["slip"]["kind"] == "elqr" and body["slip"]["due_date"] == "2014-05-31"
    assert body["slip"]["el_number"]["key"] == "00000202401010104348"
    assert [s["kind"] for s in body["others"]] in ([], ["cvs"])


def test_the_json_shape_is_the_cli_contract_plus_digits(client):
    r = post(client, build.slip_photo(barcode=CVS))
    assert set(r.json()["slip"]) == {
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
        "digits",
        "symbology",
    }


def test_multipart_upload(client):
    r = client.post(URL, files={"image": ("slip.jpg", build.slip_photo(barcode=CVS), "image/jpeg")})
    assert r.status_code == 200, r.text
    assert r.json()["slip"]["amount"] == 12_300
    r = client.post(URL, files={"photo": ("slip.jpg", b"x", "image/jpeg")})
    assert r.status_code == 422 and r.json()["error"]["field"] == "image"


def test_no_barcode_and_a_wrong_code(client):
    blank = io.BytesIO()
    Image.new("L", (800, 600), 255).save(blank, "PNG")
    r = post(client, blank.getvalue(), "image/png")
    assert r.status_code == 422 and r.json()["error"]["code"] == "no_barcode"
    wrong = CVS[:-1] + str((int(CVS[-1]) + 1) % 10)  # a printed code whose check digit is wrong
    r = post(client, build.slip_photo(barcode=wrong, angle=0, blur=0, noise=0))
    assert r.status_code == 422 and r.json()["error"]["code"] == "check_digit"


def test_non_images_are_refused(client):
    r = post(client, b"%PDF-1.4 not a photo", "image/jpeg")
    assert r.status_code == 415 and r.json()["error"]["code"] == "not_image"
    r = post(client, b"GIF89a" + b"\0" * 20, "image/gif")  # a damaged image
    assert r.status_code == 415
    r = client.post(URL, content=b'{"digits": "91"}', headers={"Content-Type": "application/json"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"
    r = post(client, b"", "image/png")
    assert r.status_code == 422


def test_oversized_uploads_are_refused(db_url, tmp_path, engine):
    from fastapi.testclient import TestClient

    from backend.app import create_app

    settings = make_settings(db_url, tmp_path, payslip_max_bytes=200_000, payslip_max_pixels=2_000_000)
    with TestClient(create_app(settings, engine)) as c:
        r = post(c, b"\xff\xd8" + b"0" * 300_000)
        assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
        # a small file that unpacks into a huge picture (decompression bomb)
        bomb = io.BytesIO()
        Image.new("1", (3000, 3000), 1).save(bomb, "PNG")
        assert len(bomb.getvalue()) < 200_000
        r = post(c, bomb.getvalue(), "image/png")
        assert r.status_code == 413 and "pixels" in r.json()["error"]["message"]
        # other endpoints keep the small body limit
        r = c.post(
            "/v1/devices", content=b"{" + b" " * 70_000 + b"}", headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 413


def test_rate_limited_per_client_address(db_url, tmp_path, engine):
    from fastapi.testclient import TestClient

    from backend.app import create_app

    settings = make_settings(db_url, tmp_path, rate_payslip_per_minute=2)
    with TestClient(create_app(settings, engine)) as c:
        assert post(c, b"x").status_code == 415
        assert post(c, b"x").status_code == 415
        r = post(c, b"x")
        assert r.status_code == 429 and "Retry-After" in r.headers


def test_nothing_of_the_slip_is_logged_or_spooled_to_disk(client, caplog, monkeypatch):
    def no_temp_files(*a, **kw):
        raise AssertionError("a temporary file was created")

    for name in ("SpooledTemporaryFile", "TemporaryFile", "NamedTemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, name, no_temp_files)
    caplog.set_level(logging.DEBUG)
    photo = build.slip_photo(barcode=CVS, qr=QR)
    assert post(client, photo).status_code == 200
    assert client.post(URL, files={"image": ("slip.jpg", photo, "image/jpeg")}).status_code == 200
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert CVS[2:20] not in logged and QR[30:60] not in logged and "12300" not in logged


def test_documented_in_openapi(client):
    spec = client.get("/openapi.json").json()
    op = spec["paths"][URL]["post"]
    assert {"image/jpeg", "multipart/form-data"} <= set(op["requestBody"]["content"])
    assert {"413", "415", "422", "429"} <= set(op["responses"])
