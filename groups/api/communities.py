"""/api/groups/: groups with their thresholds and role holders, the lifecycle, memberships
(join / leave) and group roles."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from groups import selectors, services
from groups.api.fields import MemberBriefSerializer, TagNamesField, WorkspaceUserField
from groups.models import (
    Community,
    CommunityState,
    JoinSource,
    Ladder,
    LeaveReason,
    Member,
    Membership,
    RoleAssignment,
    ScriptPosition,
    Threshold,
)
from suo.api.errors import error_body
from suo.api.scoping import ScopedPrimaryKeyRelatedField, WorkspaceScopedMixin
from suo.tenancy import CONFIGURE_ROLES, MODERATE_ROLES, scoped


class ThresholdSerializer(serializers.ModelSerializer):
    class Meta:
        model = Threshold
        fields = ["kind", "referral_scope", "min_activity", "campaign", "product"]


class RoleHolderSerializer(serializers.ModelSerializer):
    member = MemberBriefSerializer(read_only=True)
    username = serializers.CharField(source="user.username", read_only=True, default=None)
    holder_name = serializers.CharField(read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "role", "member", "username", "holder_name", "script_position"]
        read_only_fields = fields


class CommunitySerializer(serializers.ModelSerializer):
    tags = TagNamesField(required=False)
    thresholds = ThresholdSerializer(many=True, required=False)
    member_count = serializers.IntegerField(read_only=True, help_text=gettext_lazy("Active members now."))
    roles = RoleHolderSerializer(many=True, read_only=True, source="active_roles")
    ladder = ScopedPrimaryKeyRelatedField(
        queryset=Ladder.objects.all(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Penalty ladder id; null: the workspace's default ladder."),
    )

    class Meta:
        model = Community
        fields = [
            "id",
            "name",
            "kind",
            "platform",
            "external_id",
            "member_limit",
            "state",
            "state_changed_at",
            "threshold_mode",
            "thresholds",
            "welcome_template",
            "announcement_template",
            "rules_text",
            "ladder",
            "notes",
            "tags",
            "member_count",
            "roles",
            "created_at",
        ]
        read_only_fields = ["id", "state", "state_changed_at", "member_count", "roles", "created_at"]

    def create(self, validated_data):
        validated_data.pop("workspace", None)
        return services.community_create(
            workspace=self.context["workspace"], by=self.context["request"].user, **validated_data
        )

    def update(self, instance, validated_data):
        return services.community_update(community=instance, **validated_data)


class TransitionInput(serializers.Serializer):
    state = serializers.ChoiceField(choices=CommunityState.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class MembershipSerializer(serializers.ModelSerializer):
    group = serializers.IntegerField(source="community_id", read_only=True)
    member = MemberBriefSerializer(read_only=True)
    inviter = MemberBriefSerializer(read_only=True, allow_null=True)
    invite_code = serializers.CharField(source="invite_code.code", read_only=True, default=None)

    class Meta:
        model = Membership
        fields = [
            "id",
            "group",
            "member",
            "joined_at",
            "source",
            "channel",
            "campaign",
            "inviter",
            "invite_code",
            "is_active",
            "left_at",
            "leave_reason",
            "muted_until",
        ]
        read_only_fields = fields


class JoinInput(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())
    source = serializers.ChoiceField(choices=JoinSource.choices, default=JoinSource.MANUAL)
    inviter = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all(), required=False, allow_null=True)
    invite_code = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")
    channel = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        default="",
        help_text=gettext_lazy("Where the member came from, e.g. a channel label."),
    )
    campaign = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        default="",
        help_text=gettext_lazy("The campaign (its slug) that brought the member."),
    )


class LeaveInput(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())
    reason = serializers.ChoiceField(choices=LeaveReason.choices, default=LeaveReason.LEFT)


JoinRefusedSerializer = inline_serializer(
    "JoinRefused",
    {
        "code": serializers.CharField(help_text="`join_refused`"),
        "detail": serializers.CharField(),
        "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        "unmet": inline_serializer(
            "UnmetThreshold",
            {
                "code": serializers.CharField(
                    help_text="`open`, `invite_code`, `referral`, `activity`, `paid`, `full`, `closed`, "
                    "`banned` or `kicked`"
                ),
                "message": serializers.CharField(),
            },
            many=True,
        ),
    },
)


class RoleAssignmentSerializer(serializers.ModelSerializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all(), required=False, allow_null=True)
    user = WorkspaceUserField(required=False, allow_null=True)
    member_detail = MemberBriefSerializer(source="member", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True, default=None)
    holder_name = serializers.CharField(read_only=True)
    script_position = serializers.ChoiceField(
        choices=ScriptPosition.choices, required=False, allow_blank=True
    )

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
        read_only_fields = ["id", "is_active", "started_at", "ended_at"]


class CommunityFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__name", label=gettext_lazy("tag name"))

    class Meta:
        model = Community
        fields = ["kind", "platform", "state", "tag"]


@extend_schema_view(
    list=extend_schema(summary="Community groups, with active member counts and who holds which role"),
    create=extend_schema(summary="Create a group (it starts in the planning state)"),
    partial_update=extend_schema(
        summary="Change a group; `thresholds` and `tags`, when given, replace the old"
    ),
    destroy=extend_schema(summary="Delete a group that never had members (archive the others)"),
)
class CommunityViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet):
    queryset = Community.objects.all()
    serializer_class = CommunitySerializer
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

    def perform_create(self, serializer):
        serializer.save()
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_update(self, serializer):
        serializer.save()
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        if instance.memberships.exists():
            raise DjangoValidationError(
                {"state": _("This group has member history: archive it instead of deleting it.")}
            )
        instance.delete()

    def _community(self) -> Community:
        """The group of a detail action, without the list's counts and prefetches."""
        return get_object_or_404(scoped(Community.objects.all(), self.workspace), pk=self.kwargs["pk"])

    @extend_schema(
        summary="Move a group along its lifecycle", request=TransitionInput, responses=CommunitySerializer
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        data = TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        community = services.community_transition(
            community=self._community(),
            to_state=data.validated_data["state"],
            by=request.user,
            note=data.validated_data["note"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=community.pk)).data)

    @extend_schema(
        summary="The group's memberships (history included); `?active=true` for current members",
        parameters=[
            OpenApiParameter(
                "active", OpenApiTypes.BOOL, description="Only current (true) or past (false) stays"
            ),
            OpenApiParameter("source", OpenApiTypes.STR, enum=JoinSource.values),
        ],
        responses=MembershipSerializer(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def memberships(self, request, pk=None):
        community = self._community()
        queryset = (
            Membership.objects.filter(community=community)
            .select_related("member", "inviter", "invite_code")
            .order_by("-joined_at", "-pk")
        )
        active = request.query_params.get("active")
        if active in ("true", "1", "false", "0"):
            queryset = queryset.filter(is_active=active in ("true", "1"))
        source = request.query_params.get("source")
        if source:
            queryset = queryset.filter(source=source)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(MembershipSerializer(page, many=True).data)

    @extend_schema(
        summary="Let a member join, if the group's thresholds allow",
        request=JoinInput,
        responses={201: MembershipSerializer, 400: JoinRefusedSerializer},
    )
    @action(detail=True, methods=["post"])
    def join(self, request, pk=None):
        community = self._community()
        data = JoinInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        try:
            membership = services.membership_join(community=community, by=request.user, **data.validated_data)
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
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="End a member's stay in the group", request=LeaveInput, responses=MembershipSerializer
    )
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        community = self._community()
        data = LeaveInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        membership = services.membership_leave(community=community, by=request.user, **data.validated_data)
        return Response(MembershipSerializer(membership).data)

    @extend_schema(
        summary="Who does what in the group (current holders; `?all=true` adds past ones)",
        parameters=[OpenApiParameter("all", OpenApiTypes.BOOL)],
        responses=RoleAssignmentSerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path="roles", filter_backends=[])
    def roles(self, request, pk=None):
        community = self._community()
        queryset = RoleAssignment.objects.filter(community=community).select_related("member", "user")
        if request.query_params.get("all") not in ("true", "1"):
            queryset = queryset.filter(is_active=True)
        queryset = queryset.order_by("role", "-started_at", "pk")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(RoleAssignmentSerializer(page, many=True).data)

    @extend_schema(
        summary="Give a group role (a new lead replaces the current one)",
        request=RoleAssignmentSerializer,
        responses={201: RoleAssignmentSerializer},
    )
    @roles.mapping.post
    def roles_assign(self, request, pk=None):
        community = self._community()
        data = RoleAssignmentSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        assignment = services.role_assign(
            community=community,
            role=values["role"],
            member=values.get("member"),
            user=values.get("user"),
            script_position=values.get("script_position", ""),
            by=request.user,
        )
        return Response(RoleAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="End a role assignment (kept as history)", request=None, responses=RoleAssignmentSerializer
    )
    @action(detail=True, methods=["delete"], url_path=r"roles/(?P<role_id>[0-9]+)")
    def role_end(self, request, pk=None, role_id=None):
        community = self._community()
        assignment = RoleAssignment.objects.filter(community=community, pk=role_id).first()
        if assignment is None:
            from rest_framework.exceptions import NotFound

            raise NotFound
        assignment = services.role_end(assignment=assignment, by=request.user)
        return Response(RoleAssignmentSerializer(assignment).data)
