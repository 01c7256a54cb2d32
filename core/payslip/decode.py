"""Find slip codes in a photo: Code 128 (the GS1-128 convenience-store barcode) and QR (eL-QR).

The decoder seam (``Decoder``): ``decode(image bytes) -> [Code]``.

* ``ZxingDecoder`` (zxing-cpp): the server (``POST /v1/payslips/decode``), the CLI, and the
  app where zxing-cpp is installed (desktop, the web app's server).  Restricted to Code 128 and
  QR, plain text (no "(91)" HRI brackets).
* ``PyzbarDecoder`` (pyzbar + libzbar): on phones, where Flet's mobile package index has a
  pyzbar wheel and zxing-cpp has none; it decodes the still photo that ``flet-camera``'s
  ``take_picture()`` returns.  Also Code 128 and QR only.

``local_decoder()`` returns the first that can be imported, or None (then the app uploads the
photo to the server).  Images are read with Pillow from memory only: nothing is written to
disk and nothing about the image or its codes is logged.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Protocol

MAX_PIXELS = 40_000_000  # a 7,000 x 5,700 photo; larger is refused before decoding (decompression bombs)
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")


class ImageError(ValueError):
    """Not an image we read (code ``not_image``), or too large (``too_large``)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, repr=False)
class Code:
    symbology: str  # "code128" | "qr"
    text: str

    def __repr__(self) -> str:  # never the content
        return f"Code({self.symbology!r}, …)"


class Decoder(Protocol):
    name: str

    def decode(self, data: bytes) -> list[Code]: ...


def load_gray(data: bytes, max_pixels: int = MAX_PIXELS):
    """A Pillow image in 8-bit grey, read from memory; EXIF rotation is left to the decoders
    (they try rotations).  JPEG is decoded straight to grey (draft mode): faster."""
    from PIL import Image, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError):
        raise ImageError(
            "not_image", "the upload is not an image (JPEG, PNG, WebP, GIF, BMP or TIFF)"
        ) from None
    if img.format not in FORMATS:
        raise ImageError("not_image", f"images in {img.format} are not read; send JPEG or PNG")
    w, h = img.size
    if w * h > max_pixels:
        raise ImageError("too_large", f"the image has {w * h:,} pixels; at most {max_pixels:,} are read")
    try:
        if img.format == "JPEG":
            img.draft("L", img.size)
        img = img.convert("L")
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ImageError("not_image", "the image could not be read (damaged or truncated)") from None
    return img


class ZxingDecoder:
    name = "zxing-cpp"

    def __init__(self):
        import zxingcpp

        self._z = zxingcpp
        self._formats = (zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.QRCode)

    def decode(self, data: bytes) -> list[Code]:
        img = load_gray(data)
        return self.decode_image(img)

    def decode_image(self, img) -> list[Code]:
        z = self._z
        found = z.read_barcodes(
            img, formats=self._formats, text_mode=z.TextMode.Plain, try_rotate=True, try_downscale=True
        )
        out = []
        for r in found:
            if not r.valid:
                continue
            sym = "qr" if r.format == z.BarcodeFormat.QRCode else "code128"
            out.append(Code(sym, r.text))
        return out


class PyzbarDecoder:
    name = "pyzbar"

    def __init__(self):
        from pyzbar import pyzbar

        self._p = pyzbar
        self._symbols = [pyzbar.ZBarSymbol.CODE128, pyzbar.ZBarSymbol.QRCODE]

    def decode(self, data: bytes) -> list[Code]:
        img = load_gray(data)
        out = []
        for r in self._p.decode(img, symbols=self._symbols):
            sym = "qr" if r.type == "QRCODE" else "code128"
            out.append(Code(sym, r.data.decode("ascii", "replace")))
        return out


def local_decoder() -> Decoder | None:
    for cls in (ZxingDecoder, PyzbarDecoder):
        try:
            return cls()
        except (ImportError, OSError):  # the package, or libzbar, is missing
            continue
    return None


def best_slip(codes: list[Code]):
    """Parse every code found; the eL-QR first (it carries the 納期限 and the eL number), then
    the barcode.  Returns (slip, others) or raises the first code's PayslipError; raises
    LookupError when no code was found."""
    from core.payslip.model import PayslipError
    from core.payslip.parse import parse

    if not codes:
        raise LookupError("no barcode")
    slips, errors = [], []
    for c in sorted(codes, key=lambda c: c.symbology != "qr"):
        try:
            slips.append(parse(c.text))
        except PayslipError as exc:
            errors.append(exc)
    if not slips:
        raise errors[0]
    return slips[0], slips[1:]
