"""/api/webhooks/: the workspace's outbound webhook endpoints, their delivery log and a test button."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from suo.api.schema import schema_view
from suo.api.scoping import WorkspaceScopedMixin
from suo.api.serializers import OutputSerializer
from suo.models import WebhookDelivery, WebhookEndpoint
from suo.tenancy import CONFIGURE_ROLES
from suo.webhooks import new_secret, validate_event_types, webhook_send_test


class WebhookEndpointSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        help_text=_("Event types to send, e.g. member.joined; “*” or empty for all."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "name", "url", "event_types", "is_active", "secret", "created_at"]
        read_only_fields = ["id", "secret", "created_at"]

    def validate_event_types(self, value):
        from django.core.exceptions import ValidationError as DjangoValidationError

        try:
            validate_event_types(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value


class WebhookDeliverySerializer(OutputSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "attempt",
            "state",
            "due_at",
            "started_at",
            "finished_at",
            "response_status",
            "response_body",
            "error",
            "duration_ms",
            "payload",
        ]


@schema_view(
    list="Webhook endpoints of the workspace", create="Add an endpoint; the response shows its signing secret"
)
class WebhookEndpointViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet):
    queryset = WebhookEndpoint.objects.order_by("name", "pk")
    serializer_class = WebhookEndpointSerializer
    read_roles = CONFIGURE_ROLES
    write_roles = CONFIGURE_ROLES
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["is_active"]
    search_fields = ["name", "url"]

    def perform_create(self, serializer):
        serializer.save(workspace=self.workspace, secret=new_secret())

    @extend_schema(
        summary="Queue a test event; a worker sends it",
        description=(
            "Answers 202 with the queued attempt (`state` due). Its outcome (status, a short excerpt "
            "of the answer, or the error) appears in the delivery log (`GET .../deliveries/`)."
        ),
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        delivery = webhook_send_test(endpoint=self.get_object())
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="The endpoint's delivery log (one row per attempt)",
        responses=WebhookDeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        queryset = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-pk")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
