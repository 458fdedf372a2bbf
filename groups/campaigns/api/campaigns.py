"""/api/campaigns/: campaigns with their phase schedule, transitions, messages and members' links."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from groups.campaigns import selectors, services
from groups.campaigns.api.common import campaign_error
from groups.campaigns.models import Campaign, PhaseTransition, ScheduledMessage
from groups.campaigns.models.flash import SCHEDULED_PHASES
from groups.campaigns.services.flash import SETTINGS
from groups.models import Community, Member
from links.models import Link
from suo.api.schema import schema_view
from suo.api.scoping import ScopedPrimaryKeyRelatedField
from suo.api.serializers import OutputSerializer
from suo.api.viewsets import ReadDeleteViewSet
from suo.tenancy import MODERATE_ROLES


class PhaseInput(serializers.Serializer):
    phase = serializers.ChoiceField(choices=SCHEDULED_PHASES)
    starts_at = serializers.DateTimeField()


class CampaignInput(serializers.Serializer):
    group = ScopedPrimaryKeyRelatedField(
        queryset=Community.objects.all(), help_text="A flash or lead-gen group."
    )
    name = serializers.CharField(max_length=100)
    slug = serializers.CharField(max_length=32, help_text="2–32 of a–z 0–9 -; the page is /c/<slug>.")
    phases = PhaseInput(
        many=True, help_text="A start time for each of preheat, ignite, wrap_up and closed, in that order."
    )
    description = serializers.CharField(required=False, allow_blank=True)
    thank_you_message = serializers.CharField(required=False, allow_blank=True)
    thank_you_red_packet = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    referral_stay_days = serializers.IntegerField(required=False, min_value=1, max_value=365)
    referral_invitees_per_reward = serializers.IntegerField(required=False, min_value=1, max_value=1000)
    referral_reward = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CampaignUpdateInput(CampaignInput):
    group = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all(), required=False)
    name = serializers.CharField(max_length=100, required=False)
    slug = serializers.CharField(max_length=32, required=False)
    phases = PhaseInput(many=True, required=False, help_text="Only the phases to move; started ones stay.")


class PhaseOutput(OutputSerializer):
    starts_at = serializers.DateTimeField(source="due_at")
    happened_at = serializers.DateTimeField(source="done_at", allow_null=True)

    class Meta:
        model = PhaseTransition
        fields = ["phase", "starts_at", "state", "happened_at"]


class CampaignOutput(OutputSerializer):
    next_phase = serializers.SerializerMethodField()
    next_phase_at = serializers.SerializerMethodField()
    countdown_url = serializers.CharField(read_only=True)
    phases = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "slug",
            "name",
            "group",
            "phase",
            "next_phase",
            "next_phase_at",
            "countdown_url",
            "phases",
            "phase_changed_at",
            *SETTINGS,
            "created_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=SCHEDULED_PHASES, allow_null=True))
    def get_next_phase(self, campaign) -> str | None:
        upcoming = selectors.next_transition(campaign)
        return upcoming.phase if upcoming else None

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_next_phase_at(self, campaign) -> str | None:
        upcoming = selectors.next_transition(campaign)
        return serializers.DateTimeField().to_representation(upcoming.due_at) if upcoming else None

    @extend_schema_field(PhaseOutput(many=True))
    def get_phases(self, campaign) -> list[dict]:
        return PhaseOutput(selectors.schedule_of(campaign), many=True).data


class TransitionOutput(OutputSerializer):
    planned_at = serializers.DateTimeField(source="due_at")
    actual_at = serializers.DateTimeField(source="done_at", allow_null=True)
    late_seconds = serializers.SerializerMethodField()

    class Meta:
        model = PhaseTransition
        fields = [
            "phase",
            "position",
            "state",
            "planned_at",
            "actual_at",
            "late_seconds",
            "messages_sent",
            "note",
        ]

    def get_late_seconds(self, transition) -> float | None:
        if transition.done_at is None:
            return None
        return round((transition.done_at - transition.due_at).total_seconds(), 3)


class MessageInput(serializers.Serializer):
    phase = serializers.ChoiceField(choices=SCHEDULED_PHASES)
    text = serializers.CharField(max_length=2000)
    link = ScopedPrimaryKeyRelatedField(
        queryset=Link.objects.all(), required=False, allow_null=True, help_text="An existing short link."
    )
    url = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2048,
        help_text="Or a target: a tracked short link is made.",
    )
    position = serializers.IntegerField(required=False, min_value=0, max_value=1000, default=0)


class MessageOutput(OutputSerializer):
    short_url = serializers.CharField(source="link.short_url", default=None, allow_null=True, read_only=True)

    class Meta:
        model = ScheduledMessage
        fields = ["id", "phase", "text", "link", "short_url", "position", "sent_at", "created_at"]


class MemberLinksInput(serializers.Serializer):
    members = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all(), many=True)

    def validate_members(self, value):
        if not 1 <= len(value) <= 500:
            raise serializers.ValidationError(_("Give 1 to 500 members."))
        return value


class MemberLinkOutput(serializers.Serializer):
    member = serializers.IntegerField()
    url = serializers.CharField()


@schema_view(
    list="Campaigns of the workspace, newest first",
    retrieve="One campaign with its phase schedule",
    destroy="Delete a campaign that has not started",
)
class CampaignViewSet(ReadDeleteViewSet):
    queryset = Campaign.objects.all()
    serializer_class = CampaignOutput
    filterset_fields = ["group", "phase"]
    search_fields = ["name", "slug"]
    ordering_fields = ["created_at", "name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_roles = {"member_links": MODERATE_ROLES}

    def get_queryset(self):
        return selectors.campaign_list(super().get_queryset()).order_by("-created_at", "-pk")

    def _fresh(self, campaign) -> Campaign:
        return selectors.campaign_list(Campaign.objects.filter(pk=campaign.pk)).get()

    @extend_schema(
        summary="Create a campaign with a start time per phase (phase is draft until preheat starts)",
        request=CampaignInput,
        responses={201: CampaignOutput, 400: campaign_error()},
    )
    def create(self, request):
        values = self.validated(CampaignInput)
        campaign = services.campaign_create(workspace=self.workspace, by=request.user, **values)
        return Response(CampaignOutput(self._fresh(campaign)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a campaign; new phase times reschedule its transitions",
        request=CampaignUpdateInput,
        responses={200: CampaignOutput, 400: campaign_error()},
    )
    def partial_update(self, request, pk=None):
        campaign = self.get_object()
        values = self.validated(CampaignUpdateInput, partial=True)
        services.campaign_update(campaign=campaign, by=request.user, **values)
        return Response(CampaignOutput(self._fresh(campaign)).data)

    def perform_destroy(self, instance):
        services.campaign_delete(campaign=instance, by=self.request.user)

    @extend_schema(
        summary="Each phase transition with its planned and actual time",
        responses=TransitionOutput(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def transitions(self, request, pk=None):
        campaign = self.get_object()
        return self.paginated(
            PhaseTransition.objects.filter(campaign=campaign).order_by("position"), TransitionOutput
        )

    @extend_schema(summary="The campaign's scheduled messages", responses=MessageOutput(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def messages(self, request, pk=None):
        campaign = self.get_object()
        rows = ScheduledMessage.objects.filter(campaign=campaign).select_related("link")
        return self.paginated(rows.order_by("phase", "position", "pk"), MessageOutput)

    @extend_schema(
        summary="Schedule a message for a phase (sent as a message.scheduled webhook when it starts)",
        request=MessageInput,
        responses={201: MessageOutput},
    )
    @messages.mapping.post
    def messages_create(self, request, pk=None):
        campaign = self.get_object()
        values = self.validated(MessageInput)
        message = services.message_create(campaign=campaign, by=request.user, **values)
        return Response(MessageOutput(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Remove a message that has not been sent", request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"messages/(?P<message_id>[0-9]+)")
    def message_delete(self, request, pk=None, message_id=None):
        campaign = self.get_object()
        message = get_object_or_404(ScheduledMessage, campaign=campaign, pk=message_id)
        services.message_delete(message=message, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Personal countdown links for members (the bot sends each their own; it lets them claim)",
        request=MemberLinksInput,
        responses=MemberLinkOutput(many=True),
    )
    @action(detail=True, methods=["post"], url_path="member-links")
    def member_links(self, request, pk=None):
        campaign = self.get_object()
        values = self.validated(MemberLinksInput)
        links = [
            {"member": member.pk, "url": services.member_link(campaign=campaign, member=member)}
            for member in values["members"]
        ]
        return Response(MemberLinkOutput(links, many=True).data)
