"""The moderation API: violations (log, list, revoke), appeals, the code of conduct, penalty
ladders, and the two small reads the violation desk makes as the moderator types."""

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from groups.api import MemberBriefSerializer
from groups.models import (
    Appeal,
    AppealState,
    Community,
    CommunityKind,
    Ladder,
    LadderScope,
    Member,
    PenaltyAction,
    Rule,
    Violation,
)
from groups.models.moderation import LadderStep, describe_action
from groups.moderation import conduct, ladders, selectors, services
from suo.api.scoping import ScopedPrimaryKeyRelatedField, WorkspaceScopedMixin
from suo.tenancy import CONFIGURE_ROLES, MODERATE_ROLES

SCREENSHOT_MAX_BYTES = 5 * 1024 * 1024
IDEMPOTENCY_HEADER = "Idempotency-Key"


# --- violations -------------------------------------------------------------------------------


class RuleBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rule
        fields = ["id", "title", "category", "severity"]
        read_only_fields = fields


class ViolationSerializer(serializers.ModelSerializer):
    group = serializers.IntegerField(source="community_id", read_only=True)
    group_name = serializers.CharField(source="community.name", read_only=True)
    member = MemberBriefSerializer(read_only=True)
    rule = RuleBriefSerializer(read_only=True)
    label = serializers.CharField(source="action_display", read_only=True)
    logged_by = serializers.CharField(source="logged_by.username", read_only=True, default=None)
    revoked_by = serializers.CharField(source="revoked_by.username", read_only=True, default=None)
    penalty_state = serializers.CharField(source="penalty.state", read_only=True, default=None)
    penalty_ends_at = serializers.DateTimeField(source="penalty.ends_at", read_only=True, default=None)
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
        read_only_fields = fields

    def get_has_screenshot(self, violation) -> bool:
        return bool(violation.screenshot)


class ViolationCreatedSerializer(ViolationSerializer):
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
        read_only_fields = fields


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
    member = django_filters.NumberFilter(field_name="member_id")
    group = django_filters.NumberFilter(field_name="community_id")
    rule = django_filters.NumberFilter(field_name="rule_id")
    action = django_filters.ChoiceFilter(choices=PenaltyAction.choices)
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    revoked = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Violation
        fields = ["member", "group", "rule", "action", "since", "until", "revoked"]


@extend_schema_view(
    list=extend_schema(
        summary="Violations, newest first; filter by member, group, rule, action, since, until"
    ),
    retrieve=extend_schema(summary="One violation"),
)
class ViolationViewSet(
    WorkspaceScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
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
        responses={201: ViolationCreatedSerializer, 200: ViolationCreatedSerializer},
    )
    def create(self, request):
        data = ViolationInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        violation = services.violation_log(
            community=values["group"],
            member=values["member"],
            rule=values["rule"],
            note=values["note"],
            screenshot=values.get("screenshot"),
            by=request.user,
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER, "").strip(),
        )
        body = ViolationCreatedSerializer(violation, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_200_OK if violation.replayed else status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke a violation (owners, operators): it stops counting and its active penalty is lifted",
        request=RevokeInput,
        responses=ViolationSerializer,
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        violation = self.get_object()
        data = RevokeInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.violation_revoke(violation=violation, by=request.user, reason=data.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=violation.pk)).data)


# --- appeals ----------------------------------------------------------------------------------


class AppealSerializer(serializers.ModelSerializer):
    violation = ViolationSerializer(read_only=True)
    filed_by = serializers.CharField(source="filed_by.username", read_only=True, default=None)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None)

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
        read_only_fields = fields


class AppealInput(serializers.Serializer):
    violation = ScopedPrimaryKeyRelatedField(queryset=Violation.objects.all())
    statement = serializers.CharField(max_length=services.STATEMENT_MAX)


class DecideInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("accept", "accept"), ("reject", "reject")])
    reason = serializers.CharField(max_length=services.REASON_MAX)


@extend_schema_view(
    list=extend_schema(summary="Appeals, newest first; `?state=pending` for the queue"),
    retrieve=extend_schema(summary="One appeal"),
)
class AppealViewSet(
    WorkspaceScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
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
        data = AppealInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        appeal = services.appeal_file(by=request.user, **data.validated_data)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=appeal.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Accept (the violation is revoked) or reject an appeal, with a reason (owners, operators)",
        request=DecideInput,
        responses=AppealSerializer,
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        appeal = self.get_object()
        data = DecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.appeal_decide(
            appeal=appeal,
            accept=data.validated_data["decision"] == "accept",
            reason=data.validated_data["reason"],
            by=request.user,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=appeal.pk)).data)


# --- the code of conduct and ladders ------------------------------------------------------------


class RuleSerializer(serializers.ModelSerializer):
    group = ScopedPrimaryKeyRelatedField(
        source="community",
        queryset=Community.objects.all(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Only for this group (id); null: every group."),
    )
    community_kind = serializers.ChoiceField(
        choices=CommunityKind.choices,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Only for groups of this kind; empty: every kind."),
    )

    class Meta:
        model = Rule
        fields = [
            "id",
            "title",
            "description",
            "category",
            "severity",
            "community_kind",
            "group",
            "position",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def validate(self, attrs):
        kind = attrs.get("community_kind", getattr(self.instance, "community_kind", ""))
        community = attrs.get("community", getattr(self.instance, "community", None))
        if kind and community is not None:
            raise serializers.ValidationError({"group": _("Choose a kind of group or one group, not both.")})
        return attrs

    def create(self, validated_data):
        validated_data.pop("workspace", None)
        rule = Rule(workspace=self.context["workspace"])
        return conduct.rule_save(rule=rule, by=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return conduct.rule_save(rule=instance, by=self.context["request"].user, **validated_data)


class RuleFilter(django_filters.FilterSet):
    applies_to = django_filters.NumberFilter(
        method="for_group", label=gettext_lazy("rules that apply to group id")
    )

    class Meta:
        model = Rule
        fields = ["category", "is_active", "community_kind", "applies_to"]

    def for_group(self, queryset, name, value):
        community = Community.objects.filter(
            pk=value, workspace_id__in=queryset.values("workspace_id")
        ).first()
        if community is None:
            return queryset.none()
        return queryset.filter(pk__in=selectors.rules_for(community).values("pk"))


@extend_schema_view(
    list=extend_schema(summary="The code of conduct: rules with category, severity and where they apply"),
    create=extend_schema(summary="Add a rule (owners, operators)"),
    partial_update=extend_schema(summary="Change a rule; retire it with is_active=false"),
    destroy=extend_schema(summary="Delete a rule that no violation used (retire the others)"),
)
class RuleViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet):
    queryset = Rule.objects.select_related("community").order_by("position", "pk")
    serializer_class = RuleSerializer
    filterset_class = RuleFilter
    search_fields = ["title", "description"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        serializer.save()

    def perform_destroy(self, instance):
        conduct.rule_delete(rule=instance, by=self.request.user)


class LadderStepSerializer(serializers.ModelSerializer):
    action = serializers.ChoiceField(choices=PenaltyAction.choices)
    mute_minutes = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=525600,
        help_text=gettext_lazy("Only for mute."),
    )
    label = serializers.SerializerMethodField()

    class Meta:
        model = LadderStep
        fields = ["action", "mute_minutes", "label"]

    def get_label(self, step) -> str:
        return describe_action(step.action, step.mute_minutes)


class LadderSerializer(serializers.ModelSerializer):
    steps = LadderStepSerializer(
        many=True, required=False, help_text=gettext_lazy("In order; replace the old.")
    )
    scope = serializers.ChoiceField(choices=LadderScope.choices, required=False)

    class Meta:
        model = Ladder
        fields = ["id", "name", "is_default", "window_days", "scope", "steps", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"window_days": {"min_value": 1, "max_value": 3650}}

    def to_representation(self, ladder):
        data = super().to_representation(ladder)
        data["steps"] = LadderStepSerializer(ladder.steps.order_by("position", "pk"), many=True).data
        return data

    def create(self, validated_data):
        validated_data.pop("workspace", None)
        return conduct.ladder_save(
            ladder=Ladder(workspace=self.context["workspace"]),
            by=self.context["request"].user,
            **validated_data,
        )

    def update(self, instance, validated_data):
        return conduct.ladder_save(ladder=instance, by=self.context["request"].user, **validated_data)


@extend_schema_view(
    list=extend_schema(summary="Penalty ladders; groups without their own ladder use the default one"),
    create=extend_schema(summary="Add a ladder (steps default to warn → mute 24 h → kick)"),
    partial_update=extend_schema(summary="Change a ladder; `steps`, when given, replace the old ones"),
    destroy=extend_schema(summary="Delete a ladder (not the default); its groups fall back to the default"),
)
class LadderViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet):
    queryset = Ladder.objects.prefetch_related("steps").order_by("-is_default", "name", "pk")
    serializer_class = LadderSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def list(self, request, *args, **kwargs):
        ladders.ladder_default(self.workspace)  # a workspace always shows its default ladder
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.save()

    def perform_destroy(self, instance):
        conduct.ladder_delete(ladder=instance, by=self.request.user)


# --- the desk's reads -------------------------------------------------------------------------


class DeskGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="community_id")
    name = serializers.CharField(source="community.name")
    muted_until = serializers.DateTimeField(allow_null=True)


class DeskMemberSerializer(MemberBriefSerializer):
    violation_count = serializers.IntegerField(help_text=gettext_lazy("Violations not revoked, ever."))
    groups = DeskGroupSerializer(many=True, source="active_memberships")

    class Meta(MemberBriefSerializer.Meta):
        fields = [*MemberBriefSerializer.Meta.fields, "violation_count", "groups"]
        read_only_fields = fields


class DeskSearchView(WorkspaceScopedMixin, APIView):
    """As-you-type member search for the violation desk."""

    read_roles = MODERATE_ROLES

    @extend_schema(
        summary="Find members by name, external id or WeChat id (at most 10; the desk's search box)",
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True, description="What was typed")],
        responses=DeskMemberSerializer(many=True),
    )
    def get(self, request):
        query = request.query_params.get("q", "").replace("\x00", "")[:100]
        members = selectors.member_search(workspace=self.workspace, query=query)
        return Response(DeskMemberSerializer(members, many=True).data)


class PreviewInput(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())
    group = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all(), required=False, allow_null=True)
    rule = ScopedPrimaryKeyRelatedField(queryset=Rule.objects.all(), required=False, allow_null=True)


PreviewOutput = inline_serializer(
    "DeskPreview",
    {
        "member": DeskMemberSerializer(),
        "standing": inline_serializer(
            "MemberStanding",
            {
                "banned": serializers.BooleanField(),
                "kicked_from": serializers.ListField(child=serializers.IntegerField()),
                "muted": serializers.DictField(
                    child=serializers.DateTimeField(), help_text="group id → until"
                ),
            },
        ),
        "history": ViolationSerializer(many=True),
        "preview": inline_serializer(
            "StepPreview",
            {
                "counted_violations": serializers.IntegerField(),
                "severity": serializers.IntegerField(),
                "step": serializers.IntegerField(),
                "action": serializers.ChoiceField(choices=PenaltyAction.choices),
                "mute_minutes": serializers.IntegerField(allow_null=True),
                "label": serializers.CharField(),
                "duration": serializers.CharField(),
                "is_last_step": serializers.BooleanField(),
                "ladder": serializers.DictField(),
            },
            allow_null=True,
        ),
        "rule_applies": serializers.BooleanField(allow_null=True),
    },
)


class DeskPreviewView(WorkspaceScopedMixin, APIView):
    """The member's history and the step that a violation would get now, before it is logged."""

    read_roles = MODERATE_ROLES

    @extend_schema(
        summary="Preview for the desk: the member's history and which step would apply (nothing is written)",
        parameters=[
            OpenApiParameter("member", OpenApiTypes.INT, required=True),
            OpenApiParameter("group", OpenApiTypes.INT),
            OpenApiParameter("rule", OpenApiTypes.INT),
        ],
        responses=PreviewOutput,
    )
    def get(self, request):
        data = PreviewInput(data=request.query_params, context={"workspace": self.workspace})
        data.is_valid(raise_exception=True)
        member = data.validated_data["member"]
        community = data.validated_data.get("group")
        rule = data.validated_data.get("rule")
        preview = None
        rule_applies = None
        if community is not None:
            rule_applies = rule.applies_to(community) if rule is not None else None
            preview = selectors.step_preview(
                member=member, community=community, rule=rule if rule_applies else None
            )
        history = selectors.member_history(member=member)
        return Response(
            {
                "member": DeskMemberSerializer(selectors.member_card(member)).data,
                "standing": selectors.member_standing(member=member),
                "history": ViolationSerializer(history, many=True).data,
                "preview": preview,
                "rule_applies": rule_applies,
            }
        )


__all__ = [
    "AppealState",
    "AppealViewSet",
    "DeskPreviewView",
    "DeskSearchView",
    "LadderViewSet",
    "RuleViewSet",
    "ViolationViewSet",
]
