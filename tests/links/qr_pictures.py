"""Generated pictures for the QR decoder: photo-like good cases and bad inputs.

Shared by tests/links/test_qr_decode.py and tests/bench/qr_decode_bench.py so both measure the same
set. Everything is built from code with fixed seeds (no binary fixtures), and nothing here imports
Django or the decoder, so the benchmark can import it without side effects.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from unittest import mock

import qrcode
import qrcode.constants
import zxingcpp
from PIL import Image, ImageDraw, ImageFilter, ImageFont

URL = "https://suo.example.com/s/Ab3xY"
OTHER_URL = "https://weixin.qq.com/g/AQYAAEx7pQ"
CHINESE_TEXT = "欢迎加入私域运营交流群，请扫码"
PLAIN_TEXT = "WIFI:T:WPA;S:office;P:not-a-url;;"

# ---------------------------------------------------------------- building blocks


def qr_image(
    data: str | bytes,
    *,
    box_size: int = 10,
    border: int = 4,
    fill: int = 0,
    back: int = 255,
    error_correction: int = qrcode.constants.ERROR_CORRECT_M,
) -> Image.Image:
    """A clean greyscale QR code. Bytes are written as-is in 8-bit mode (no ECI), as WeChat-era
    generators that emit GB18030 do."""
    code = qrcode.QRCode(box_size=box_size, border=border, error_correction=error_correction)
    code.add_data(data)
    code.make(fit=True)
    img = code.make_image().get_image().convert("L")
    if (fill, back) != (0, 255):
        # Map black/white onto the requested greys (low contrast, inverted).
        img = img.point(lambda v: back if v > 127 else fill)
    return img


class _EciSegment:
    """An ECI header for qrcode's segment list: mode 0111 + an 8-bit designator (0-127).

    qrcode writes `mode` (4 bits), then `len(segment)` in length_in_bits(mode) bits, then calls
    write(): with a length field of 8 bits and an empty body that is exactly an ECI header."""

    mode = 0b0111

    def __init__(self, designator: int) -> None:
        self.designator = designator

    def __len__(self) -> int:
        return self.designator

    def write(self, buffer: object) -> None:
        pass


def qr_image_with_eci(payload: bytes, designator: int, *, box_size: int = 10) -> Image.Image:
    """A QR code whose 8-bit segment is preceded by an ECI naming its charset (qrcode cannot do
    ECI by itself), e.g. designator 3 = ISO-8859-1, 26 = UTF-8, 32 = GB18030."""
    real = qrcode.util.length_in_bits

    def length_in_bits(mode: int, version: int) -> int:
        return 8 if mode == _EciSegment.mode else real(mode, version)

    code = qrcode.QRCode(version=3, box_size=box_size, border=4)
    code.data_list = [_EciSegment(designator), qrcode.util.QRData(payload, mode=qrcode.util.MODE_8BIT_BYTE)]
    with mock.patch.object(qrcode.util, "length_in_bits", length_in_bits):
        code.make(fit=False)  # best_fit has its own table that knows no ECI; version 3 is plenty
        img = code.make_image().get_image()
    return img.convert("L")


def micro_qr_image(text: str, *, scale: int = 8) -> Image.Image:
    """Micro QR via zxing-cpp's writer (qrcode cannot make one)."""
    return _zxing_image(zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.MicroQRCode), scale)


def ean13_image(*, scale: int = 3) -> Image.Image:
    """A retail barcode, to show that non-QR symbols in the picture are ignored."""
    return _zxing_image(zxingcpp.create_barcode("5901234123457", zxingcpp.BarcodeFormat.EAN13), scale)


def _zxing_image(barcode: zxingcpp.Barcode, scale: int) -> Image.Image:
    zimg = barcode.to_image(scale=scale, add_quiet_zones=True)
    height, width = zimg.shape[:2]
    return Image.frombytes("L", (width, height), bytes(memoryview(zimg)))


def encode(img: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def photo_background(size: tuple[int, int], *, seed: int = 1, clutter: int = 25) -> Image.Image:
    """A busy "photo": lighting gradient, sensor noise, random shapes and text."""
    rnd = random.Random(seed)
    width, height = size
    gradient = Image.linear_gradient("L").rotate(rnd.randint(0, 359)).resize(size)
    noise = Image.effect_noise(size, 40)
    bg = Image.blend(gradient.point(lambda v: 90 + v // 2), noise, 0.35).convert("RGB")
    draw = ImageDraw.Draw(bg)
    font = ImageFont.load_default(size=max(14, height // 40))
    for _ in range(clutter):
        x, y = rnd.randrange(width), rnd.randrange(height)
        w, h = rnd.randint(20, max(21, width // 6)), rnd.randint(20, max(21, height // 6))
        colour = tuple(rnd.randint(0, 255) for _ in range(3))
        shape = rnd.choice(("rect", "ellipse", "line", "text"))
        if shape == "rect":
            draw.rectangle((x, y, x + w, y + h), fill=colour)
        elif shape == "ellipse":
            draw.ellipse((x, y, x + w, y + h), outline=colour, width=3)
        elif shape == "line":
            draw.line((x, y, x + w, y + h), fill=colour, width=rnd.randint(1, 6))
        else:
            draw.text((x, y), "扫码入群 SCAN 2025", fill=colour, font=font)
    return bg


def paste_into(bg: Image.Image, code: Image.Image, position: tuple[int, int]) -> Image.Image:
    out = bg.copy()
    out.paste(code.convert(out.mode), position)
    return out


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gauss-Jordan for the 8x8 perspective system (numpy is not a dependency)."""
    n = len(vector)
    rows = [[*row, v] for row, v in zip(matrix, vector, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(n):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return [rows[i][n] / rows[i][i] for i in range(n)]


def perspective(img: Image.Image, corners: list[tuple[float, float]], fill: int = 255) -> Image.Image:
    """Warp img so its corners (tl, tr, br, bl) land on `corners`, like a phone held at an angle."""
    w, h = img.size
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    # PIL wants the inverse map (output pixel -> input pixel), so solve from `corners` to `src`.
    matrix, vector = [], []
    for (x, y), (u, v) in zip(corners, src, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        vector.append(u)
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        vector.append(v)
    coeffs = _solve(matrix, vector)
    return img.transform(
        img.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC, fillcolor=fill
    )


def with_exif_orientation(upright: Image.Image, orientation: int) -> bytes:
    """A JPEG whose stored pixels are turned, with the EXIF tag that tells viewers to turn them back
    (what phone cameras write)."""
    stored = {
        6: upright.transpose(Image.Transpose.ROTATE_90),  # viewer rotates 90° clockwise
        8: upright.transpose(Image.Transpose.ROTATE_270),  # viewer rotates 90° counter-clockwise
        3: upright.transpose(Image.Transpose.ROTATE_180),
    }[orientation]
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored.convert("RGB"), "JPEG", quality=92, exif=exif.tobytes())


# ---------------------------------------------------------------- good pictures


@dataclass(frozen=True)
class Picture:
    kind: str
    data: bytes
    expected: tuple[str, ...]  # the distinct texts a correct decoder reports
    note: str = ""


def _rotated(angle: float) -> Picture:
    img = qr_image(URL).rotate(angle, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    return Picture(f"rotated_{angle:g}", encode(img), (URL,))


def _perspective() -> Picture:
    code = qr_image(URL, border=8)
    w, h = code.size
    tilted = perspective(
        code, [(0.18 * w, 0.05 * h), (0.92 * w, 0.15 * h), (0.80 * w, 0.95 * h), (0.05 * w, 0.80 * h)]
    )
    return Picture("perspective", encode(tilted), (URL,))


def _small_in_large_photo() -> Picture:
    # 12-megapixel phone photo, the code ~5% of the width (~4 px per module).
    bg = photo_background((4000, 3000), seed=2)
    code = qr_image(URL, box_size=4, border=2)
    img = paste_into(bg, code, (2600, 1900))
    return Picture("small_in_large_photo", encode(img, "JPEG", quality=88), (URL,))


def _low_contrast() -> Picture:
    bg = Image.new("L", (700, 700), 150)
    img = paste_into(bg, qr_image(URL, fill=115, back=150), (50, 50))
    return Picture("low_contrast", encode(img), (URL,))


def _jpeg_recompressed() -> Picture:
    img = qr_image(URL, box_size=5).convert("RGB")
    for quality in (50, 30, 20):  # forwarded through chat apps a few times
        img = Image.open(io.BytesIO(encode(img, "JPEG", quality=quality)))
    return Picture("jpeg_recompressed", encode(img, "JPEG", quality=20), (URL,))


def _exif(orientation: int) -> Picture:
    return Picture(f"exif_orientation_{orientation}", exif_upright_data(orientation), (URL,))


def exif_upright_picture() -> Image.Image:
    """Landscape picture with the code in the top-left corner once shown upright."""
    bg = Image.new("L", (900, 500), 255)
    return paste_into(bg, qr_image(URL, box_size=8, border=2), (20, 20))


def exif_upright_data(orientation: int) -> bytes:
    return with_exif_orientation(exif_upright_picture(), orientation)


def _cluttered() -> Picture:
    """The code is one of several things: text, shapes and a retail barcode."""
    bg = photo_background((1600, 1200), seed=3, clutter=40)
    img = paste_into(bg, ean13_image(), (80, 900))
    img = paste_into(img, qr_image(URL, box_size=6), (900, 250))
    return Picture("cluttered_with_barcode", encode(img, "JPEG", quality=85), (URL,))


def _phone_photo() -> Picture:
    """Tilted, turned, slightly blurred and JPEG'd code on a busy background."""
    code = qr_image(URL, box_size=8, border=6)
    w, h = code.size
    code = perspective(code, [(0.1 * w, 0.0), (w, 0.12 * h), (0.88 * w, h), (0.0, 0.86 * h)])
    code = code.rotate(33, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    img = paste_into(photo_background((1800, 1350), seed=4), code, (500, 300))
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    return Picture("phone_photo", encode(img, "JPEG", quality=75), (URL,))


def _inverted() -> Picture:
    # Dark-mode screenshots: light modules on a dark background.
    return Picture("inverted", encode(qr_image(URL, fill=255, back=20)), (URL,))


def _blurred() -> Picture:
    return Picture("blurred", encode(qr_image(URL, box_size=8).filter(ImageFilter.GaussianBlur(2.5))), (URL,))


def _tiny_thumbnail() -> Picture:
    # A chat-app thumbnail: ~1.4 px per module; zxing alone gives up, the upscaling pass reads it.
    img = qr_image(URL, box_size=10, border=2).resize((40, 40), Image.Resampling.BILINEAR)
    return Picture("tiny_thumbnail", encode(img), (URL,), note="needs the enhanced pass")


def faint_picture() -> Image.Image:
    """Grey on grey with uneven light: the code's dynamic range (~12 levels) is below what zxing's
    local binarizer accepts; the contrast stretch of the enhanced pass reads it."""
    code = qr_image(URL, box_size=6, fill=126, back=140)
    img = paste_into(Image.new("L", (500, 500), 140), code, (30, 30))
    light = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize(img.size)
    return Image.composite(img, Image.new("L", img.size, 0), light.point(lambda v: 255 - v // 3))


def _faint_low_contrast() -> Picture:
    return Picture("faint_low_contrast", encode(faint_picture()), (URL,), note="needs the enhanced pass")


def _transparent_png() -> Picture:
    # Black modules on a transparent background whose hidden colour is black too (common export).
    code = qr_image(URL)
    rgba = Image.new("RGBA", code.size, (0, 0, 0, 0))
    rgba.putalpha(code.point(lambda v: 255 - v))
    return Picture("transparent_png", encode(rgba), (URL,))


def _sixteen_bit_grey() -> Picture:
    # 16-bit greyscale PNG as a scanner writes it: black is ~3000 of 65535, not 0, so a plain 8-bit
    # conversion (which clips at 255) would turn the whole picture white.
    img = qr_image(URL).point(lambda v: 3000 + v * 230, "I").convert("I;16")
    return Picture("sixteen_bit_grey", encode(img), (URL,))


def _eci_latin1() -> Picture:
    # The symbol declares ISO-8859-1 (ECI 3); the same bytes read as GB18030 would be "你好".
    text = "ÄãºÃ"
    return Picture("eci_latin1_text", encode(qr_image_with_eci(text.encode("latin-1"), 3)), (text,))


def _same_code_twice() -> Picture:
    bg = Image.new("L", (1000, 500), 255)
    code = qr_image(URL, box_size=6)
    img = paste_into(paste_into(bg, code, (20, 50)), code, (520, 50))
    return Picture("same_code_twice", encode(img), (URL,))


def two_codes_data() -> bytes:
    bg = Image.new("L", (1000, 500), 255)
    img = paste_into(bg, qr_image(URL, box_size=6), (20, 50))
    return encode(paste_into(img, qr_image(OTHER_URL, box_size=6), (520, 50)))


def _gb18030() -> Picture:
    return Picture("gb18030_text", encode(qr_image(CHINESE_TEXT.encode("gb18030"))), (CHINESE_TEXT,))


def _utf8_chinese() -> Picture:
    return Picture("utf8_chinese_text", encode(qr_image(CHINESE_TEXT)), (CHINESE_TEXT,))


def _plain_text() -> Picture:
    return Picture("non_url_text", encode(qr_image(PLAIN_TEXT)), (PLAIN_TEXT,))


def _micro_qr() -> Picture:
    return Picture("micro_qr", encode(micro_qr_image("SUO2025")), ("SUO2025",))


GOOD_BUILDERS: dict[str, Callable[[], Picture]] = {
    "plain": lambda: Picture("plain", encode(qr_image(URL)), (URL,)),
    "rotated_15": lambda: _rotated(15),
    "rotated_33": lambda: _rotated(33),
    "rotated_90": lambda: _rotated(90),
    "rotated_180": lambda: _rotated(180),
    "perspective": _perspective,
    "small_in_large_photo": _small_in_large_photo,
    "low_contrast": _low_contrast,
    "faint_low_contrast": _faint_low_contrast,
    "jpeg_recompressed": _jpeg_recompressed,
    "exif_orientation_6": lambda: _exif(6),
    "exif_orientation_8": lambda: _exif(8),
    "cluttered_with_barcode": _cluttered,
    "phone_photo": _phone_photo,
    "inverted": _inverted,
    "blurred": _blurred,
    "tiny_thumbnail": _tiny_thumbnail,
    "same_code_twice": _same_code_twice,
    "two_different_codes": lambda: Picture("two_different_codes", two_codes_data(), (URL, OTHER_URL)),
    "gb18030_text": _gb18030,
    "utf8_chinese_text": _utf8_chinese,
    "non_url_text": _plain_text,
    "eci_latin1_text": _eci_latin1,
    "micro_qr": _micro_qr,
    "transparent_png": _transparent_png,
    "sixteen_bit_grey": _sixteen_bit_grey,
}


@functools.cache
def good_picture(kind: str) -> Picture:
    return GOOD_BUILDERS[kind]()


def good_pictures() -> list[Picture]:
    return [good_picture(kind) for kind in GOOD_BUILDERS]


# ---------------------------------------------------------------- bad inputs


def random_bytes(n: int = 4096, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(n)


@functools.cache
def truncated_png() -> bytes:
    data = encode(photo_background((600, 600), seed=5))
    return data[: len(data) // 2]


@functools.cache
def truncated_jpeg() -> bytes:
    data = encode(paste_into(photo_background((800, 600), seed=6), qr_image(URL), (100, 100)), "JPEG")
    return data[: len(data) // 2]


@functools.cache
def no_code_photo() -> bytes:
    return encode(photo_background((1200, 900), seed=8, clutter=40), "JPEG", quality=85)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@functools.cache
def declared_size_png(width: int, height: int) -> bytes:
    """A valid, all-black 1-bit PNG of the given size, built row by row so that making it never holds
    the pixels in memory. 30000x30000 compresses to ~110 kB: a decompression bomb."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row * 1000) for _ in range(height // 1000)]
    parts += [compressor.compress(row * (height % 1000)), compressor.flush()]
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def decompression_bomb() -> bytes:
    return declared_size_png(30000, 30000)


# ---------------------------------------------------------------- hard set (benchmark only)


def hard_pictures() -> list[Picture]:
    """45 pictures at and beyond the limit of what a phone photo should be, used to decide which
    fallback passes earn their cost (`python -m tests.bench.qr_decode_bench --hard`). Not every one
    is expected to decode; the tests do not use them."""
    out: list[Picture] = []

    def add(kind: str, img: Image.Image) -> None:
        # Big pictures as JPEG, as phones send them (a noisy 24 MP PNG would exceed the byte limit).
        data = encode(img.convert("RGB"), "JPEG", quality=85) if max(img.size) > 2000 else encode(img)
        out.append(Picture(kind, data, (URL,)))

    for diff in (30, 20, 14, 10, 7, 5):  # grey on grey under uneven light
        for seed, turn in ((1, Image.Transpose.ROTATE_90), (2, Image.Transpose.ROTATE_270)):
            img = paste_into(
                Image.new("L", (500, 500), 140),
                qr_image(URL, box_size=6, fill=140 - diff, back=140),
                (30, 30),
            )
            light = Image.linear_gradient("L").transpose(turn).resize(img.size)
            img = Image.blend(img, Image.effect_noise(img.size, 10), 0.15)
            add(
                f"lowc{diff}_s{seed}",
                Image.composite(img, Image.new("L", img.size, 0), light.point(lambda v: 255 - v // 3)),
            )
    for px in (64, 56, 48, 44, 40, 36, 33, 30):  # thumbnails, 29 modules in px pixels
        add(f"tiny{px}", qr_image(URL, box_size=10, border=2).resize((px, px), Image.Resampling.BILINEAR))
    for box, size in (
        (3, (4000, 3000)),
        (2, (4000, 3000)),
        (3, (6000, 4000)),
        (4, (6000, 4000)),
        (2, (3000, 2000)),
    ):
        bg = photo_background(size, seed=box + size[0])
        add(
            f"small{box}px_{size[0]}",
            paste_into(bg, qr_image(URL, box_size=box, border=2), (size[0] * 2 // 3, size[1] * 2 // 3)),
        )
    for radius in (3, 3.5, 4, 4.5, 5):
        add(f"blur{radius}", qr_image(URL, box_size=8).filter(ImageFilter.GaussianBlur(radius)))
    for box in (3, 4):  # far away, turned, out of focus, JPEG'd
        for radius in (1.0, 1.5):
            code = qr_image(URL, box_size=box, border=3).rotate(20, expand=True, fillcolor=255)
            img = paste_into(photo_background((2000, 1500), seed=box), code, (900, 600))
            img = img.filter(ImageFilter.GaussianBlur(radius))
            add(f"far{box}_blur{radius}", Image.open(io.BytesIO(encode(img, "JPEG", quality=60))))
    for k in (0.2, 0.3, 0.38):  # steep viewing angles
        code = qr_image(URL, border=8)
        w, h = code.size
        corners = [
            (k * w, k * h * 0.5),
            (w * (1 - k * 0.2), 0.05 * h),
            (w * (1 - k * 0.1), h * 0.97),
            (k * w, h * (1 - k * 0.5)),
        ]
        add(f"persp{k}", perspective(code, corners))
    for dark in (60, 90, 110):  # a shadow over half the code
        code = qr_image(URL, box_size=6)
        mask = Image.new("L", code.size, 0)
        ImageDraw.Draw(mask).polygon([(0, 0), (code.size[0], 0), (0, code.size[1])], fill=255)
        shaded = code.point(lambda v, d=dark: max(0, v * (255 - d) // 255 - d // 2))
        add(f"shadow{dark}", Image.composite(shaded, code, mask))
    for quality in (10, 5):
        add(
            f"jpegq{quality}",
            Image.open(io.BytesIO(encode(qr_image(URL, box_size=3).convert("RGB"), "JPEG", quality=quality))),
        )
    for strength in (120, 180, 220):  # glare
        code = qr_image(URL, box_size=6)
        glare = Image.new("L", code.size, 0)
        ImageDraw.Draw(glare).ellipse((50, 50, 200, 160), fill=strength)
        add(
            f"glare{strength}",
            Image.composite(Image.new("L", code.size, 255), code, glare.filter(ImageFilter.GaussianBlur(25))),
        )
    return out
