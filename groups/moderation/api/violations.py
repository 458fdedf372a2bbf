"""/api/violations/ (log, list, revoke) and /api/appeals/ (file, decide)."""

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from groups.api.fields import MemberBriefSerializer
from groups.models import (
    Appeal,
    Community,
    Member,
    PenaltyAction,
    Rule,
    Violation,
)
from groups.moderation import selectors, services
from groups.moderation.services import ViolationLogged
from suo.api.filters import IdFilter
from suo.api.schema import schema_view
from suo.api.scoping import ScopedPrimaryKeyRelatedField
from suo.api.serializers import OutputSerializer
from suo.api.viewsets import ReadViewSet
from suo.tenancy import CONFIGURE_ROLES, MODERATE_ROLES

SCREENSHOT_MAX_BYTES = 5 * 1024 * 1024


IDEMPOTENCY_HEADER = "Idempotency-Key"


class RuleBriefSerializer(OutputSerializer):
    class Meta:
        model = Rule
        fields = ["id", "title", "category", "severity"]


class ViolationSerializer(OutputSerializer):
    group = serializers.IntegerField(source="community_id", read_only=True)
    group_name = serializers.CharField(source="community.name", read_only=True)
    member = MemberBriefSerializer(read_only=True)
    rule = RuleBriefSerializer(read_only=True)
    label = serializers.CharField(source="action_display", read_only=True)
    logged_by = serializers.CharField(
        source="logged_by.username", read_only=True, default=None, allow_null=True
    )
    revoked_by = serializers.CharField(
        source="revoked_by.username", read_only=True, default=None, allow_null=True
    )
    penalty_state = serializers.CharField(
        source="penalty.state", read_only=True, default=None, allow_null=True
    )
    penalty_ends_at = serializers.DateTimeField(
        source="penalty.ends_at", read_only=True, default=None, allow_null=True
    )
    has_screenshot = serializers.SerializerMethodField()

    class Meta:
        model = Violation
        fields = [
            "id",
            "group",
            "group_name",
            "member",
            "rule",
            "step",
            "action",
            "mute_minutes",
            "label",
            "counted_before",
            "note",
            "has_screenshot",
            "logged_by",
            "created_at",
            "penalty_state",
            "penalty_ends_at",
            "revoked_at",
            "revoked_by",
            "revoke_reason",
        ]

    def get_has_screenshot(self, violation) -> bool:
        return bool(violation.screenshot)


# The violation and what logging it did (services.ViolationLogged).
@extend_schema_serializer(component_name="ViolationCreated")
class ViolationLoggedOutput(ViolationSerializer):
    muted_until = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Until when the member is muted in the group."),
    )
    counted_violations = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("Violations that count now for the ladder, this one included.")
    )
    next_action = serializers.ChoiceField(
        choices=PenaltyAction.choices,
        read_only=True,
        help_text=gettext_lazy("What the member's next violation (of a normal rule) would get."),
    )
    next_step = serializers.IntegerField(read_only=True)

    class Meta(ViolationSerializer.Meta):
        fields = [
            *ViolationSerializer.Meta.fields,
            "muted_until",
            "counted_violations",
            "next_action",
            "next_step",
        ]

    def to_representation(self, logged: ViolationLogged) -> dict:
        data = ViolationSerializer(logged.violation, context=self.context).data
        for name in ("muted_until", "counted_violations", "next_action", "next_step"):
            value = getattr(logged, name)
            data[name] = None if value is None else self.fields[name].to_representation(value)
        return data


class ViolationInput(serializers.Serializer):
    group = ScopedPrimaryKeyRelatedField(queryset=Community.objects.select_related("workspace"))
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())
    rule = ScopedPrimaryKeyRelatedField(queryset=Rule.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTE_MAX, default="")
    screenshot = serializers.ImageField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("A picture of the messages (multipart/form-data), at most 5 MB."),
    )

    def validate_screenshot(self, value):
        if value is not None and value.size > SCREENSHOT_MAX_BYTES:
            raise serializers.ValidationError(_("At most 5 MB per picture."))
        return value


class RevokeInput(serializers.Serializer):
    reason = serializers.CharField(max_length=services.REASON_MAX)


class ViolationFilter(django_filters.FilterSet):
    member = IdFilter(field_name="member_id")
    group = IdFilter(field_name="community_id")
    rule = IdFilter(field_name="rule_id")
    action = django_filters.ChoiceFilter(choices=PenaltyAction.choices)
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    revoked = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Violation
        fields = ["member", "group", "rule", "action", "since", "until", "revoked"]


@schema_view(
    list="Violations, newest first; filter by member, group, rule, action, since, until",
    retrieve="One violation",
)
class ViolationViewSet(ReadViewSet):
    queryset = Violation.objects.all()
    serializer_class = ViolationSerializer
    filterset_class = ViolationFilter
    search_fields = ["member__display_name", "member__external_id", "note"]
    ordering_fields = ["created_at", "step"]
    write_roles = MODERATE_ROLES
    action_roles = {"revoke": CONFIGURE_ROLES}

    def get_queryset(self):
        return selectors.violation_list(queryset=super().get_queryset())

    @extend_schema(
        summary="Log a violation: suo picks and applies the next step of the group's ladder",
        description=(
            "Send an `Idempotency-Key` header (any unique string up to 64 characters) so that a retried "
            "request returns the violation already logged (200) instead of logging it twice."
        ),
        parameters=[OpenApiParameter(IDEMPOTENCY_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER)],
        request={"application/json": ViolationInput, "multipart/form-data": ViolationInput},
        responses={201: ViolationLoggedOutput, 200: ViolationLoggedOutput},
    )
    def create(self, request):
        values = self.validated(ViolationInput)
        logged = services.violation_log(
            community=values["group"],
            member=values["member"],
            rule=values["rule"],
            note=values["note"],
            screenshot=values.get("screenshot"),
            by=request.user,
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER, "").strip(),
        )
        body = ViolationLoggedOutput(logged, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_200_OK if logged.replayed else status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke a violation (owners, operators): it stops counting and its active penalty is lifted",
        request=RevokeInput,
        responses=ViolationSerializer,
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        violation = self.get_object()
        values = self.validated(RevokeInput)
        services.violation_revoke(violation=violation, by=request.user, reason=values["reason"])
        return Response(self.shown(violation))


class AppealSerializer(OutputSerializer):
    violation = ViolationSerializer(read_only=True)
    filed_by = serializers.CharField(
        source="filed_by.username", read_only=True, default=None, allow_null=True
    )
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Appeal
        fields = [
            "id",
            "violation",
            "statement",
            "state",
            "filed_by",
            "filed_at",
            "decided_by",
            "decided_at",
            "decision_reason",
        ]


class AppealInput(serializers.Serializer):
    violation = ScopedPrimaryKeyRelatedField(queryset=Violation.objects.all())
    statement = serializers.CharField(max_length=services.STATEMENT_MAX)


class DecideInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("accept", "accept"), ("reject", "reject")])
    reason = serializers.CharField(max_length=services.REASON_MAX)


@schema_view(list="Appeals, newest first; `?state=pending` for the queue", retrieve="One appeal")
class AppealViewSet(ReadViewSet):
    queryset = Appeal.objects.all()
    serializer_class = AppealSerializer
    filterset_fields = {"state": ["exact"], "violation": ["exact"], "violation__member": ["exact"]}
    write_roles = MODERATE_ROLES
    action_roles = {"decide": CONFIGURE_ROLES}

    def get_queryset(self):
        return selectors.appeal_list(queryset=super().get_queryset())

    @extend_schema(
        summary="Record a member's appeal against a violation (queued for an operator)",
        request=AppealInput,
        responses={201: AppealSerializer},
    )
    def create(self, request):
        values = self.validated(AppealInput)
        appeal = services.appeal_file(by=request.user, **values)
        return Response(self.shown(appeal), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Accept (the violation is revoked) or reject an appeal, with a reason (owners, operators)",
        request=DecideInput,
        responses=AppealSerializer,
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        appeal = self.get_object()
        values = self.validated(DecideInput)
        services.appeal_decide(
            appeal=appeal,
            accept=values["decision"] == "accept",
            reason=values["reason"],
            by=request.user,
        )
        return Response(self.shown(appeal))
