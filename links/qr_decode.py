"""Decode the QR code in an uploaded picture: the core of "QR upload -> decode" (issue 5).

zxing-cpp does the decoding (QR formats only); Pillow reads the picture. The pipeline:

1. Read at most ``max_bytes`` + 1 bytes, so an oversized upload is refused without reading it all.
2. ``Image.open`` only parses the header: the pixel count is checked *before* any pixel is decoded,
   which is what stops a decompression bomb (a tiny PNG that inflates to gigabytes).
3. Decode the pixels, apply the EXIF orientation (phone photos are stored sideways), flatten
   transparency onto white, convert to greyscale.
4. zxing-cpp with its own robustness options; one fallback pass (contrast stretch + upscale of
   small pictures) only when the first pass finds nothing. See ``_fallback_image`` for what it buys.
5. Text from the raw bytes: zxing guesses Shift_JIS/ISO-8859-1 for GB18030 content, so without an
   ECI charset in the symbol we pick the most plausible of UTF-8, GB18030, Big5, Shift_JIS and
   ISO-8859-1 (links/qr_text.py).

Every refusal is a ``QrDecodeError`` subclass with a stable ``code`` and a translated ``message``;
the API turns them into 400s. Nothing here touches the database.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, ClassVar
from urllib.parse import urlsplit

import zxingcpp
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from links.qr_text import decode_payload

__all__ = [
    "MAX_PIXELS",
    "MAX_UPLOAD_BYTES",
    "DecodeResult",
    "EmptyFileError",
    "ImageTooLargeError",
    "NoQrCodeError",
    "NotAnImageError",
    "QrDecodeError",
    "SeveralQrCodesError",
    "TooManyPixelsError",
    "TruncatedImageError",
    "decode_qr",
    "decode_qr_codes",
    "looks_like_url",
]

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# 40 MP covers every phone camera in use (a 48 MP sensor saves 12 MP by default) while bounding
# memory: 40 MP as RGB is 120 MB while decoding, 40 MB once greyscale.
MAX_PIXELS = 40_000_000

# Pillow plugins we accept. Narrower than Pillow's default on purpose: EPS would run Ghostscript,
# and formats nobody photographs a QR code in are only attack surface. HEIC needs pillow-heif,
# which we do not ship; iPhones convert to JPEG when uploading through a browser.
ALLOWED_FORMATS = ("PNG", "JPEG", "MPO", "WEBP", "GIF", "BMP", "TIFF")

# Magic numbers of the allowed formats: a file that starts like an image but does not open was cut
# off (or damaged), which deserves a different message than "this is not a picture".
_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")

# Below this longer side, the fallback pass upscales: zxing needs ~2+ px per module, and its
# local binarizer works on 8x8 blocks, so tiny thumbnails and low-contrast crops gain from it.
_UPSCALE_TARGET = 800
# A 1-99 percentile spread this wide means a contrast stretch would change next to nothing.
_FULL_CONTRAST = 200

# zxing-cpp 3 deprecates `|` on formats; parsing the names works on 2.2+ and 3.x alike.
_QR_FORMATS = zxingcpp.barcode_formats_from_str("QRCode,MicroQRCode,RMQRCode")

# ISO 15424 symbology identifiers that say "an ECI (charset) is declared in the symbol" (zxing-cpp 2.x).
_ECI_SYMBOLOGY_IDS = frozenset({"]Q2", "]Q4", "]Q6"})


# ---------------------------------------------------------------- results and errors


Point = tuple[int, int]


@dataclass(frozen=True, slots=True)
class DecodeResult:
    text: str
    is_url: bool  # http(s) with a host: what a short link may point at
    format: str  # zxing's format name: "QRCode", "MicroQRCode" or "RMQRCode"
    raw: bytes = field(repr=False)  # payload bytes as stored in the symbol
    # How `text` was made from `raw`: "eci" (the symbol names its charset), else the encoding chosen:
    # "utf-8", "gb18030", "big5", "shift_jis" or "iso-8859-1".
    encoding: str
    # Corners (top-left, top-right, bottom-right, bottom-left of the code) in pixels of the upright
    # picture, i.e. after the EXIF rotation; orientation in degrees as zxing reports it.
    position: tuple[Point, Point, Point, Point]
    orientation: int
    decode_pass: str  # "direct" or "enhanced": which pass found it (benchmarks, tuning)


class QrDecodeError(ValueError):
    """Base class: ``code`` is stable for API clients, ``message`` is for people (translated)."""

    code: ClassVar[str] = "qr_decode_failed"
    template: ClassVar[str | Promise] = _("The QR code could not be read.")

    def __init__(self, *, candidates: list[str] | None = None, **params: object) -> None:
        self.candidates: list[str] = list(candidates or [])
        self.params = params
        super().__init__(self.code)

    @property
    def message(self) -> str:
        # Formatted on access, so it comes out in the language active for the request.
        return str(self.template) % self.params if self.params else str(self.template)

    def __str__(self) -> str:
        return self.message


class EmptyFileError(QrDecodeError):
    code = "empty"
    template = _("The uploaded file is empty.")


class NotAnImageError(QrDecodeError):
    code = "not_image"
    template = _("The file is not a picture we can read. Upload a PNG, JPEG, WebP, GIF, BMP or TIFF image.")


class TruncatedImageError(QrDecodeError):
    code = "truncated"
    template = _(
        "The picture is incomplete or damaged (the upload may have been cut off). Please upload it again."
    )


class ImageTooLargeError(QrDecodeError):
    code = "too_large"
    template = _("The file is larger than %(limit_mb)s MB. Please upload a smaller picture.")


class TooManyPixelsError(QrDecodeError):
    code = "too_many_pixels"
    template = _("The picture has more than %(limit_mp)s megapixels. Please upload a smaller picture.")


class NoQrCodeError(QrDecodeError):
    code = "no_code"
    template = _(
        "No QR code was found in the picture. Make sure the whole code is visible, sharp and not too small."
    )


class SeveralQrCodesError(QrDecodeError):
    code = "several_codes"
    template = _("The picture contains %(count)s different QR codes. Choose which one to use.")

    def __init__(self, results: list[DecodeResult]) -> None:
        self.results = results
        super().__init__(candidates=[r.text for r in results], count=len(results))


# ---------------------------------------------------------------- public functions


def looks_like_url(text: str) -> bool:
    """True for an absolute http(s) URL with a host; what a short link may redirect to."""
    text = text.strip()
    if not text or any(ch.isspace() for ch in text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 -- raises ValueError for a malformed port ("http://a.com:99999")
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def decode_qr(
    data: bytes | IO[bytes], *, max_bytes: int = MAX_UPLOAD_BYTES, max_pixels: int = MAX_PIXELS
) -> DecodeResult:
    """The one QR code in an uploaded picture.

    Raises a ``QrDecodeError`` subclass for every refusal; ``SeveralQrCodesError`` carries the
    candidates (``.candidates`` texts, ``.results``) when the picture holds different codes.
    """
    results = decode_qr_codes(data, max_bytes=max_bytes, max_pixels=max_pixels)
    if len(results) > 1:
        raise SeveralQrCodesError(results)
    return results[0]


def decode_qr_codes(
    data: bytes | IO[bytes], *, max_bytes: int = MAX_UPLOAD_BYTES, max_pixels: int = MAX_PIXELS
) -> list[DecodeResult]:
    """Every distinct QR code in the picture (the same code twice counts once), in reading order.

    Raises ``NoQrCodeError`` instead of returning an empty list, and the input errors of decode_qr.
    """
    raw = _read_limited(data, max_bytes)
    picture = _load_greyscale(raw, max_pixels)
    for name, image, scale in _passes(picture):
        found = zxingcpp.read_barcodes(
            image,
            formats=_QR_FORMATS,
            # zxing's defaults, spelled out with what each was measured to do (tests/bench):
            # try_invert reads dark-mode screenshots (light modules on dark); try_downscale is what
            # makes the upscaled thumbnails of the enhanced pass readable (without it 7 of the 45
            # hard pictures are lost); try_rotate changes nothing for QR (its finder patterns work at
            # any angle) and costs nothing. GlobalHistogram lost 16 of 45 hard pictures;
            # is_pure=True reads only perfectly aligned generated images and misses the second code.
            try_rotate=True,
            try_downscale=True,
            try_invert=True,
            binarizer=zxingcpp.Binarizer.LocalAverage,
            is_pure=False,
        )
        # read_barcodes can hand back placeholder results (format NONE, valid False), e.g. with
        # is_pure=True on a picture that is not pure; they must not count as a decoded code.
        usable = (b for b in found if b.valid and b.format != zxingcpp.BarcodeFormat.NONE)
        results = _distinct(_result(barcode, image, name, scale) for barcode in usable)
        if results:
            return results
    raise NoQrCodeError()


# ---------------------------------------------------------------- reading the picture


def _read_limited(data: bytes | IO[bytes], max_bytes: int) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        size = getattr(data, "size", None)  # Django's UploadedFile knows its size up front
        if isinstance(size, int) and size > max_bytes:
            raise ImageTooLargeError(limit_mb=_megabytes(max_bytes))
        seekable = getattr(data, "seekable", None)
        if seekable is not None and seekable():
            data.seek(0)  # the view may have peeked at the upload already
        chunks, remaining = [], max_bytes + 1  # one byte over the limit tells "too large" apart
        while remaining > 0:
            chunk = data.read(remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        raw = b"".join(chunks)
    if len(raw) > max_bytes:
        raise ImageTooLargeError(limit_mb=_megabytes(max_bytes))
    if not raw:
        raise EmptyFileError()
    return raw


def _load_greyscale(raw: bytes, max_pixels: int) -> Image.Image:
    with warnings.catch_warnings():
        # Pillow warns (and only past 2x its limit raises) about bombs; a warning must not let a
        # bomb through. Our own, lower limit below normally refuses first.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(raw), formats=ALLOWED_FORMATS)  # parses the header only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise TooManyPixelsError(limit_mp=max_pixels // 1_000_000) from None
        except Exception:  # UnidentifiedImageError, or any of the errors plugins raise on cut headers
            if raw.startswith(_SIGNATURES) or (raw[:4] == b"RIFF" and raw[8:12] == b"WEBP"):
                raise TruncatedImageError() from None
            raise NotAnImageError() from None

        width, height = image.size
        if width < 1 or height < 1:
            raise NotAnImageError()
        if width * height > max_pixels:  # before load(): the pixels of a bomb are never inflated
            raise TooManyPixelsError(limit_mp=max_pixels // 1_000_000)

        if image.format in ("JPEG", "MPO"):
            # libjpeg hands out the luma plane directly: a 12 MP photo loads in ~80 ms instead of
            # ~120 ms for RGB + convert, and takes a third of the memory.
            image.draft("L", image.size)
        try:
            image.load()
        except Exception:  # truncated/broken stream: OSError, SyntaxError, ValueError, EOFError...
            raise TruncatedImageError() from None

    # A broken EXIF block is no reason to refuse a readable picture: keep it as stored.
    with contextlib.suppress(Exception):
        image = ImageOps.exif_transpose(image)
    return _to_greyscale(image)


def _to_greyscale(image: Image.Image) -> Image.Image:
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        # 16-bit/float greyscale: convert("L") would clip everything above 255 to white.
        low, high = image.getextrema()
        span = (high - low) or 1
        return image.convert("F").point(lambda v: (v - low) * 255 / span).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Transparent PNGs: the hidden colour of transparent pixels is often black, which would
        # swallow black modules; lay the picture on white as every viewer shows it.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("L")
    return image.convert("L")


# ---------------------------------------------------------------- decoding passes


def _passes(picture: Image.Image) -> Iterator[tuple[str, Image.Image, float]]:
    """(name, image, scale) to hand to zxing, cheapest first; later ones run only on failure."""
    yield "direct", picture, 1.0
    fallback = _fallback_image(picture)
    if fallback is not None:
        yield "enhanced", *fallback


def _fallback_image(picture: Image.Image) -> tuple[Image.Image, float] | None:
    """Contrast stretch + upscale of small pictures, in one pass.

    Measured on 45 hard generated pictures (`python -m tests.bench.qr_decode_bench --hard`): zxing
    alone read 28. Autocontrast alone added 4 (grey-on-grey codes whose dynamic range is below
    zxing's local threshold), upscaling alone added 2 (thumbnails at ~1.3 px per module), the two
    together added 10 in one pass (38 of 45); on the test set 24 -> 26 of 26. It costs a second
    zxing call only when the first found nothing (a 1200x900 photo without code: 13 -> 19 ms).
    Other candidates rescued nothing or lost more than they won and are not here: GlobalHistogram
    and FixedThreshold binarizers, histogram equalisation, median filter, unsharp mask, and
    downscaling large photos (zxing's try_downscale already covers that).
    """
    low, high = _percentiles(picture)
    longest = max(picture.size)
    scale = _UPSCALE_TARGET / longest if longest * 1.2 < _UPSCALE_TARGET else 1.0
    if scale == 1.0 and high - low >= _FULL_CONTRAST:
        return None  # would be the same picture again: don't pay for a second pass
    image = ImageOps.autocontrast(picture, cutoff=1) if high - low < _FULL_CONTRAST else picture
    if scale != 1.0:
        size = (round(picture.width * scale), round(picture.height * scale))
        image = image.resize(size, Image.Resampling.BICUBIC)
    return image, scale


def _percentiles(picture: Image.Image) -> tuple[int, int]:
    """The 1st and 99th percentile grey levels."""
    histogram = picture.histogram()
    cut = sum(histogram) / 100
    seen, low = 0, 0
    for level, count in enumerate(histogram):
        seen += count
        if seen > cut:
            low = level
            break
    seen, high = 0, 255
    for level in range(255, -1, -1):
        seen += histogram[level]
        if seen > cut:
            high = level
            break
    return low, high


# ---------------------------------------------------------------- results


def _result(barcode: zxingcpp.Barcode, image: Image.Image, decode_pass: str, scale: float) -> DecodeResult:
    text, encoding = _text(barcode, image)
    corners = tuple((round(x / scale), round(y / scale)) for x, y in _corners(barcode.position))
    return DecodeResult(
        text=text,
        is_url=looks_like_url(text),
        format=barcode.format.name,
        raw=bytes(barcode.bytes),
        encoding=encoding,
        position=corners,  # type: ignore[arg-type]  # always four corners
        orientation=int(barcode.orientation),
        decode_pass=decode_pass,
    )


def _text(barcode: zxingcpp.Barcode, image: Image.Image) -> tuple[str, str]:
    """The payload as text, and how it was decoded.

    With an ECI the symbol names its charset and zxing applies it. Without one, zxing guesses among
    ISO-8859-1/Shift_JIS/UTF-8 and renders GB18030 (common from Chinese generators) and Big5 as
    mojibake, so we pick the most plausible reading of the raw bytes ourselves (links.qr_text).
    """
    raw = bytes(barcode.bytes)
    text, encoding = decode_payload(raw)
    if encoding == "utf-8" and text == barcode.text:
        return text, encoding  # the common case (ASCII URLs included): nothing to decide
    if _declares_eci(barcode, image):
        return barcode.text, "eci"
    return text, encoding


def _declares_eci(barcode: zxingcpp.Barcode, image: Image.Image) -> bool:
    """Whether the symbol carries an ECI (charset designator).

    zxing-cpp 2.x put it in the symbology identifier ("]Q2"); 3.x always says "]Q1" there, and only
    the HexECI text mode shows it. That needs a second read, so it runs only when the answer
    matters (bytes that are not plain UTF-8) and on a crop around the code, to stay cheap on
    12 MP photos.
    """
    if barcode.symbology_identifier in _ECI_SYMBOLOGY_IDS:
        return True
    hex_eci = getattr(zxingcpp.TextMode, "HexECI", None)
    if hex_eci is None:
        return False
    corners = _corners(barcode.position)
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    margin = max(max(xs) - min(xs), max(ys) - min(ys)) // 2 + 8
    left, top = max(0, min(xs) - margin), max(0, min(ys) - margin)
    crop = image.crop((left, top, min(image.width, max(xs) + margin), min(image.height, max(ys) + margin)))
    found = zxingcpp.read_barcodes(crop, formats=_QR_FORMATS, text_mode=hex_eci)
    if not found:
        return False
    centre_x, centre_y = sum(xs) / 4 - left, sum(ys) / 4 - top

    def distance(candidate: zxingcpp.Barcode) -> float:
        points = _corners(candidate.position)
        return abs(sum(x for x, _ in points) / 4 - centre_x) + abs(sum(y for _, y in points) / 4 - centre_y)

    # HexECI text starts with the symbology identifier in hex: "5D 51 32" is "]Q2".
    return min(found, key=distance).text.startswith(("5D 51 32", "5D 51 34", "5D 51 36"))


def _corners(position: zxingcpp.Position) -> list[tuple[int, int]]:
    return [
        (p.x, p.y)
        for p in (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    ]


def _distinct(results: Iterable[DecodeResult]) -> list[DecodeResult]:
    seen: dict[str, DecodeResult] = {}
    for result in results:
        seen.setdefault(result.text, result)  # the same code twice (a poster and its reflection...)
    return list(seen.values())


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g}"
