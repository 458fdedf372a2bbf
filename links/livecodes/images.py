"""Stored copies of live codes' QR pictures (read first by links.qr_upload).

The stored copy is re-encoded from the pixels, so camera metadata (GPS position, device) never
reaches the public page.
"""

import io
import uuid

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from links.qr_decode import QrDecodeError, decode_qr_codes
from links.qr_upload import QrUpload

# A stored group code is shown on phones: 1600 px on the longest side is plenty, and keeps pages light.
MAX_STORED_SIDE = 1600


def stored_copy(upload: QrUpload) -> ContentFile:
    """The picture as it is stored and served: upright, without metadata, at most 1600 px.

    JPEG stays JPEG (photos), everything else becomes PNG (screenshots, generated codes). When the
    smaller copy no longer decodes, the full-size one is kept.
    """
    with Image.open(io.BytesIO(upload.data)) as original:
        fmt = "JPEG" if original.format in ("JPEG", "MPO") else "PNG"
        image = ImageOps.exif_transpose(original)
        image = (
            image.convert("RGB") if fmt == "JPEG" or image.mode not in ("L", "RGB", "RGBA", "LA") else image
        )
        full = _encode(image, fmt)
        if max(image.size) <= MAX_STORED_SIDE:
            data = full
        else:
            small = image.copy()
            small.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE), Image.Resampling.LANCZOS)
            data = _encode(small, fmt)
            try:
                texts = {r.text for r in decode_qr_codes(data)}
            except QrDecodeError:
                texts = set()
            if upload.text not in texts:
                data = full
    extension = "jpg" if fmt == "JPEG" else "png"
    return ContentFile(data, name=f"{uuid.uuid4().hex}.{extension}")


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, format="JPEG", quality=90, optimize=True)
    else:
        image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def content_type_of(name: str) -> str:
    return "image/jpeg" if name.lower().endswith((".jpg", ".jpeg")) else "image/png"
