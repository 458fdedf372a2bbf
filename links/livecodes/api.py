"""/api/links/from-qr/, /api/live-codes/ (+ entries, stats) and /api/live-code-alerts/."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.fields import empty
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from groups.models import Community
from links.api import LinkInput, LinkOutput, StatsInput
from links.livecodes.alerts import alert_message, alerts_mark_read
from links.livecodes.images import read_qr_upload
from links.livecodes.models import (
    DEFAULT_SCAN_LIMIT,
    LiveCode,
    LiveCodeAlert,
    LiveCodeEntry,
    RotationStrategy,
)
from links.livecodes.selectors import live_code_stats, live_codes_with_counts
from links.livecodes.services import (
    entry_add,
    entry_delete,
    entry_update,
    live_code_create,
    live_code_delete,
    live_code_update,
)
from links.models import AntiBlockMode
from links.qr_decode import MAX_UPLOAD_BYTES, QrDecodeError
from links.services import link_create
from suo.api.errors import error_body
from suo.api.scoping import ScopedPrimaryKeyRelatedField, WorkspaceScopedMixin
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


class QrErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="not_image, truncated, empty, too_large, too_many_pixels, no_code, several_codes, "
        "candidate_not_found, not_url, or a validation code."
    )
    detail = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    candidates = serializers.ListField(
        child=serializers.CharField(), help_text="The texts of the QR codes found, when there are several."
    )


class TrueByDefault(serializers.BooleanField):
    """A boolean that stays True when a multipart form leaves it out (DRF reads that as False)."""

    default_empty_html = empty


# ---------------------------------------------------------------- QR upload -> short link


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


# ---------------------------------------------------------------- live codes


class LiveCodeInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    alias = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="Custom code: 3–64 of A–Z a–z 0–9 - _."
    )
    strategy = serializers.ChoiceField(choices=RotationStrategy.choices, default=RotationStrategy.FILL_FIRST)
    fallback_message = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    fallback_image = serializers.FileField(
        required=False, help_text="Customer-service QR picture shown when every group is full (multipart)."
    )
    allowed_platforms = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, help_text="Platform ids; empty = all."
    )
    antiblock = serializers.ChoiceField(
        choices=AntiBlockMode.choices,
        required=False,
        allow_blank=True,
        help_text="Empty = show the group code in every app.",
    )
    antiblock_by_platform = serializers.DictField(
        child=serializers.ChoiceField(choices=AntiBlockMode.choices), required=False
    )
    is_active = TrueByDefault(default=True)


class LiveCodeUpdateInput(LiveCodeInput):
    name = serializers.CharField(max_length=100, required=False)
    strategy = serializers.ChoiceField(choices=RotationStrategy.choices, required=False)
    is_active = serializers.BooleanField(required=False)
    clear_fallback_image = serializers.BooleanField(required=False, help_text="true removes the picture.")


class LiveCodeOutput(serializers.ModelSerializer):
    url = serializers.CharField(source="short_url", read_only=True, help_text="The stable public address.")
    qr_png_url = serializers.SerializerMethodField()
    qr_svg_url = serializers.SerializerMethodField()
    fallback_image_url = serializers.SerializerMethodField()
    entry_count = serializers.IntegerField(read_only=True, default=None)
    usable_count = serializers.IntegerField(
        read_only=True, default=None, help_text="Entries in rotation: active, not full, not expired."
    )
    open_alert_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = LiveCode
        fields = [
            "id",
            "code",
            "name",
            "url",
            "qr_png_url",
            "qr_svg_url",
            "strategy",
            "fallback_message",
            "fallback_image_url",
            "allowed_platforms",
            "antiblock",
            "antiblock_by_platform",
            "is_active",
            "scan_count",
            "unique_scan_count",
            "entry_count",
            "usable_count",
            "open_alert_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_qr_png_url(self, live_code) -> str:
        return f"{live_code.short_url}.png"

    def get_qr_svg_url(self, live_code) -> str:
        return f"{live_code.short_url}.svg"

    def get_fallback_image_url(self, live_code) -> str | None:
        return f"{live_code.short_url}/fallback" if live_code.fallback_image else None


class EntryInput(serializers.Serializer):
    image = serializers.FileField(help_text=IMAGE_HELP + " It must decode; the decoded content is stored.")
    candidate = serializers.CharField(
        required=False, allow_blank=True, max_length=8000, help_text=CANDIDATE_HELP
    )
    group = ScopedPrimaryKeyRelatedField(
        queryset=Community.objects.all(), required=False, allow_null=True, help_text="Community group id."
    )
    label = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Shown to visitors; empty: the group's name.",
    )
    scan_limit = serializers.IntegerField(
        required=False, min_value=1, max_value=1_000_000, default=DEFAULT_SCAN_LIMIT
    )
    expires_at = serializers.DateTimeField(required=False, help_text="Default: 7 days after the upload.")
    is_active = TrueByDefault(default=True)
    position = serializers.IntegerField(
        required=False, min_value=0, help_text="Order for fill_first; default: last."
    )


class EntryUpdateInput(serializers.Serializer):
    group = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all(), required=False, allow_null=True)
    label = serializers.CharField(required=False, allow_blank=True, max_length=100)
    scan_limit = serializers.IntegerField(required=False, min_value=1, max_value=1_000_000)
    expires_at = serializers.DateTimeField(required=False)
    is_active = serializers.BooleanField(required=False)
    position = serializers.IntegerField(required=False, min_value=0)


class EntryOutput(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    group_name = serializers.CharField(source="group.name", read_only=True, default=None, allow_null=True)
    display_name = serializers.CharField(read_only=True)
    remaining = serializers.IntegerField(read_only=True)
    state = serializers.SerializerMethodField(help_text="usable, full, expired or inactive.")

    class Meta:
        model = LiveCodeEntry
        fields = [
            "id",
            "live_code",
            "image_url",
            "content",
            "content_is_url",
            "group",
            "group_name",
            "label",
            "display_name",
            "scan_limit",
            "scans",
            "remaining",
            "expires_at",
            "is_active",
            "state",
            "position",
            "last_scanned_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_image_url(self, entry) -> str:
        from django.conf import settings

        return f"{settings.SHORT_BASE_URL}/g/{entry.live_code.code}/entry/{entry.pk}"

    def get_state(self, entry) -> str:
        return entry.state().value


class EntryStatsRow(serializers.Serializer):
    entry = serializers.IntegerField()
    label = serializers.CharField()
    scans = serializers.IntegerField(help_text="Scans in the range.")
    unique = serializers.IntegerField()
    scans_total = serializers.IntegerField(help_text="Scans counted against the limit since the upload.")
    scan_limit = serializers.IntegerField()
    state = serializers.CharField()


class DayStatsRow(serializers.Serializer):
    day = serializers.DateField(help_text="In the workspace's time zone.")
    scans = serializers.IntegerField()
    unique = serializers.IntegerField()


class PlatformStatsRow(serializers.Serializer):
    key = serializers.CharField(help_text="Platform id, see /api/platforms/.")
    scans = serializers.IntegerField()
    unique = serializers.IntegerField()


class LiveCodeStatsOutput(serializers.Serializer):
    live_code = serializers.IntegerField()
    timezone = serializers.CharField()
    total = serializers.IntegerField()
    unique = serializers.IntegerField()
    fallback = serializers.IntegerField(help_text="Scans that found every group full (fallback page).")
    by_entry = EntryStatsRow(many=True)
    by_day = DayStatsRow(many=True)
    by_platform = PlatformStatsRow(many=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["from"] = instance["from"].isoformat()
        data["to"] = instance["to"].isoformat()
        return data


def _resolve_upload(data: dict, field: str = "image"):
    """The decoded upload, or a QrError to answer with."""
    try:
        return read_qr_upload(data.pop(field), candidate=data.pop("candidate", "") or "")
    except QrDecodeError as exc:
        raise QrError(exc, field) from None


ENTRY_ID = OpenApiParameter("entry_id", int, OpenApiParameter.PATH, description="Entry id.")


@extend_schema_view(
    list=extend_schema(summary="Live group codes of the workspace", responses=LiveCodeOutput(many=True)),
    retrieve=extend_schema(summary="One live group code", responses=LiveCodeOutput),
    create=extend_schema(
        summary="Create a live group code",
        request={"application/json": LiveCodeInput, "multipart/form-data": LiveCodeInput},
        responses={201: LiveCodeOutput, 400: OpenApiResponse(QrErrorSerializer)},
    ),
    partial_update=extend_schema(
        summary="Change a live group code",
        request={"application/json": LiveCodeUpdateInput, "multipart/form-data": LiveCodeUpdateInput},
        responses={200: LiveCodeOutput, 400: OpenApiResponse(QrErrorSerializer)},
    ),
    destroy=extend_schema(summary="Delete a live group code, its entries and its scans"),
)
class LiveCodeViewSet(
    WorkspaceScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = LiveCode.objects.order_by("-created_at", "-pk")
    serializer_class = LiveCodeOutput
    parser_classes = UPLOAD_PARSERS
    write_roles = CONFIGURE_ROLES
    search_fields = ["name", "code"]
    filterset_fields = ["is_active", "strategy"]
    ordering_fields = ["created_at", "name", "scan_count"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return live_codes_with_counts(super().get_queryset())

    def handle_exception(self, exc):
        if isinstance(exc, QrError):
            return qr_error_response(exc.error, exc.field)
        return super().handle_exception(exc)

    def _output(self, live_code) -> dict:
        return LiveCodeOutput(self.get_queryset().get(pk=live_code.pk)).data

    def create(self, request):
        data = LiveCodeInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "fallback_image" in values:
            values["fallback_image"] = _resolve_upload(values, "fallback_image")
        live_code = live_code_create(workspace=self.workspace, by=request.user, **values)
        return Response(self._output(live_code), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        live_code = self.get_object()
        data = LiveCodeUpdateInput(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "fallback_image" in values:
            values["fallback_image"] = _resolve_upload(values, "fallback_image")
        live_code = live_code_update(live_code=live_code, by=request.user, **values)
        return Response(self._output(live_code))

    def perform_destroy(self, instance):
        live_code_delete(live_code=instance)

    # ---- entries

    def _entries(self, live_code):
        return LiveCodeEntry.objects.filter(live_code=live_code).select_related("live_code", "group")

    @extend_schema(
        methods=["GET"],
        summary="Group QR codes of a live code",
        responses=EntryOutput(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Upload a group QR code to a live code",
        description=(
            "Multipart upload. The picture is decoded first: one that does not decode is refused with "
            "the same 400 codes as `POST /api/links/from-qr/`, and nothing is stored. The decoded "
            "content is stored with the entry; the same content twice in one live code is refused."
        ),
        request={"multipart/form-data": EntryInput},
        responses={201: EntryOutput, 400: OpenApiResponse(QrErrorSerializer)},
    )
    @action(detail=True, methods=["get", "post"], url_path="entries", serializer_class=EntryOutput)
    def entries(self, request, pk=None):
        live_code = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(self._entries(live_code).order_by("position", "pk"))
            return self.get_paginated_response(EntryOutput(page, many=True).data)
        data = EntryInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        upload = _resolve_upload(values)
        entry = entry_add(live_code=live_code, upload=upload, by=request.user, **values)
        return Response(
            EntryOutput(self._entries(live_code).get(pk=entry.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(methods=["GET"], summary="One group QR code", parameters=[ENTRY_ID], responses=EntryOutput)
    @extend_schema(
        methods=["PATCH"],
        summary="Change a group QR code (limit, expiry, group, order, on/off)",
        parameters=[ENTRY_ID],
        request=EntryUpdateInput,
        responses=EntryOutput,
    )
    @extend_schema(
        methods=["DELETE"], summary="Delete a group QR code", parameters=[ENTRY_ID], responses={204: None}
    )
    @action(
        detail=True,
        methods=["get", "patch", "delete"],
        url_path=r"entries/(?P<entry_id>[0-9]+)",
        serializer_class=EntryOutput,
        parser_classes=[JSONParser, FormParser, MultiPartParser],
    )
    def entry(self, request, pk=None, entry_id=None):
        live_code = self.get_object()
        entry = self._entries(live_code).filter(pk=entry_id).first()
        if entry is None:
            raise exceptions.NotFound(_("Not found."))
        if request.method == "GET":
            return Response(EntryOutput(entry).data)
        if request.method == "DELETE":
            entry_delete(entry=entry)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = EntryUpdateInput(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        entry = entry_update(entry=entry, by=request.user, **data.validated_data)
        return Response(EntryOutput(self._entries(live_code).get(pk=entry.pk)).data)

    @extend_schema(
        summary="Scans of a live code: per entry, per day, per platform",
        parameters=[
            OpenApiParameter(
                "from", str, description="Date (2026-11-01) or date-time; default 30 days before `to`."
            ),
            OpenApiParameter("to", str, description="Date (inclusive) or date-time; default now."),
        ],
        responses=LiveCodeStatsOutput,
    )
    @action(detail=True, methods=["get"], serializer_class=LiveCodeStatsOutput)
    def stats(self, request, pk=None):
        live_code = self.get_object()
        params = StatsInput(
            data={**request.query_params.dict(), "interval": "day"}, tz=self.workspace.timezone
        )
        params.is_valid(raise_exception=True)
        window = params.validated_data
        stats = live_code_stats(
            live_code=live_code, start=window["start"], end=window["end"], tz=self.workspace.timezone
        )
        return Response(LiveCodeStatsOutput(stats).data)


# ---------------------------------------------------------------- alerts


class AlertOutput(serializers.ModelSerializer):
    message = serializers.SerializerMethodField()
    is_open = serializers.BooleanField(read_only=True, help_text="false once the condition cleared.")
    live_code_name = serializers.CharField(source="live_code.name", read_only=True)

    class Meta:
        model = LiveCodeAlert
        fields = [
            "id",
            "kind",
            "message",
            "live_code",
            "live_code_name",
            "entry",
            "details",
            "created_at",
            "is_open",
            "resolved_at",
            "read_at",
        ]
        read_only_fields = fields

    def get_message(self, alert) -> str:
        return alert_message(alert)


@extend_schema_view(
    list=extend_schema(
        summary="Live-code alerts of the workspace, newest first",
        parameters=[
            OpenApiParameter("open", bool, description="true: only alerts whose condition still holds."),
            OpenApiParameter("unread", bool, description="true: only alerts nobody marked as read."),
            OpenApiParameter("live_code", int, description="Only this live code's alerts."),
        ],
    ),
    retrieve=extend_schema(summary="One live-code alert"),
)
class LiveCodeAlertViewSet(WorkspaceScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = LiveCodeAlert.objects.select_related("live_code").order_by("-created_at", "-pk")
    serializer_class = AlertOutput
    write_roles = CONFIGURE_ROLES
    filter_backends: list = []

    def get_queryset(self):
        alerts = super().get_queryset()
        params = self.request.query_params
        if params.get("open") in ("true", "1"):
            alerts = alerts.filter(resolved_at__isnull=True)
        if params.get("unread") in ("true", "1"):
            alerts = alerts.filter(read_at__isnull=True)
        if params.get("live_code", "").isdigit():
            alerts = alerts.filter(live_code_id=int(params["live_code"]))
        return alerts

    @extend_schema(summary="Mark an alert as read", request=None, responses=AlertOutput)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        alert = self.get_object()
        alerts_mark_read(alerts=LiveCodeAlert.objects.filter(pk=alert.pk), by=request.user)
        alert.refresh_from_db()
        return Response(AlertOutput(alert).data)
