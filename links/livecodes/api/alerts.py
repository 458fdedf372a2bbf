"""/api/live-code-alerts/: what needs an operator's attention, and marking it read."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from links.livecodes.alerts import alert_message, alerts_mark_read
from links.livecodes.models import LiveCodeAlert
from suo.api.filters import query_id
from suo.api.schema import schema_view
from suo.api.scoping import WorkspaceScopedMixin
from suo.api.serializers import OutputSerializer
from suo.tenancy import CONFIGURE_ROLES


class AlertOutput(OutputSerializer):
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

    def get_message(self, alert) -> str:
        return alert_message(alert)


@schema_view(
    list=extend_schema(
        summary="Live-code alerts of the workspace, newest first",
        parameters=[
            OpenApiParameter("open", bool, description="true: only alerts whose condition still holds."),
            OpenApiParameter("unread", bool, description="true: only alerts nobody marked as read."),
            OpenApiParameter("live_code", int, description="Only this live code's alerts."),
        ],
    ),
    retrieve="One live-code alert",
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
        live_code = query_id(params, "live_code")
        if live_code is not None:
            alerts = alerts.filter(live_code_id=live_code)
        return alerts

    @extend_schema(summary="Mark an alert as read", request=None, responses=AlertOutput)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        alert = self.get_object()
        alerts_mark_read(alerts=LiveCodeAlert.objects.filter(pk=alert.pk), by=request.user)
        alert.refresh_from_db()
        return Response(AlertOutput(alert).data)
