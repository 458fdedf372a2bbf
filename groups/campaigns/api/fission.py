"""Lead-gen and fission API: lures, joins with a source, conversions, referrals and their
leaderboard, and the follow-up tasks customer service works through after a campaign."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from groups.api.communities import JOIN_FIELDS
from groups.campaigns import selectors, services
from groups.campaigns.api.common import campaign_error
from groups.campaigns.models import Campaign, Conversion, FollowUpState, FollowUpTask, LureChannel, Referral
from groups.models import Entitlement, Member, Membership
from groups.services import JoinRefused
from links.livecodes.models import LiveCode
from links.models import Link
from suo.api.errors import error_body
from suo.api.pagination import Pagination
from suo.api.schema import schema_view
from suo.api.scoping import ScopedPrimaryKeyRelatedField, WorkspaceScopedMixin
from suo.api.serializers import OutputSerializer
from suo.api.viewsets import ReadViewSet
from suo.tenancy import MODERATE_ROLES, scoped


class CampaignChildView(WorkspaceScopedMixin, APIView):
    """A view under /api/campaigns/{campaign_pk}/: another workspace's campaign is a 404."""

    @property
    def pagination_class(self):
        """GET lists are paginated (the schema reads this too); a POST answering rows answers a list."""
        return Pagination if self.request.method == "GET" else None

    def campaign(self) -> Campaign:
        return get_object_or_404(
            scoped(Campaign.objects.select_related("group", "workspace"), self.workspace),
            pk=self.kwargs["campaign_pk"],
        )

    def paginated(self, queryset, output) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(output(page, many=True).data)


# --- lures ---------------------------------------------------------------------------------------


class LureChannelInput(serializers.Serializer):
    channel = serializers.CharField(max_length=64, help_text="The label joins carry, e.g. douyin.")
    url = serializers.CharField(
        required=False, allow_blank=True, max_length=2048, help_text="Makes a tracked link."
    )
    link = ScopedPrimaryKeyRelatedField(queryset=Link.objects.all(), required=False, allow_null=True)
    live_code = ScopedPrimaryKeyRelatedField(queryset=LiveCode.objects.all(), required=False, allow_null=True)


class LureInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True)
    channels = LureChannelInput(many=True)


class LureChannelOutput(OutputSerializer):
    lure_name = serializers.CharField(source="lure.name")
    short_url = serializers.CharField(source="link.short_url", default=None, allow_null=True)
    live_code_url = serializers.CharField(source="live_code.short_url", default=None, allow_null=True)
    visits = serializers.IntegerField(help_text="Clicks of the link or scans of the live code.")
    joins = serializers.IntegerField(help_text="Joins that carried this channel and the campaign.")
    conversions = serializers.IntegerField()

    class Meta:
        model = LureChannel
        fields = [
            "id",
            "lure",
            "lure_name",
            "channel",
            "link",
            "short_url",
            "live_code",
            "live_code_url",
            "visits",
            "joins",
            "conversions",
        ]


class LuresView(CampaignChildView):
    @extend_schema(
        summary="The campaign's lure channels with visits, joins and conversions",
        responses=LureChannelOutput(many=True),
    )
    def get(self, request, campaign_pk):
        return self.paginated(selectors.lure_channel_stats(campaign=self.campaign()), LureChannelOutput)

    @extend_schema(
        summary="Add a lure and its channels (each a new tracked link, a link or a live code)",
        request=LureInput,
        responses={201: LureChannelOutput(many=True)},
    )
    def post(self, request, campaign_pk):
        campaign = self.campaign()
        data = LureInput(data=request.data, context={"workspace": self.workspace})
        data.is_valid(raise_exception=True)
        lure = services.lure_create(campaign=campaign, by=request.user, **data.validated_data)
        rows = selectors.lure_channel_stats(campaign=campaign).filter(lure=lure)
        return Response(LureChannelOutput(rows, many=True).data, status=status.HTTP_201_CREATED)


# --- joins and conversions ------------------------------------------------------------------------


class CampaignJoinInput(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())
    channel = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="A lure channel label."
    )
    inviter = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all(), required=False, allow_null=True)
    invite_code = serializers.CharField(required=False, allow_blank=True, max_length=32)


class CampaignJoinOutput(OutputSerializer):
    group = serializers.IntegerField(source="community_id", read_only=True)

    class Meta:
        model = Membership
        fields = [*JOIN_FIELDS, "is_active"]


class JoinsView(CampaignChildView):
    write_roles = MODERATE_ROLES

    @extend_schema(
        summary="A member joins the campaign's group through a lure channel and/or an inviter",
        request=CampaignJoinInput,
        responses={201: CampaignJoinOutput, 400: campaign_error()},
    )
    def post(self, request, campaign_pk):
        campaign = self.campaign()
        data = CampaignJoinInput(data=request.data, context={"workspace": self.workspace})
        data.is_valid(raise_exception=True)
        try:
            membership = services.campaign_join(campaign=campaign, by=request.user, **data.validated_data)
        except JoinRefused as refused:
            body = error_body(
                "join_refused", refused.messages[0], {}, unmet=[item.as_dict() for item in refused.unmet]
            )
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(CampaignJoinOutput(membership).data, status=status.HTTP_201_CREATED)


class ConversionInput(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())
    entitlement = ScopedPrimaryKeyRelatedField(
        queryset=Entitlement.objects.all(),
        required=False,
        allow_null=True,
        help_text="From /api/entitlements/.",
    )
    product = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="Or record one now."
    )
    order_id = serializers.CharField(required=False, allow_blank=True, max_length=100)


class ConversionOutput(OutputSerializer):
    lure_name = serializers.CharField(source="lure.name", default=None, allow_null=True)
    product = serializers.CharField(source="entitlement.product")

    class Meta:
        model = Conversion
        fields = [
            "id",
            "campaign",
            "member",
            "entitlement",
            "product",
            "channel",
            "lure",
            "lure_name",
            "link",
            "inviter",
            "converted_at",
        ]


class ConversionsView(CampaignChildView):
    @extend_schema(
        summary="Members of the campaign who converted, with lure, link and inviter",
        responses=ConversionOutput(many=True),
    )
    def get(self, request, campaign_pk):
        rows = (
            Conversion.objects.filter(campaign=self.campaign())
            .select_related("lure", "entitlement")
            .order_by("-converted_at", "-pk")
        )
        return self.paginated(rows, ConversionOutput)

    @extend_schema(
        summary="Mark a member converted (a paid entitlement) and attribute it to lure, link and inviter",
        request=ConversionInput,
        responses={201: ConversionOutput, 400: campaign_error()},
    )
    def post(self, request, campaign_pk):
        campaign = self.campaign()
        data = ConversionInput(data=request.data, context={"workspace": self.workspace})
        data.is_valid(raise_exception=True)
        conversion = services.conversion_record(campaign=campaign, by=request.user, **data.validated_data)
        return Response(ConversionOutput(conversion).data, status=status.HTTP_201_CREATED)


# --- referrals ----------------------------------------------------------------------------------


class ReferralOutput(OutputSerializer):
    class Meta:
        model = Referral
        fields = [
            "id",
            "campaign",
            "inviter",
            "invitee",
            "joined_at",
            "qualifies_at",
            "state",
            "reason",
            "checked_at",
            "reward",
        ]


@schema_view(list="Referrals: who invited whom, and whether it counted")
class ReferralViewSet(WorkspaceScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Referral.objects.order_by("-joined_at", "-pk")
    serializer_class = ReferralOutput
    filterset_fields = ["campaign", "inviter", "invitee", "state"]


class LeaderboardRow(serializers.Serializer):
    rank = serializers.IntegerField()
    inviter = serializers.DictField(help_text="id, display_name, external_id")
    qualified = serializers.IntegerField(help_text="Invitees who stayed the required days.")
    pending = serializers.IntegerField(help_text="Invitees still within their stay.")
    rewards = serializers.IntegerField()


class LeaderboardOutput(serializers.Serializer):
    campaign = serializers.IntegerField()
    slug = serializers.CharField()
    stay_days = serializers.IntegerField()
    results = LeaderboardRow(many=True)


class LeaderboardView(WorkspaceScopedMixin, APIView):
    @extend_schema(
        summary="Inviters of a campaign ranked by qualified invitees",
        parameters=[
            OpenApiParameter("campaign", OpenApiTypes.STR, required=True, description="Campaign id or slug.")
        ],
        responses=LeaderboardOutput,
    )
    def get(self, request):
        value = (request.query_params.get("campaign") or "").strip()
        if not value:
            raise ValidationError({"campaign": [_("Name the campaign by id or slug.")]})
        lookup = {"pk": int(value)} if value.isdigit() else {"slug": value}
        campaign = get_object_or_404(scoped(Campaign.objects.all(), self.workspace), **lookup)
        return Response(
            LeaderboardOutput(
                {
                    "campaign": campaign.pk,
                    "slug": campaign.slug,
                    "stay_days": campaign.referral_stay_days,
                    "results": selectors.referral_leaderboard(campaign=campaign),
                }
            ).data
        )


# --- follow-up tasks ------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class AssigneeField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        workspace = self.context.get("workspace")
        users = get_user_model().objects.all()
        return users.filter(workspace_memberships__workspace=workspace) if workspace else users.none()


class FollowUpInput(serializers.Serializer):
    state = serializers.ChoiceField(choices=FollowUpState.choices, required=False)
    assignee = AssigneeField(
        required=False, allow_null=True, help_text="A user of the workspace; null unassigns."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class FollowUpOutput(OutputSerializer):
    member_name = serializers.CharField(source="member.display_name")
    assignee_name = serializers.CharField(source="assignee.username", default=None, allow_null=True)

    class Meta:
        model = FollowUpTask
        fields = [
            "id",
            "campaign",
            "member",
            "member_name",
            "summary",
            "assignee",
            "assignee_name",
            "state",
            "note",
            "created_at",
            "done_at",
        ]


@schema_view(
    list="Customer-service follow-up tasks for claimers; filter by campaign, state, assignee",
    retrieve="One follow-up task",
)
class FollowUpViewSet(ReadViewSet):
    queryset = FollowUpTask.objects.select_related("member", "assignee").order_by(
        "state", "-created_at", "-pk"
    )
    serializer_class = FollowUpOutput
    filterset_fields = ["campaign", "state", "assignee"]
    http_method_names = ["get", "patch", "head", "options"]
    write_roles = MODERATE_ROLES

    @extend_schema(
        summary="Assign, annotate or finish a follow-up task", request=FollowUpInput, responses=FollowUpOutput
    )
    def partial_update(self, request, pk=None):
        task = self.get_object()
        values = self.validated(FollowUpInput, partial=True)
        services.followup_update(task=task, by=request.user, **values)
        return Response(FollowUpOutput(self.get_queryset().get(pk=task.pk)).data)
