"""/api/plays/: benefit groups' calendar of lotteries, check-ins and group-buys; /api/play-alerts/."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from groups.campaigns import selectors, services
from groups.campaigns.api.common import campaign_error
from groups.campaigns.models import Play, PlayAlert, PlayEntry, PlayKind
from groups.campaigns.models.plays import PLAY_SLOT, PLAY_TERMS
from groups.models import Community, Member
from suo.api.schema import schema_view
from suo.api.scoping import ScopedPrimaryKeyRelatedField
from suo.api.serializers import OutputSerializer
from suo.api.viewsets import ReadViewSet
from suo.tenancy import MODERATE_ROLES


class PlayInput(serializers.Serializer):
    group = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all(), help_text="A benefit group.")
    kind = serializers.ChoiceField(choices=PlayKind.choices)
    title = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Default: the kind's name (e.g. 抽奖)."
    )
    description = serializers.CharField(required=False, allow_blank=True)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    winners_count = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="lottery"
    )
    prize = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Prize or reward."
    )
    streak_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=366,
        help_text="checkin: reward at this streak",
    )
    min_participants = serializers.IntegerField(
        required=False, allow_null=True, min_value=2, help_text="group_buy: unlocks at this many"
    )
    deal_price = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, min_value=0, help_text="group_buy"
    )


class PlayOutput(OutputSerializer):
    status = serializers.SerializerMethodField(
        help_text="scheduled, open, closing (time is up, not settled yet), or the outcome."
    )
    seed = serializers.SerializerMethodField(help_text="Null until the lottery is drawn.")
    entries = serializers.IntegerField(source="entry_count", read_only=True)
    participants = serializers.IntegerField(source="participant_count", read_only=True)

    class Meta:
        model = Play
        fields = [
            "id",
            *PLAY_SLOT,
            "status",
            "outcome",
            *PLAY_TERMS,
            "commitment",
            "seed",
            "entries",
            "participants",
            "unlocked_at",
            "closed_at",
            "created_at",
        ]

    @extend_schema_field(
        serializers.ChoiceField(
            choices=["scheduled", "open", "closing", "drawn", "succeeded", "failed", "finished"]
        )
    )
    def get_status(self, play) -> str:
        if play.outcome:
            return play.outcome
        now = timezone.now()
        if now < play.opens_at:
            return "scheduled"
        return "open" if now < play.closes_at else "closing"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_seed(self, play) -> str | None:
        return play.seed if play.outcome == "drawn" else None


class PlayEntryInput(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())
    order_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="group_buy: the paid deposit's order, refunded on failure.",
    )


class PlayEntryOutput(OutputSerializer):
    class Meta:
        model = PlayEntry
        fields = ["id", "play", "member", "day", "streak", "order_id", "state", "rank", "created_at"]


class DrawOutput(serializers.Serializer):
    winners = serializers.ListField(
        child=serializers.IntegerField(), help_text="Member ids, best score first."
    )
    seed = serializers.CharField()
    commitment = serializers.CharField()


class VerifyOutput(serializers.Serializer):
    commitment = serializers.CharField(allow_null=True, help_text="SHA-256 hex of the seed's hex string.")
    seed = serializers.CharField(
        allow_null=True, help_text="64 lowercase hex characters; null until the draw."
    )
    algorithm = serializers.CharField()
    entries = serializers.ListField(child=serializers.IntegerField(), help_text="Member ids of every entry.")
    winners = serializers.ListField(
        child=serializers.IntegerField(), help_text="Member ids, in winning order."
    )


class PlayFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(
        field_name="closes_at", lookup_expr="gte", help_text="Closing from."
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="opens_at", lookup_expr="lt", help_text="Opening before."
    )

    class Meta:
        model = Play
        fields = ["group", "kind", "outcome", "since", "until"]


@schema_view(
    list="The calendar of plays (by opening time); filter by group, kind, since, until",
    retrieve="One play (a lottery shows its commitment; the seed is null until the draw)",
)
class PlayViewSet(ReadViewSet):
    queryset = Play.objects.all()
    serializer_class = PlayOutput
    filterset_class = PlayFilter
    ordering_fields = ["opens_at", "closes_at"]
    action_roles = {"entries_create": MODERATE_ROLES}

    def get_queryset(self):
        return selectors.play_list(super().get_queryset())

    def _fresh(self, play):
        return selectors.play_list(Play.objects.filter(pk=play.pk)).get()

    @extend_schema(
        summary="Put a play on a benefit group's calendar",
        request=PlayInput,
        responses={201: PlayOutput, 400: campaign_error()},
    )
    def create(self, request):
        values = self.validated(PlayInput)
        values = {key: value for key, value in values.items() if value is not None}
        play = services.play_create(workspace=self.workspace, by=request.user, **values)
        return Response(PlayOutput(self._fresh(play)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The play's entries (check-ins: one per member per day)", responses=PlayEntryOutput(many=True)
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def entries(self, request, pk=None):
        play = self.get_object()
        return self.paginated(
            PlayEntry.objects.filter(play=play).order_by("created_at", "pk"), PlayEntryOutput
        )

    @extend_schema(
        summary="Enter a member (lottery, group-buy) or check them in for today (checkin)",
        request=PlayEntryInput,
        responses={201: PlayEntryOutput, 400: campaign_error("Outside the window, or already in.")},
    )
    @entries.mapping.post
    def entries_create(self, request, pk=None):
        play = self.get_object()
        values = self.validated(PlayEntryInput)
        entry = services.play_enter(play=play, by=request.user, **values)
        return Response(PlayEntryOutput(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Draw a lottery once its window closed (it is also drawn by itself at closing time)",
        request=None,
        responses={200: DrawOutput, 400: campaign_error("Still open, or not a lottery.")},
    )
    @action(detail=True, methods=["post"])
    def draw(self, request, pk=None):
        play = services.play_draw(play=self.get_object(), by=request.user)
        return Response(
            DrawOutput(
                {"winners": selectors.play_winner_ids(play), "seed": play.seed, "commitment": play.commitment}
            ).data
        )

    @extend_schema(
        summary="Everything needed to re-run the draw and check the winners", responses=VerifyOutput
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def verify(self, request, pk=None):
        return Response(VerifyOutput(selectors.play_verify(self.get_object())).data)


class PlayAlertOutput(OutputSerializer):
    play_title = serializers.CharField(source="play.title", read_only=True)

    class Meta:
        model = PlayAlert
        fields = ["id", "group", "play", "play_title", "kind", "message", "details", "created_at", "read_at"]


@schema_view(
    list="Fatigue warnings about benefit groups' plays, newest first", retrieve="One fatigue warning"
)
class PlayAlertViewSet(ReadViewSet):
    queryset = PlayAlert.objects.select_related("play").order_by("-created_at", "-pk")
    serializer_class = PlayAlertOutput
    filterset_fields = ["group", "kind"]
