"""/api/groups/: groups with their thresholds and role holders, the lifecycle, memberships
(join / leave) and group roles."""

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from groups import selectors, services
from groups.api.fields import MemberBriefSerializer, TagNamesField, WorkspaceUserField, optional_text
from groups.models import (
    Community,
    CommunityState,
    GroupRole,
    JoinSource,
    Ladder,
    LeaveReason,
    Member,
    Membership,
    RoleAssignment,
    ScriptPosition,
    Threshold,
)
from suo.api.errors import ErrorBodySerializer, error_body
from suo.api.schema import schema_view
from suo.api.scoping import ScopedPrimaryKeyRelatedField
from suo.api.serializers import OutputSerializer
from suo.api.viewsets import ReadDeleteViewSet
from suo.tenancy import CONFIGURE_ROLES, MODERATE_ROLES, scoped


class ThresholdSerializer(serializers.ModelSerializer):
    class Meta:
        model = Threshold
        fields = ["kind", "referral_scope", "min_activity", "campaign", "product"]


class RoleHolderSerializer(OutputSerializer):
    member = MemberBriefSerializer(read_only=True, allow_null=True)  # null: a suo user holds it
    username = serializers.CharField(source="user.username", read_only=True, default=None, allow_null=True)
    holder_name = serializers.CharField(read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "role", "member", "username", "holder_name", "script_position"]


LADDER_HELP = gettext_lazy("Penalty ladder id; null: the workspace's default ladder.")
GROUP_FIELDS = [
    "name",
    "kind",
    "platform",
    "external_id",
    "member_limit",
    "threshold_mode",
    "thresholds",
    "welcome_template",
    "announcement_template",
    "rules_text",
    "ladder",
    "notes",
    "tags",
]


# A group as a client creates or changes it; the model gives the fields' limits, the services
# write (the state moves only through /transition/).
@extend_schema_serializer(component_name="Community")
class CommunityInput(serializers.ModelSerializer):
    tags = TagNamesField(required=False)
    thresholds = ThresholdSerializer(many=True, required=False)
    ladder = ScopedPrimaryKeyRelatedField(
        queryset=Ladder.objects.all(), required=False, allow_null=True, help_text=LADDER_HELP
    )

    class Meta:
        model = Community
        fields = GROUP_FIELDS


@extend_schema_serializer(component_name="Community")
class CommunityOutput(OutputSerializer):
    tags = TagNamesField(read_only=True)
    thresholds = ThresholdSerializer(many=True, read_only=True)
    member_count = serializers.IntegerField(read_only=True, help_text=gettext_lazy("Active members now."))
    roles = RoleHolderSerializer(many=True, read_only=True, source="active_roles")
    ladder = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True, help_text=LADDER_HELP)

    class Meta:
        model = Community
        fields = ["id", *GROUP_FIELDS, "state", "state_changed_at", "member_count", "roles", "created_at"]


class TransitionInput(serializers.Serializer):
    state = serializers.ChoiceField(choices=CommunityState.choices)
    note = optional_text(300)


# How a member came into a group; a group's membership list adds how it ended or is muted.
JOIN_FIELDS = ["id", "group", "member", "joined_at", "source", "channel", "campaign", "inviter"]


@extend_schema_serializer(component_name="Membership")
class MembershipOutput(OutputSerializer):
    group = serializers.IntegerField(source="community_id", read_only=True)
    member = MemberBriefSerializer(read_only=True)
    inviter = MemberBriefSerializer(read_only=True, allow_null=True)
    invite_code = serializers.CharField(
        source="invite_code.code", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Membership
        fields = [*JOIN_FIELDS, "invite_code", "is_active", "left_at", "leave_reason", "muted_until"]


class JoinInput(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())
    source = serializers.ChoiceField(choices=JoinSource.choices, default=JoinSource.MANUAL)
    inviter = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all(), required=False, allow_null=True)
    invite_code = optional_text(32)
    channel = optional_text(64, gettext_lazy("Where the member came from, e.g. a channel label."))
    campaign = optional_text(64, gettext_lazy("The campaign (its slug) that brought the member."))


class LeaveInput(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())
    reason = serializers.ChoiceField(choices=LeaveReason.choices, default=LeaveReason.LEFT)


class JoinRefusedSerializer(ErrorBodySerializer):
    codes = "`join_refused`, or a validation code."
    # Only on `join_refused`: the other 400s (a bad field, X-Workspace) are the plain error body.
    unmet = inline_serializer(
        "UnmetThreshold",
        {
            "code": serializers.CharField(
                help_text="`open`, `invite_code`, `referral`, `activity`, `paid`, `full`, `closed`, "
                "`banned` or `kicked`"
            ),
            "message": serializers.CharField(),
        },
        many=True,
        required=False,
    )


@extend_schema_serializer(component_name="RoleAssignment")
class RoleAssignInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=GroupRole.choices)
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all(), required=False, allow_null=True)
    user = WorkspaceUserField(required=False, allow_null=True)
    script_position = serializers.ChoiceField(
        choices=ScriptPosition.choices, required=False, allow_blank=True, default=""
    )


@extend_schema_serializer(component_name="RoleAssignment")
class RoleAssignmentOutput(OutputSerializer):
    member_detail = MemberBriefSerializer(source="member", read_only=True, allow_null=True)
    username = serializers.CharField(source="user.username", read_only=True, default=None, allow_null=True)
    holder_name = serializers.CharField(read_only=True)

    class Meta:
        model = RoleAssignment
        fields = [
            "id",
            "role",
            "member",
            "member_detail",
            "user",
            "username",
            "holder_name",
            "script_position",
            "is_active",
            "started_at",
            "ended_at",
        ]


class CommunityFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__name", label=gettext_lazy("tag name"))

    class Meta:
        model = Community
        fields = ["kind", "platform", "state", "tag"]


@schema_view(
    list="Community groups, with active member counts and who holds which role",
    create="Create a group (it starts in the planning state)",
    partial_update="Change a group; `thresholds` and `tags`, when given, replace the old",
    destroy="Delete a group that never had members (archive the others)",
)
class CommunityViewSet(ReadDeleteViewSet):
    queryset = Community.objects.all()
    serializer_class = CommunityOutput
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_class = CommunityFilter
    search_fields = ["name", "external_id"]
    ordering_fields = ["name", "created_at", "member_count", "state"]
    action_roles = {
        "join": MODERATE_ROLES,
        "leave": MODERATE_ROLES,
        "roles_assign": CONFIGURE_ROLES,
        "role_end": CONFIGURE_ROLES,
    }

    def get_queryset(self):
        return selectors.community_list(queryset=super().get_queryset())

    def _output(self, community: Community) -> dict:
        return CommunityOutput(self.get_queryset().get(pk=community.pk)).data

    @extend_schema(request=CommunityInput, responses={201: CommunityOutput})
    def create(self, request):
        values = self.validated(CommunityInput)
        community = services.community_create(workspace=self.workspace, by=request.user, **values)
        return Response(self._output(community), status=status.HTTP_201_CREATED)

    @extend_schema(request=CommunityInput, responses=CommunityOutput)
    def partial_update(self, request, pk=None):
        community = self._community()
        values = self.validated(CommunityInput, partial=True)
        community = services.community_update(community=community, by=request.user, **values)
        return Response(self._output(community))

    def perform_destroy(self, instance):
        services.community_delete(community=instance, by=self.request.user)

    def _community(self) -> Community:
        """The group of a detail action, without the list's counts and prefetches."""
        return get_object_or_404(scoped(Community.objects.all(), self.workspace), pk=self.kwargs["pk"])

    @extend_schema(
        summary="Move a group along its lifecycle", request=TransitionInput, responses=CommunityOutput
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        values = self.validated(TransitionInput)
        community = services.community_transition(
            community=self._community(),
            to_state=values["state"],
            by=request.user,
            note=values["note"],
        )
        return Response(self._output(community))

    @extend_schema(
        summary="The group's memberships (history included); `?active=true` for current members",
        parameters=[
            OpenApiParameter(
                "active", OpenApiTypes.BOOL, description="Only current (true) or past (false) stays"
            ),
            OpenApiParameter("source", OpenApiTypes.STR, enum=JoinSource.values),
        ],
        responses=MembershipOutput(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def memberships(self, request, pk=None):
        active = request.query_params.get("active")
        queryset = selectors.membership_list(
            community=self._community(),
            active=active in ("true", "1") if active in ("true", "1", "false", "0") else None,
            source=request.query_params.get("source", ""),
        )
        return self.paginated(queryset, MembershipOutput)

    @extend_schema(
        summary="Let a member join, if the group's thresholds allow",
        request=JoinInput,
        responses={201: MembershipOutput, 400: JoinRefusedSerializer},
    )
    @action(detail=True, methods=["post"])
    def join(self, request, pk=None):
        community = self._community()
        values = self.validated(JoinInput)
        try:
            membership = services.membership_join(community=community, by=request.user, **values)
        except services.JoinRefused as refused:
            return Response(
                error_body(
                    "join_refused",
                    refused.messages[0],
                    {},
                    unmet=[item.as_dict() for item in refused.unmet],
                ),
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(MembershipOutput(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="End a member's stay in the group", request=LeaveInput, responses=MembershipOutput)
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        community = self._community()
        values = self.validated(LeaveInput)
        membership = services.membership_leave(community=community, by=request.user, **values)
        return Response(MembershipOutput(membership).data)

    @extend_schema(
        summary="Who does what in the group (current holders; `?all=true` adds past ones)",
        parameters=[OpenApiParameter("all", OpenApiTypes.BOOL)],
        responses=RoleAssignmentOutput(many=True),
    )
    @action(detail=True, methods=["get"], url_path="roles", filter_backends=[])
    def roles(self, request, pk=None):
        queryset = selectors.role_list(
            community=self._community(), ended_too=request.query_params.get("all") in ("true", "1")
        )
        return self.paginated(queryset, RoleAssignmentOutput)

    @extend_schema(
        summary="Give a group role (a new lead replaces the current one)",
        request=RoleAssignInput,
        responses={201: RoleAssignmentOutput},
    )
    @roles.mapping.post
    def roles_assign(self, request, pk=None):
        community = self._community()
        values = self.validated(RoleAssignInput)
        assignment = services.role_assign(community=community, by=request.user, **values)
        return Response(RoleAssignmentOutput(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="End a role assignment (kept as history)", request=None, responses=RoleAssignmentOutput
    )
    @action(detail=True, methods=["delete"], url_path=r"roles/(?P<role_id>[0-9]+)")
    def role_end(self, request, pk=None, role_id=None):
        community = self._community()
        assignment = get_object_or_404(RoleAssignment.objects.filter(community=community), pk=role_id)
        assignment = services.role_end(assignment=assignment, by=request.user)
        return Response(RoleAssignmentOutput(assignment).data)
