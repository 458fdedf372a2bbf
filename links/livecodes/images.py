"""Stored copies of live codes' QR pictures (read first by links.qr_upload).

The stored copy is re-encoded from the pixels, so camera metadata (GPS position, device) never
reaches the public page.
"""

import io
import uuid

from django.core import signing
from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from links.qr_decode import QrDecodeError, decode_qr_codes
from links.qr_upload import QrUpload

# Entry pictures are served only with a signed token bound to the entry: ids are sequential, and
# a guessed id must not hand out a group's code past its rotation, scan limit or expiry.
VISITOR_TOKEN = "suo.livecode.entry-image"  # minted by the page for the group it gives a visitor
PREVIEW_TOKEN = "suo.livecode.entry-preview"  # minted for operators (admin, API): any state
TOKEN_SECONDS = 24 * 3600  # as long as a visitor's sticky group


def entry_image_url(entry, *, preview: bool = False) -> str:
    """The picture's address (path and token) for the visitor it was given to, or for operators."""
    signed = signing.TimestampSigner(salt=PREVIEW_TOKEN if preview else VISITOR_TOKEN).sign(str(entry.pk))
    return f"/g/{entry.live_code.code}/entry/{entry.pk}?t={signed.split(':', 1)[1]}"


def entry_image_token(entry_id: int, token: str) -> str | None:
    """Which token this is for the entry (VISITOR_TOKEN or PREVIEW_TOKEN), or None if neither."""
    for salt in (VISITOR_TOKEN, PREVIEW_TOKEN):
        try:
            signing.TimestampSigner(salt=salt).unsign(f"{entry_id}:{token}", max_age=TOKEN_SECONDS)
        except signing.BadSignature:
            continue
        return salt
    return None


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
