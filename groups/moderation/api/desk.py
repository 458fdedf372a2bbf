"""The two small reads the violation desk makes as the moderator types: member search and the
preview of the step a violation would get."""

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from groups.api.fields import MemberBriefSerializer
from groups.models import (
    Community,
    Member,
    PenaltyAction,
    Rule,
)
from groups.moderation import selectors
from groups.moderation.api.violations import ViolationSerializer
from suo.api.scoping import ScopedPrimaryKeyRelatedField, WorkspaceScopedMixin
from suo.tenancy import MODERATE_ROLES


class DeskGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="community_id")
    name = serializers.CharField(source="community.name")
    muted_until = serializers.DateTimeField(allow_null=True)


class DeskMemberSerializer(MemberBriefSerializer):
    violation_count = serializers.IntegerField(help_text=gettext_lazy("Violations not revoked, ever."))
    groups = DeskGroupSerializer(many=True, source="active_memberships")

    class Meta(MemberBriefSerializer.Meta):
        fields = [*MemberBriefSerializer.Meta.fields, "violation_count", "groups"]


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
