"""QR code images of short links, PNG and SVG."""

import hashlib
import io
import re
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image

ECC_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 64, 2048, 300
MAX_MARGIN, DEFAULT_MARGIN = 16, 2


@dataclass(frozen=True)
class QrOptions:
    size: int = DEFAULT_SIZE
    margin: int = DEFAULT_MARGIN
    ecc: str = "M"

    def etag(self, content: str, fmt: str) -> str:
        digest = hashlib.sha256(f"{content}|{fmt}|{self.size}|{self.margin}|{self.ecc}".encode()).hexdigest()
        return f'"{digest[:32]}"'


def _int_param(params, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError(
            {
                name: _("%(name)s must be a whole number between %(low)d and %(high)d.")
                % {"name": name, "low": low, "high": high}
            }
        ) from None
    if not low <= value <= high:
        raise ValidationError(
            {
                name: _("%(name)s must be between %(low)d and %(high)d.")
                % {"name": name, "low": low, "high": high}
            }
        )
    return value


def parse_options(params) -> QrOptions:
    """`?size=` (pixels, 64–2048), `?margin=` (modules, 0–16), `?ecc=L|M|Q|H`."""
    ecc = (params.get("ecc") or "M").upper()
    if ecc not in ECC_LEVELS:
        raise ValidationError({"ecc": _("ecc must be one of L, M, Q or H.")})
    return QrOptions(
        size=_int_param(params, "size", DEFAULT_SIZE, MIN_SIZE, MAX_SIZE),
        margin=_int_param(params, "margin", DEFAULT_MARGIN, 0, MAX_MARGIN),
        ecc=ecc,
    )


def _matrix(content: str, options: QrOptions) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ECC_LEVELS[options.ecc], border=options.margin, box_size=1)
    code.add_data(content)
    code.make(fit=True)
    return code


def render_png(content: str, options: QrOptions) -> bytes:
    code = _matrix(content, options)
    modules = code.modules_count + 2 * options.margin
    box = max(1, options.size // modules)
    code.box_size = box
    image = code.make_image(fill_color="black", back_color="white").get_image().convert("1")
    if image.size[0] != options.size:
        # Whole-pixel modules first, then one nearest-neighbour resize to the exact size asked.
        image = image.resize((options.size, options.size), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def render_svg(content: str, options: QrOptions) -> bytes:
    code = _matrix(content, options)
    code.box_size = 10
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    svg = image.to_string(encoding="unicode")
    # Scale to the size asked in pixels while keeping the vector viewBox.
    svg = re.sub(
        r'width="[^"]*" height="[^"]*"', f'width="{options.size}" height="{options.size}"', svg, count=1
    )
    return svg.encode()


def qr_response(request, content: str, fmt: str):
    """The QR image of `content` as asked by ?size=&margin=&ecc=; 400 on nonsense, 304 on a match."""
    from django.http import HttpResponse, HttpResponseNotModified

    try:
        options = parse_options(request.GET)
    except ValidationError as exc:
        return HttpResponse(
            " ".join(m for messages in exc.message_dict.values() for m in messages),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    etag = options.etag(content, fmt)
    if request.META.get("HTTP_IF_NONE_MATCH") == etag:
        response = HttpResponseNotModified()
    elif fmt == "png":
        response = HttpResponse(render_png(content, options), content_type="image/png")
    else:
        response = HttpResponse(render_svg(content, options), content_type="image/svg+xml")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=86400"
    return response
