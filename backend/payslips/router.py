"""``POST /v1/payslips/decode``: find the slip's barcode or eL-QR in a photo and return it parsed.

The image is read into memory, decoded with zxing-cpp (Code 128 and QR only) and dropped: it is
never written to disk (multipart bodies are parsed in memory, not spooled to a temporary file),
never logged, and neither are the codes found.  Limits: ``MACHI_PAYSLIP_MAX_BYTES`` (the body),
``MACHI_PAYSLIP_MAX_PIXELS`` (decompression bombs), ``MACHI_RATE_PAYSLIP_PER_MINUTE`` per client
address, and at most two decodes at once per process (CPU).

Send the image either as the raw body (``Content-Type: image/jpeg`` …) or as the ``image`` field
of a ``multipart/form-data`` form.
"""

from __future__ import annotations

import threading

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from backend.deps import client_ip
from backend.errors import ApiError, responses
from backend.ratelimit import RateLimiter

router = APIRouter(tags=["payslips"])
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp", "image/tiff")
_slots = threading.BoundedSemaphore(2)


class ElNumberOut(BaseModel):
    institution: str = Field(description="共通納税機関コード (収納機関番号)")
    key: str = Field(description="案件特定キー (納付番号)")
    confirmation: str = Field(description="確認番号")
    tax_code: str = Field(description="税目・料金番号 (納付区分)")


class SlipOut(BaseModel):
    """The same fields as ``machi payslip parse --json``; ``warnings`` are what the slip itself
    says (the app adds the city's and the resident's own: expired, not the city's, already paid)."""

    kind: str = Field(description="cvs (GS1-128 convenience-store barcode) or elqr")
    amount: int
    pay_by: str | None = Field(description="支払期限 YYYY-MM-DD; null: none in the code (999999)")
    due_date: str | None = Field(description="納期限 YYYY-MM-DD (eL-QR only)")
    company_code: str | None
    reissue: int | None
    stamp_flag: int | None
    tax_code: str | None
    el_number: ElNumberOut | None
    warnings: list[str]
    digits: str = Field(description="The code's content (44 or 255 digits), for the app's own history.")
    symbology: str = Field(description="code128 or qr")


class DecodeOut(BaseModel):
    slip: SlipOut
    others: list[SlipOut] = Field(
        description="Further slip codes in the same picture (e.g. the barcode beside "
        "the eL-QR of the same bill)."
    )


def _limiter(request: Request) -> RateLimiter:
    state = request.app.state
    if getattr(state, "payslip_limiter", None) is None:
        state.payslip_limiter = RateLimiter.per_minute(state.settings.rate_payslip_per_minute)
    return state.payslip_limiter


async def _image_bytes(request: Request) -> bytes:
    """The image from the raw body or from the multipart field ``image``, in memory only."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()  # bounded by the body limit of this path
    if ctype in IMAGE_TYPES:
        data = body
    elif ctype == "multipart/form-data":
        data = _multipart_field(request.headers["content-type"], body)
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            "send the image as the body (Content-Type: image/jpeg, image/png, image/webp …) "
            "or as the 'image' field of multipart/form-data",
            "image",
        )
    if not data:
        raise ApiError(422, "invalid", "the image is empty", "image")
    return data


def _multipart_field(content_type: str, body: bytes, name: str = "image") -> bytes:
    """The first file part (``name`` preferred) of a multipart body, parsed in memory."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise ApiError(400, "bad_request", "multipart/form-data without a boundary")
    parts: list[tuple[bytes, bytearray]] = []
    header_name, header_value = bytearray(), bytearray()
    current: dict = {}

    def on_part_begin():
        current.clear()
        current["headers"] = {}
        current["data"] = bytearray()

    def on_header_field(b, start, end):
        header_name.extend(b[start:end])

    def on_header_value(b, start, end):
        header_value.extend(b[start:end])

    def on_header_end():
        current["headers"][bytes(header_name).lower()] = bytes(header_value)
        header_name.clear()
        header_value.clear()

    def on_part_data(b, start, end):
        current["data"].extend(b[start:end])

    def on_part_end():
        disposition = current["headers"].get(b"content-disposition", b"")
        _, opts = parse_options_header(disposition)
        parts.append((opts.get(b"name", b""), current["data"]))

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except Exception:  # noqa: BLE001 - python-multipart raises its own error types
        raise ApiError(400, "bad_request", "the multipart body could not be read") from None
    for field_name, data in parts:
        if field_name == name.encode():
            return bytes(data)
    raise ApiError(422, "invalid", f"no '{name}' field in the form", name)


def _decode(data: bytes, max_pixels: int) -> tuple:
    from core.payslip.decode import ImageError, ZxingDecoder, load_gray

    with _slots:
        try:
            img = load_gray(data, max_pixels)
        except ImageError as exc:
            status = 413 if exc.code == "too_large" else 415
            raise ApiError(
                status, "payload_too_large" if exc.code == "too_large" else "not_image", str(exc), "image"
            ) from None
        return ZxingDecoder().decode_image(img)


def _out(slip, symbology: str) -> SlipOut:
    return SlipOut(**slip.to_json(), digits=slip.digits, symbology=symbology)


@router.post(
    "/v1/payslips/decode",
    response_model=DecodeOut,
    responses=responses(400, 413, 415, 422, 429),
    summary="Read a slip's barcode or eL-QR from a photo (decoded in memory, never stored)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                **{
                    t: {"schema": {"type": "string", "format": "binary"}} for t in ("image/jpeg", "image/png")
                },
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["image"],
                        "properties": {"image": {"type": "string", "format": "binary"}},
                    }
                },
            },
        }
    },
)
async def decode(request: Request) -> DecodeOut:
    from core.payslip.model import PayslipError
    from core.payslip.parse import parse

    settings = request.app.state.settings
    _limiter(request).check(client_ip(request), "slip images from this address")
    data = await _image_bytes(request)
    codes = await run_in_threadpool(_decode, data, settings.payslip_max_pixels)
    del data
    found, first_error = [], None
    for c in sorted(codes, key=lambda c: c.symbology != "qr"):  # the eL-QR first: it has the 納期限
        try:
            found.append(_out(parse(c.text), c.symbology))
        except PayslipError as exc:
            first_error = first_error or exc
    if found:
        return DecodeOut(slip=found[0], others=found[1:])
    if first_error is not None:
        raise ApiError(422, first_error.code, str(first_error), "image")
    raise ApiError(
        422, "no_barcode", "no slip barcode (Code 128) or eL-QR code was found in the image", "image"
    )
