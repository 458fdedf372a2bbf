"""QR upload: read the one QR code of an uploaded picture (links.qr_decode does the decoding).

Used by `POST /api/links/from-qr/` and the short-link admin's "from a QR picture" page, and by live
codes for their group pictures. Every upload is decoded before anything is written.
"""

import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from links.qr_decode import (
    MAX_UPLOAD_BYTES,
    DecodeResult,
    QrDecodeError,
    SeveralQrCodesError,
    decode_qr_codes,
)

UPLOAD_HELP = _("A picture with one QR code (PNG, JPEG…, at most 10 MB). Photos and screenshots work.")


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


def qr_error_text(exc: QrDecodeError) -> str:
    """A refusal as one line for a form, with the texts found when there were several codes."""
    if exc.candidates:
        return gettext("%(message)s Found: %(texts)s") % {
            "message": exc.message,
            "texts": " | ".join(exc.candidates),
        }
    return exc.message
