"""POST /api/links/from-qr/, and the parts of a QR-picture upload that live codes' API shares."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.fields import empty
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from links.api.links import LinkInput, LinkOutput
from links.qr_decode import MAX_UPLOAD_BYTES, QrDecodeError
from links.qr_upload import read_qr_upload
from links.services import link_create
from suo.api.errors import ErrorBodySerializer, error_body
from suo.api.scoping import WorkspaceScopedMixin
from suo.tenancy import CONFIGURE_ROLES, READ_ROLES, role_in

UPLOAD_PARSERS = [MultiPartParser, FormParser, JSONParser]
IMAGE_HELP = (
    f"A picture with one QR code: PNG, JPEG, WebP, GIF, BMP or TIFF, at most {MAX_UPLOAD_BYTES // 2**20} MB "
    "and 40 megapixels. Photos work: rotated, tilted, small or low-contrast codes, EXIF orientation."
)
CANDIDATE_HELP = (
    "When the picture holds several QR codes: the text of the one to use, as listed in `candidates` "
    "of the 400 answer."
)


class QrError(Exception):
    """A refused upload, carried to the response with its candidates."""

    def __init__(self, error: QrDecodeError, field: str = "image") -> None:
        self.error, self.field = error, field


def qr_error_response(exc: QrDecodeError, field: str = "image", **extra) -> Response:
    """400 in the shared error body, plus `candidates` (the texts found, when there are several)."""
    message = exc.message
    body = error_body(
        exc.code,
        _("%(field)s: %(message)s") % {"field": field, "message": message},
        {field: [message]},
        candidates=list(exc.candidates),
        **extra,
    )
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


class QrErrorSerializer(ErrorBodySerializer):
    codes = (
        "not_image, truncated, empty, too_large, too_many_pixels, no_code, several_codes, "
        "candidate_not_found, not_url, or a validation code."
    )
    # Not required: a 400 from the input's validation (a missing `image`, a bad field) carries none.
    candidates = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="The texts of the QR codes found, when there are several (only on a refused picture).",
    )


class TrueByDefault(serializers.BooleanField):
    """A boolean that stays True when a multipart form leaves it out (DRF reads that as False)."""

    default_empty_html = empty


class FromQrInput(LinkInput):
    url = None  # the URL is what the picture says
    image = serializers.FileField(help_text=IMAGE_HELP)
    create = TrueByDefault(
        default=True, help_text="true (default): create a short link to the decoded URL; false: only decode."
    )
    candidate = serializers.CharField(
        required=False, allow_blank=True, max_length=8000, help_text=CANDIDATE_HELP
    )


class DecodedOutput(serializers.Serializer):
    text = serializers.CharField(help_text="The content of the QR code.")
    is_url = serializers.BooleanField(help_text="An http(s) address a short link may point to.")
    format = serializers.CharField(help_text="QRCode, MicroQRCode or RMQRCode.")
    encoding = serializers.CharField(
        help_text="How the bytes were read: eci (the code names its charset), or the most plausible of "
        "utf-8, gb18030, big5, shift_jis and iso-8859-1."
    )


class FromQrOutput(serializers.Serializer):
    decoded = DecodedOutput()
    link = LinkOutput(allow_null=True, help_text="The short link created; null with create=false.")


class LinkFromQrView(WorkspaceScopedMixin, APIView):
    parser_classes = UPLOAD_PARSERS
    # A large photo costs ~160 ms of CPU to decode: a per-user budget keeps one client from
    # monopolising the workers (QR_DECODE_RATE, default 60 a minute; 429 beyond it).
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "qr_decode"
    write_roles = READ_ROLES  # decoding only is open to every role; creating a link is checked below

    @extend_schema(
        summary="Decode a QR picture and create a short link to its content",
        description=(
            "Upload a picture (multipart `image`). With `create` true (default) the decoded URL becomes "
            "a short link (the other fields are those of `POST /api/links/`); with `create` false the "
            "decoded text is returned and nothing is stored. Refusals are 400s with a `code`: "
            "`not_image`, `truncated`, `empty`, `too_large`, `too_many_pixels` (decompression bombs are "
            "refused before decoding), `no_code`, `several_codes` (the texts are in `candidates`; send "
            "the one to use as `candidate`), `not_url` (allowed only with create=false). Nothing is "
            "stored on a refusal."
        ),
        request={"multipart/form-data": FromQrInput},
        responses={
            201: OpenApiResponse(FromQrOutput, description="Decoded, and the short link created."),
            200: OpenApiResponse(FromQrOutput, description="Decoded only (create=false); link is null."),
            400: OpenApiResponse(QrErrorSerializer, description="The picture or the link was refused."),
            429: OpenApiResponse(
                description="Too many decodes: QR_DECODE_RATE per user, 60 a minute by default."
            ),
        },
    )
    def post(self, request):
        data = FromQrInput(data=request.data, context={"workspace": self.workspace, "request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        image, create, candidate = values.pop("image"), values.pop("create"), values.pop("candidate", "")
        if create and role_in(request.user, self.workspace) not in CONFIGURE_ROLES:
            raise exceptions.PermissionDenied(_("Your role in this workspace does not allow this."))
        try:
            upload = read_qr_upload(image, candidate=candidate)
        except QrDecodeError as exc:
            return qr_error_response(exc)
        result = upload.result
        decoded = {
            "text": result.text,
            "is_url": result.is_url,
            "format": result.format,
            "encoding": result.encoding,
        }
        if not create:
            return Response(FromQrOutput({"decoded": decoded, "link": None}).data)
        if not result.is_url:
            message = _("The QR code does not contain a web address, so no short link can point to it.")
            return Response(
                error_body(
                    "not_url",
                    _("%(field)s: %(message)s") % {"field": "image", "message": message},
                    {"image": [message]},
                    candidates=[],
                    text=result.text,
                ),
                status=status.HTTP_400_BAD_REQUEST,
            )
        link = link_create(workspace=self.workspace, by=request.user, url=result.text, **values)
        return Response(FromQrOutput({"decoded": decoded, "link": link}).data, status=status.HTTP_201_CREATED)


def resolve_upload(data: dict, field: str = "image"):
    """The decoded upload, or a QrError to answer with."""
    try:
        return read_qr_upload(data.pop(field), candidate=data.pop("candidate", "") or "")
    except QrDecodeError as exc:
        raise QrError(exc, field) from None
