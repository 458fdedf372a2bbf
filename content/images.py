"""Uploaded library pictures: checked with Pillow before anything is stored, re-encoded from the
pixels (so EXIF, GPS position and camera data never reach a group), thumbnails made later.

The checks follow links.qr_decode: at most MAX_IMAGE_BYTES are read (an upload's declared size is
refused up front), the header is parsed and the pixel count checked *before* any pixel is decoded
(a decompression bomb is a tiny file that inflates to gigabytes), and Pillow's own
DecompressionBombWarning is an error. Every refusal is an ImageRejected with a stable `code`.
"""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, ImageSequence

MAX_IMAGE_BYTES = 10 * 1024 * 1024
# 40 MP: every phone photo, bounded memory (120 MB as RGB while decoding).
MAX_IMAGE_PIXELS = 40_000_000
MAX_GIF_FRAMES = 200
THUMBNAIL_SIDE = 400
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


class ImageRejected(ValueError):
    def __init__(self, code: str, message) -> None:
        self.code, self.message = code, message
        super().__init__(code)

    def __str__(self) -> str:
        return str(self.message)


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


def too_large() -> ImageRejected:
    return ImageRejected(
        "too_large",
        _("The file is larger than %(limit)s MB. Please upload a smaller picture.")
        % {"limit": _megabytes(MAX_IMAGE_BYTES)},
    )


def too_many_pixels() -> ImageRejected:
    return ImageRejected(
        "too_many_pixels",
        _("The picture has more than %(limit)s megapixels. Please upload a smaller picture.")
        % {"limit": MAX_IMAGE_PIXELS // 1_000_000},
    )


def not_an_image() -> ImageRejected:
    return ImageRejected(
        "not_image", _("The file is not a picture we can read. Upload a JPEG, PNG, WebP or GIF image.")
    )


@dataclass(frozen=True)
class CleanImage:
    file: ContentFile
    format: str
    width: int
    height: int


def read_upload(upload) -> bytes:
    """The upload's bytes, refusing empty and oversized files without reading more than the limit."""
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > MAX_IMAGE_BYTES:
        raise too_large()
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise too_large()
    if not data:
        raise ImageRejected("empty", _("The uploaded file is empty."))
    return data


def clean_image(data: bytes) -> CleanImage:
    """The picture re-encoded in its own format (GIF keeps its frames), upright, without metadata."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))  # parses the header only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels() from None
        except Exception:
            raise not_an_image() from None
        width, height = image.size
        frames = getattr(image, "n_frames", 1)
        if width < 1 or height < 1:
            raise not_an_image()
        if (
            width * height > MAX_IMAGE_PIXELS
            or width * height * min(frames, MAX_GIF_FRAMES) > MAX_IMAGE_PIXELS * 4
        ):
            raise too_many_pixels()
        if frames > MAX_GIF_FRAMES:
            raise ImageRejected(
                "too_many_frames",
                _("The animation has more than %(limit)d frames. Please upload a shorter one.")
                % {"limit": MAX_GIF_FRAMES},
            )
        fmt = image.format
        try:
            out = io.BytesIO()
            if fmt == "GIF":
                frames_out = [frame.copy() for frame in ImageSequence.Iterator(image)]
                frames_out[0].save(
                    out,
                    format="GIF",
                    save_all=len(frames_out) > 1,
                    append_images=frames_out[1:],
                    loop=image.info.get("loop", 0),
                    duration=image.info.get("duration", 100),
                )
            else:
                upright = ImageOps.exif_transpose(image)
                _encode(upright, fmt, out)
                width, height = upright.size
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels() from None
        except Exception:
            raise ImageRejected(
                "truncated",
                _("The picture is incomplete or damaged (perhaps cut off). Please upload it again."),
            ) from None
    name = f"{uuid.uuid4().hex}.{FORMATS[fmt]}"
    return CleanImage(file=ContentFile(out.getvalue(), name=name), format=fmt, width=width, height=height)


def _encode(image: Image.Image, fmt: str, out: io.BytesIO) -> None:
    if fmt == "JPEG":
        image.convert("RGB").save(out, format="JPEG", quality=90, optimize=True)
    elif fmt == "WEBP":
        image.save(out, format="WEBP", quality=90)
    else:
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=True)


def thumbnail(data: bytes) -> ContentFile:
    """A small copy (longest side THUMBNAIL_SIDE) of a stored, already checked picture: JPEG, or PNG
    when it has transparency."""
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)
        small = image.convert("RGBA") if image.mode in ("RGBA", "LA", "P") else image.convert("RGB")
        small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if small.mode == "RGBA" and small.getextrema()[3][0] < 255:
            small.save(out, format="PNG", optimize=True)
            extension = "png"
        else:
            small.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
            extension = "jpg"
    return ContentFile(out.getvalue(), name=f"thumb-{uuid.uuid4().hex}.{extension}")


def picture_response(stored) -> FileResponse:
    """A stored library picture (or thumbnail) as a private, cacheable, non-sniffed response."""
    if not stored:
        raise Http404
    response = FileResponse(stored.open("rb"))
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
