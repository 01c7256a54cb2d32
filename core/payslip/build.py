"""Make slip codes (tests, benchmarks, demo images): the inverse of ``parse``.

Made-up slips only: the numbers are whatever the caller gives, with valid check digits and CRC.
"""

from __future__ import annotations

import datetime as dt

from core.payslip.parse import ELQR_AGENCY, crc16, cvs_check_digit, ocr_check_pair


def cvs(
    *,
    company: str = "959919",
    free: str = "833262024010101043480",
    reissue: int = 0,
    pay_by: dt.date | str | None = dt.date(2024, 7, 10),
    stamp: int = 0,
    amount: int = 39_500,
) -> str:
    """44 digits: ``91`` + company (6) + free (21) + reissue + YYMMDD (``999999`` for None) + stamp
    + amount (6) + check digit.  ``pay_by`` may be a raw 6-digit string (invalid dates for tests)."""
    if isinstance(pay_by, dt.date):
        yymmdd = pay_by.strftime("%y%m%d")
    else:
        yymmdd = "999999" if pay_by is None else pay_by
    body = f"91{company:0>6}{free:0<21}{reissue}{yymmdd}{stamp}{amount:06d}"
    assert len(body) == 43, body
    return body + str(cvs_check_digit(body))


def elqr(
    *,
    amount: int = 39_500,
    due: dt.date = dt.date(2024, 5, 31),
    pay_by: dt.date = dt.date(2024, 7, 10),
    institution: str = "44000",
    key: str = "00000202401010104348",
    confirmation: str = "778284",
    tax_code: str = "127",
    installment: int = 0,
    assessment_year: int = 2024,
    tax_year: int = 2024,
    stamp: int = 0,
    account: str = "00000000000",
    office: str = "040",
    mpn_amount: int | None = None,
) -> str:
    """255 digits of eL-QR TLV with both OCR check pairs and the CRC computed.  ``mpn_amount``
    sets a different amount inside the payment block (tests of the consistency check)."""
    upper_data = (
        f"{account:0>11}{mpn_amount if mpn_amount is not None else amount:011d}2{ELQR_AGENCY}{stamp}"
        f"{tax_code:0>3}00000"
    )
    lower_data = f"{key:0>20}{confirmation:0>6}0{institution:0>5}{office:0>3}0000000"
    block = ocr_check_pair(upper_data) + upper_data + ocr_check_pair(lower_data) + lower_data
    assert len(block) == 83, len(block)
    extra = f"{assessment_year:04d}{tax_year:04d}{installment:02d}{due:%Y%m%d}{pay_by:%Y%m%d}"
    body = f"00020101021227960005{ELQR_AGENCY}0183{block}5411{amount:011d}6226{extra}8085" + "0" * 85 + "6305"
    assert len(body) == 250, len(body)
    return body + f"{crc16(body):05d}"


# ----------------------------------------------------------------------------- pictures of slips


def barcode_image(digits: str, px_per_module: int = 2, height: int = 120):
    """The GS1-128 symbol (FNC1 first, as printed on slips) in grey, ``px_per_module`` wide bars.
    Needs python-barcode and Pillow (dev dependencies)."""
    import io

    import barcode
    from barcode.writer import ImageWriter
    from PIL import Image

    buf = io.BytesIO()
    # 1 mm per module at 254 dpi = 10 px per module, then cut to size without blurring the edges
    barcode.get("gs1_128", digits, writer=ImageWriter()).write(
        buf,
        options={"module_width": 1.0, "module_height": 10, "quiet_zone": 10, "dpi": 254, "write_text": False},
    )
    img = Image.open(buf).convert("L")
    return img.resize((img.width * px_per_module // 10, height), Image.NEAREST)


def qr_image(digits: str, px_per_module: int = 4):
    """The eL-QR symbol (numeric mode, level M, as segno chooses) in grey."""
    import io

    import segno
    from PIL import Image

    buf = io.BytesIO()
    segno.make(digits, error="m", micro=False).save(buf, kind="png", scale=px_per_module, border=4)
    return Image.open(io.BytesIO(buf.getvalue())).convert("L")


def slip_photo(
    *,
    barcode: str | None = None,
    qr: str | None = None,
    size: tuple[int, int] = (1600, 1200),
    angle: float = 4.0,
    blur: float = 1.2,
    noise: float = 8.0,
    scale: float = 1.0,
    px_per_module: int = 3,
    quality: int = 85,
    seed: int = 1,
    fmt: str = "JPEG",
) -> bytes:
    """A phone-like photo of a slip: uneven light, a paper with printed lines, the barcode and/or
    the QR code, turned by ``angle`` degrees, blurred, with sensor noise, scaled, JPEG-compressed."""
    import io
    import random

    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rnd = random.Random(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    light = 150 + 60 * (1 - ((xx - w * 0.4) ** 2 + (yy - h * 0.45) ** 2) / (w * w))  # a lamp off-centre
    photo = Image.fromarray(np.clip(light, 0, 255).astype("uint8"), "L")
    paper = Image.new("L", (int(w * 0.8), int(h * 0.75)), 235)
    draw = ImageDraw.Draw(paper)
    for row in range(12):  # printed text lines and boxes of a 納付書
        y = 30 + row * 28
        x = 30
        while x < paper.width * 0.55:
            word = rnd.randint(20, 90)
            draw.rectangle((x, y, x + word, y + 12), fill=rnd.randint(40, 90))
            x += word + rnd.randint(8, 20)
    draw.rectangle((paper.width * 0.6, 30, paper.width - 30, 200), outline=60, width=3)
    if barcode:
        bars = barcode_image(barcode, px_per_module)
        paper.paste(bars, (40, paper.height - bars.height - 60))
    if qr:
        code = qr_image(qr, max(3, px_per_module + 1))
        paper.paste(code, (paper.width - code.width - 40, 230))
    photo.paste(paper, ((w - paper.width) // 2, (h - paper.height) // 2))
    photo = photo.rotate(angle, resample=Image.BICUBIC, fillcolor=120)
    if blur:
        photo = photo.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        arr = np.asarray(photo, dtype=np.float32)
        arr += np.random.default_rng(seed).normal(0, noise, arr.shape)
        photo = Image.fromarray(np.clip(arr, 0, 255).astype("uint8"), "L")
    if scale != 1.0:
        photo = photo.resize((int(w * scale), int(h * scale)), Image.BILINEAR)
    out = io.BytesIO()
    photo.convert("RGB").save(out, fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return out.getvalue()
