"""/api/metrics/overview/, /api/metrics/retention/, /api/metrics/health/ (every workspace role reads)
and the lifecycle: /api/lifecycle-settings/, /api/cold-groups/, /api/migrations/ (+ preview)."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from groups.dashboards import health, retention, selectors
from groups.dashboards.filters import (
    HealthParameters,
    MetricsQuery,
    OverviewParameters,
    RetentionParameters,
    RetentionQuery,
)
from groups.dashboards.lifecycle import lifecycle_settings_for, migration_candidates
from groups.dashboards.models import ColdGroupFlag, GroupMigration, LifecycleSettings
from groups.dashboards.services import group_migrate, lifecycle_settings_update
from groups.models import Community, JoinSource
from suo.api.schema import schema_view
from suo.api.scoping import ScopedPrimaryKeyRelatedField, WorkspaceScopedMixin
from suo.api.viewsets import ServiceApiMixin
from suo.tenancy import CONFIGURE_ROLES

RATE = {"allow_null": True, "min_value": 0}


class MetricsSeriesRow(serializers.Serializer):
    date = serializers.DateField(help_text="The day, or the Monday of the week (workspace time zone).")
    new_members = serializers.IntegerField()
    active_members = serializers.IntegerField(help_text="DAU per day, WAU per week.")
    left = serializers.IntegerField(help_text="Memberships ended.")
    kicked = serializers.IntegerField(help_text="Ended by a kick or a ban.")
    voluntary = serializers.IntegerField(help_text="Ended by leaving.")
    by_source = serializers.DictField(
        child=serializers.IntegerField(), help_text="New members per join source."
    )


class MetricsChannelRow(serializers.Serializer):
    channel = serializers.CharField(allow_blank=True)
    new_members = serializers.IntegerField()


class OverviewOutput(serializers.Serializer):
    new_members = serializers.IntegerField(
        help_text="Distinct members with a join in the period matching the filter "
        "(group, kind, source, campaign)."
    )
    active_members = serializers.IntegerField(
        help_text="Distinct members with a message (daily counts) or an activity event in the period."
    )
    exit_rate = serializers.FloatField(
        **RATE,
        help_text="Memberships ended in the period ÷ memberships active at its start (0–1; null: none).",
    )
    exit_rate_kicked = serializers.FloatField(**RATE, help_text="The same, only kicked or banned.")
    exit_rate_voluntary = serializers.FloatField(**RATE, help_text="The same, only members who left.")
    conversion_rate = serializers.FloatField(
        **RATE,
        help_text="New members holding a paid entitlement granted at or after their first join in the "
        "period and not revoked ÷ new members.",
    )
    click_rate = serializers.FloatField(
        **RATE,
        help_text="Unique clicks in the period (one per visitor, link and day, of links to the filter's "
        "groups; every link without a group filter) ÷ new members. Null when nothing counts clicks.",
    )
    members_at_start = serializers.IntegerField()
    exits = serializers.IntegerField()
    exits_kicked = serializers.IntegerField()
    exits_voluntary = serializers.IntegerField()
    exits_other = serializers.IntegerField(help_text="Migrated or archived.")
    converted = serializers.IntegerField()
    clicks = serializers.IntegerField(allow_null=True)
    series = MetricsSeriesRow(many=True)
    by_channel = MetricsChannelRow(many=True)


class CohortRow(serializers.Serializer):
    cohort = serializers.DateField(help_text="Monday of the cohort's week (workspace time zone).")
    size = serializers.IntegerField(help_text="Members whose first join matching the filter is in that week.")
    values = serializers.ListField(
        child=serializers.FloatField(min_value=0, max_value=1),
        help_text="values[k]: fraction of the cohort retained in week k (k = 0: the cohort week); "
        "only weeks that have ended.",
    )


class RetentionOutput(serializers.Serializer):
    period = serializers.CharField(
        help_text="Always `week`: weeks start on Monday in the workspace time zone."
    )
    mode = serializers.ChoiceField(choices=["membership", "active"])
    cohorts = CohortRow(many=True)


class GroupHealthRow(serializers.Serializer):
    group = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    state = serializers.CharField()
    size = serializers.IntegerField(help_text="Memberships active at the end of the period.")
    joins = serializers.IntegerField()
    leaves = serializers.IntegerField()
    growth = serializers.IntegerField(help_text="joins − leaves.")
    messages = serializers.IntegerField()
    messages_per_member_week = serializers.FloatField(
        **RATE, help_text="messages ÷ size ÷ weeks of the period."
    )
    exit_rate = serializers.FloatField(**RATE, help_text="leaves ÷ memberships active at the start.")
    violations = serializers.IntegerField(help_text="Logged in the period and not revoked.")
    violations_per_100 = serializers.FloatField(**RATE)
    cold = serializers.BooleanField(help_text="An open cold-group flag.")


class HealthOutput(serializers.Serializer):
    groups = GroupHealthRow(many=True)


class MetricsView(WorkspaceScopedMixin, APIView):
    query_class = MetricsQuery

    def filters(self, request):
        query = self.query_class(data=request.query_params, context={"workspace": self.workspace})
        query.is_valid(raise_exception=True)
        return query.panel_filters()


class OverviewView(MetricsView):
    @extend_schema(
        summary="Overview: new, active, exit, conversion and click rates",
        parameters=[OverviewParameters],
        responses=OverviewOutput,
    )
    def get(self, request):
        filters = self.filters(request)
        series = [
            {
                **{
                    key: row[key]
                    for key in ("date", "new_members", "active_members", "left", "kicked", "voluntary")
                },
                "by_source": {source: row[f"source_{source}"] for source in JoinSource.values},
            }
            for row in selectors.overview_series(filters=filters)
        ]
        payload = {
            **selectors.overview_totals(filters=filters),
            "series": series,
            "by_channel": selectors.new_members_by_channel(filters=filters),
        }
        return Response(OverviewOutput(payload).data)


class RetentionView(MetricsView):
    query_class = RetentionQuery

    @extend_schema(
        summary="Retention cohorts by join week", parameters=[RetentionParameters], responses=RetentionOutput
    )
    def get(self, request):
        filters = self.filters(request)
        cohorts = retention.retention_cohorts(filters=filters)
        return Response(RetentionOutput({"period": "week", "mode": filters.mode, "cohorts": cohorts}).data)


class HealthView(MetricsView):
    @extend_schema(summary="Group health per group", parameters=[HealthParameters], responses=HealthOutput)
    def get(self, request):
        return Response(HealthOutput({"groups": health.group_health(filters=self.filters(request))}).data)


# --- lifecycle ------------------------------------------------------------------------------


class LifecycleSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = LifecycleSettings
        fields = ["cold_messages_per_member", "cold_weeks", "migration_active_days"]


class LifecycleSettingsView(WorkspaceScopedMixin, APIView):
    write_roles = CONFIGURE_ROLES

    @extend_schema(
        summary="When a group counts as cold, and the migration default",
        responses=LifecycleSettingsSerializer,
    )
    def get(self, request):
        return Response(LifecycleSettingsSerializer(lifecycle_settings_for(self.workspace)).data)

    @extend_schema(
        summary="Change the cold-group thresholds",
        request=LifecycleSettingsSerializer,
        responses=LifecycleSettingsSerializer,
    )
    def patch(self, request):
        data = LifecycleSettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        settings = lifecycle_settings_update(workspace=self.workspace, by=request.user, **data.validated_data)
        return Response(LifecycleSettingsSerializer(settings).data)


class ColdGroupOutput(serializers.ModelSerializer):
    group_name = serializers.CharField(source="community.name")
    is_open = serializers.BooleanField()

    class Meta:
        model = ColdGroupFlag
        fields = [
            "id",
            "community",
            "group_name",
            "flagged_at",
            "weeks",
            "threshold",
            "resolved_at",
            "is_open",
        ]


class ColdGroupFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(
        field_name="resolved_at", lookup_expr="isnull", help_text="Only open flags."
    )

    class Meta:
        model = ColdGroupFlag
        fields = ["open", "community"]


@schema_view(list="Cold-group flags (newest first)", retrieve="One cold-group flag")
class ColdGroupViewSet(WorkspaceScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ColdGroupFlag.objects.select_related("community").order_by("-flagged_at", "-pk")
    serializer_class = ColdGroupOutput
    filterset_class = ColdGroupFilter
    search_fields = ["community__name"]
    ordering_fields = ["flagged_at"]


class MigrationInput(serializers.Serializer):
    source = ScopedPrimaryKeyRelatedField(
        queryset=Community.objects.all(), help_text="The group to move members out of."
    )
    target = ScopedPrimaryKeyRelatedField(
        queryset=Community.objects.all(), help_text="The group they move to."
    )
    active_days = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=365,
        help_text="Active in the last N days; default: the workspace's setting.",
    )
    archive_source = serializers.BooleanField(
        default=False, help_text="Then archive the source group, closing its other memberships (`archived`)."
    )


class PreviewInput(serializers.Serializer):
    source = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all())
    active_days = serializers.IntegerField(required=False, min_value=1, max_value=365)


class CandidateRow(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    platform = serializers.CharField()
    external_id = serializers.CharField()


class PreviewOutput(serializers.Serializer):
    source = serializers.IntegerField()
    active_days = serializers.IntegerField()
    count = serializers.IntegerField(help_text="How many members would move.")
    members = CandidateRow(many=True, help_text="The first 500 of them, by name.")


class MigrationOutput(serializers.ModelSerializer):
    class Meta:
        model = GroupMigration
        fields = [
            "id",
            "source",
            "target",
            "active_days",
            "moved",
            "already_in_target",
            "archived_source",
            "by",
            "at",
        ]


class MigrationPreviewView(WorkspaceScopedMixin, APIView):
    @extend_schema(
        summary="Who a migration would move (preview; changes nothing)",
        parameters=[PreviewInput],
        responses=PreviewOutput,
    )
    def get(self, request):
        data = PreviewInput(data=request.query_params, context={"workspace": self.workspace})
        data.is_valid(raise_exception=True)
        source = data.validated_data["source"]
        days = (
            data.validated_data.get("active_days")
            or lifecycle_settings_for(self.workspace).migration_active_days
        )
        members = migration_candidates(source=source, active_days=days)
        payload = {
            "source": source.pk,
            "active_days": days,
            "count": members.count(),
            "members": members[:500],
        }
        return Response(PreviewOutput(payload).data)


@schema_view(
    list="Migrations done (newest first)",
    retrieve="One migration",
    create=extend_schema(
        summary="Migrate active members to another group",
        request=MigrationInput,
        responses={201: MigrationOutput},
    ),
)
class MigrationViewSet(
    ServiceApiMixin, WorkspaceScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = GroupMigration.objects.order_by("-at", "-pk")
    serializer_class = MigrationOutput
    write_roles = CONFIGURE_ROLES

    def create(self, request):
        values = self.validated(MigrationInput)
        days = values.get("active_days") or lifecycle_settings_for(self.workspace).migration_active_days
        migration = group_migrate(
            source=values["source"],
            target=values["target"],
            active_days=days,
            archive_source=values["archive_source"],
            by=request.user,
        )
        return Response(MigrationOutput(migration).data, status=status.HTTP_201_CREATED)
