"""Uploaded QR pictures: decode them (links.qr_decode) and prepare what is stored.

Every upload is decoded before anything is written; the stored copy is re-encoded from the
pixels, so camera metadata (GPS position, device) never reaches the public page.
"""

import hashlib
import io
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from links.qr_decode import (
    MAX_UPLOAD_BYTES,
    DecodeResult,
    QrDecodeError,
    SeveralQrCodesError,
    decode_qr_codes,
)

# A stored group code is shown on phones: 1600 px on the longest side is plenty, and keeps pages light.
MAX_STORED_SIDE = 1600


class CandidateNotFoundError(QrDecodeError):
    code = "candidate_not_found"
    template = _("The chosen text is not one of the QR codes in the picture. Choose one of those listed.")


@dataclass(frozen=True)
class QrUpload:
    data: bytes
    result: DecodeResult

    @property
    def text(self) -> str:
        return self.result.text

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.result.text.encode("utf-8")).hexdigest()


def read_qr_upload(upload, *, candidate: str = "") -> QrUpload:
    """Decode the one QR code of an uploaded picture (or the `candidate` among several).

    Raises a QrDecodeError subclass: not a picture, truncated, too large, a bomb, no code, several
    codes (with `.candidates`), or a `candidate` that is not among them.
    """
    results = decode_qr_codes(upload, max_bytes=MAX_UPLOAD_BYTES)  # refuses oversize before reading it all
    if candidate:
        chosen = [r for r in results if r.text == candidate]
        if not chosen:
            raise CandidateNotFoundError(candidates=[r.text for r in results])
        result = chosen[0]
    elif len(results) > 1:
        raise SeveralQrCodesError(results)
    else:
        result = results[0]
    if isinstance(upload, bytes | bytearray | memoryview):
        data = bytes(upload)
    else:
        upload.seek(0)
        data = upload.read(MAX_UPLOAD_BYTES + 1)
    return QrUpload(data=data, result=result)


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
