"""/api/campaigns/{id}/offers/: limited offers with what remains, and claims during ignite."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from groups.campaigns import selectors, services
from groups.campaigns.api.common import IDEMPOTENCY_HEADER, IDEMPOTENCY_PARAMETER, campaign_error
from groups.campaigns.models import Campaign, Claim, Offer
from groups.models import Member
from suo.api.errors import error_body
from suo.api.scoping import ScopedPrimaryKeyRelatedField, WorkspaceScopedMixin
from suo.api.serializers import OutputSerializer
from suo.api.viewsets import ServiceApiMixin
from suo.tenancy import MODERATE_ROLES, scoped


class OfferInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    stock = serializers.IntegerField(min_value=0, max_value=10_000_000)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    per_member_limit = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    position = serializers.IntegerField(min_value=0, max_value=1000, default=0)


class OfferUpdateInput(OfferInput):
    name = serializers.CharField(max_length=100, required=False)
    stock = serializers.IntegerField(
        min_value=0, max_value=10_000_000, required=False, help_text="Never below what was already claimed."
    )
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
    per_member_limit = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False)


class OfferOutput(OutputSerializer):
    remaining = serializers.IntegerField(read_only=True)

    class Meta:
        model = Offer
        fields = [
            "id",
            "campaign",
            "name",
            "price",
            "stock",
            "claimed",
            "remaining",
            "per_member_limit",
            "position",
        ]


class ClaimInput(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())


class ClaimOutput(OutputSerializer):
    remaining = serializers.IntegerField(
        source="remaining_after", help_text="Stock left right after this claim."
    )
    member_claims = serializers.IntegerField(
        source="seq", help_text="This member's claims of the offer so far."
    )
    per_member_limit = serializers.IntegerField(source="offer.per_member_limit")
    claimed_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Claim
        fields = [
            "id",
            "campaign",
            "offer",
            "member",
            "member_claims",
            "per_member_limit",
            "remaining",
            "via",
            "claimed_at",
        ]


class OfferViewSet(ServiceApiMixin, WorkspaceScopedMixin, viewsets.GenericViewSet):
    """A flash campaign's limited-stock offers (name, price, stock, per-member limit) with what is left."""

    # Mounted under /api/campaigns/{campaign_pk}/offers/ (see groups/campaigns/api/urls.py).

    queryset = Offer.objects.all()
    serializer_class = OfferOutput
    filter_backends = []
    action_roles = {"claim": MODERATE_ROLES}

    def campaign(self) -> Campaign:
        return get_object_or_404(
            scoped(Campaign.objects.all(), self.workspace), pk=self.kwargs["campaign_pk"]
        )

    def get_queryset(self):
        # Through the campaign's own lookup: a campaign id no column can hold is a 404, not a 500.
        return super().get_queryset().filter(campaign=self.campaign()).order_by("position", "pk")

    @extend_schema(summary="The campaign's offers with the stock remaining", responses=OfferOutput(many=True))
    def list(self, request, campaign_pk=None):
        offers = selectors.offer_list(self.campaign())
        return self.paginated(offers, OfferOutput)

    @extend_schema(summary="One offer", responses=OfferOutput)
    def retrieve(self, request, campaign_pk=None, pk=None):
        return Response(OfferOutput(self.get_object()).data)

    @extend_schema(
        summary="Add a limited offer (name, stock, price, limit per member)",
        request=OfferInput,
        responses={201: OfferOutput, 400: campaign_error()},
    )
    def create(self, request, campaign_pk=None):
        campaign = self.campaign()
        values = self.validated(OfferInput)
        offer = services.offer_create(campaign=campaign, by=request.user, **values)
        return Response(OfferOutput(offer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an offer; the stock cannot go below what was claimed",
        request=OfferUpdateInput,
        responses={200: OfferOutput, 400: campaign_error()},
    )
    def partial_update(self, request, campaign_pk=None, pk=None):
        offer = self.get_object()
        values = self.validated(OfferUpdateInput, partial=True)
        offer = services.offer_update(offer=offer, by=request.user, **values)
        return Response(OfferOutput(offer).data)

    @extend_schema(
        summary="Claim one unit for a member during ignite",
        description=(
            "201 with the claim. 409 `sold_out` when no stock is left; 400 `over_limit` past the member's "
            "limit, `not_started` / `campaign_closed` outside the ignite phase. With an `Idempotency-Key` "
            "header a retried request gets the first answer (the same claim, 201) and claims nothing more."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=ClaimInput,
        responses={
            201: ClaimOutput,
            400: campaign_error("Over the limit, or outside ignite."),
            409: campaign_error("Sold out."),
        },
    )
    def claim(self, request, campaign_pk=None, pk=None):
        offer = self.get_object()
        values = self.validated(ClaimInput)
        try:
            claim = services.offer_claim(
                offer=offer,
                member=values["member"],
                by=request.user,
                idempotency_key=request.headers.get(IDEMPOTENCY_HEADER, ""),
            )
        except services.SoldOut as sold_out:
            return Response(error_body(sold_out.code, str(sold_out)), status=status.HTTP_409_CONFLICT)
        response = Response(ClaimOutput(claim).data, status=status.HTTP_201_CREATED)
        if claim.replayed:
            response["Idempotent-Replayed"] = "true"
        return response
