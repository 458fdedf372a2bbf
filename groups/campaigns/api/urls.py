"""The campaigns API routes; suo/api/urls.py includes them."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from groups.campaigns.api.campaigns import CampaignViewSet
from groups.campaigns.api.fission import (
    ConversionsView,
    FollowUpViewSet,
    JoinsView,
    LeaderboardView,
    LuresView,
    ReferralViewSet,
)
from groups.campaigns.api.offers import OfferViewSet
from groups.campaigns.api.plays import PlayAlertViewSet, PlayViewSet

router = SimpleRouter()
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("plays", PlayViewSet, basename="play")
router.register("play-alerts", PlayAlertViewSet, basename="play-alert")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("follow-ups", FollowUpViewSet, basename="follow-up")

offers = OfferViewSet.as_view({"get": "list", "post": "create"})
offer = OfferViewSet.as_view({"get": "retrieve", "patch": "partial_update"})
claim = OfferViewSet.as_view({"post": "claim"})

urlpatterns = [
    path("referrals/leaderboard/", LeaderboardView.as_view(), name="referral-leaderboard"),
    path("campaigns/<int:campaign_pk>/offers/", offers, name="campaign-offers"),
    path("campaigns/<int:campaign_pk>/offers/<int:pk>/", offer, name="campaign-offer"),
    path("campaigns/<int:campaign_pk>/offers/<int:pk>/claim/", claim, name="campaign-offer-claim"),
    path("campaigns/<int:campaign_pk>/lures/", LuresView.as_view(), name="campaign-lures"),
    path("campaigns/<int:campaign_pk>/joins/", JoinsView.as_view(), name="campaign-joins"),
    path("campaigns/<int:campaign_pk>/conversions/", ConversionsView.as_view(), name="campaign-conversions"),
    path("", include(router.urls)),
]
