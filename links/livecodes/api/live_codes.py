"""/api/live-codes/ with their group QR codes (entries) and scan statistics."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from links.api.qr_upload import (
    UPLOAD_PARSERS,
    QrError,
    QrErrorSerializer,
    qr_error_response,
    resolve_upload,
)
from links.api.stats import WINDOW_PARAMETERS, StatsInput
from links.livecodes.api.serializers import (
    EntryInput,
    EntryOutput,
    EntryUpdateInput,
    LiveCodeInput,
    LiveCodeOutput,
    LiveCodeStatsOutput,
    LiveCodeUpdateInput,
)
from links.livecodes.models import LiveCode, LiveCodeEntry
from links.livecodes.selectors import live_code_stats, live_codes_with_counts
from links.livecodes.services import (
    entry_add,
    entry_delete,
    entry_update,
    live_code_create,
    live_code_delete,
    live_code_update,
)
from suo.api.schema import schema_view
from suo.api.viewsets import ReadDeleteViewSet
from suo.tenancy import CONFIGURE_ROLES

ENTRY_ID = OpenApiParameter("entry_id", int, OpenApiParameter.PATH, description="Entry id.")


@schema_view(
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
    destroy="Delete a live group code, its entries and its scans",
)
class LiveCodeViewSet(ReadDeleteViewSet):
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
        values = dict(self.validated(LiveCodeInput))
        if "fallback_image" in values:
            values["fallback_image"] = resolve_upload(values, "fallback_image")
        live_code = live_code_create(workspace=self.workspace, by=request.user, **values)
        return Response(self._output(live_code), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        live_code = self.get_object()
        values = dict(self.validated(LiveCodeUpdateInput, partial=True))
        if "fallback_image" in values:
            values["fallback_image"] = resolve_upload(values, "fallback_image")
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
            return self.paginated(self._entries(live_code).order_by("position", "pk"), EntryOutput)
        values = dict(self.validated(EntryInput))
        upload = resolve_upload(values)
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
        values = self.validated(EntryUpdateInput, partial=True)
        entry = entry_update(entry=entry, by=request.user, **values)
        return Response(EntryOutput(self._entries(live_code).get(pk=entry.pk)).data)

    @extend_schema(
        summary="Scans of a live code: per entry, per day, per platform",
        parameters=WINDOW_PARAMETERS,
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
