"""/api/audit/: the append-only audit trail of the workspace, for its owners."""

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets

from suo.api.schema import schema_view
from suo.api.scoping import WorkspaceScopedMixin
from suo.api.serializers import OutputSerializer
from suo.models import AuditRecord
from suo.tenancy import OWNER_ROLES


class AuditRecordSerializer(OutputSerializer):
    actor = serializers.CharField(
        source="actor_name", read_only=True, help_text=_("Username of who did it; empty for the system.")
    )
    before = serializers.JSONField(read_only=True, allow_null=True)
    after = serializers.JSONField(read_only=True, allow_null=True)

    class Meta:
        model = AuditRecord
        fields = ["id", "at", "actor", "verb", "target_type", "target_id", "target_repr", "before", "after"]


class AuditFilter(django_filters.FilterSet):
    verb = django_filters.CharFilter()
    verb_prefix = django_filters.CharFilter(
        field_name="verb", lookup_expr="startswith", label=_("verb starts with")
    )
    target_type = django_filters.CharFilter(help_text="e.g. groups.violation")
    target_id = django_filters.CharFilter()
    actor = django_filters.CharFilter(field_name="actor_name", label=_("actor username"))
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditRecord
        fields = ["verb", "verb_prefix", "target_type", "target_id", "actor", "since", "until"]


@schema_view(
    list="The audit trail (owners): who changed what, with before and after, newest first",
    retrieve="One audit record",
)
class AuditRecordViewSet(WorkspaceScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = AuditRecord.objects.order_by("-at", "-pk")
    serializer_class = AuditRecordSerializer
    filterset_class = AuditFilter
    read_roles = OWNER_ROLES
    write_roles = frozenset()
    ordering_fields = ["at"]
    search_fields = ["target_repr", "verb"]
