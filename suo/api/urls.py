"""The API router: each app registers its viewsets here as its issue lands."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from groups.api import CommunityViewSet, EntitlementViewSet, EventsView, InviteCodeViewSet, MemberViewSet
from groups.moderation_api import (
    AppealViewSet,
    DeskPreviewView,
    DeskSearchView,
    LadderViewSet,
    RuleViewSet,
    ViolationViewSet,
)
from links.api import LinkSettingsView, LinkViewSet, PlatformsView
from links.livecodes.api import LinkFromQrView, LiveCodeAlertViewSet, LiveCodeViewSet
from suo.api.audit import AuditRecordViewSet
from suo.api.webhooks import WebhookEndpointViewSet
from suo.api.workspaces import WorkspaceMemberViewSet, WorkspaceViewSet

router = DefaultRouter()
router.register("workspaces", WorkspaceViewSet, basename="workspace")
router.register("workspace-members", WorkspaceMemberViewSet, basename="workspace-member")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
router.register("groups", CommunityViewSet, basename="group")
router.register("members", MemberViewSet, basename="member")
router.register("invite-codes", InviteCodeViewSet, basename="invite-code")
router.register("entitlements", EntitlementViewSet, basename="entitlement")
router.register("links", LinkViewSet, basename="link")
router.register("live-codes", LiveCodeViewSet, basename="live-code")
router.register("live-code-alerts", LiveCodeAlertViewSet, basename="live-code-alert")
router.register("violations", ViolationViewSet, basename="violation")
router.register("appeals", AppealViewSet, basename="appeal")
router.register("rules", RuleViewSet, basename="rule")
router.register("ladders", LadderViewSet, basename="ladder")
router.register("audit", AuditRecordViewSet, basename="audit")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("platforms/", PlatformsView.as_view(), name="platforms"),
    path("link-settings/", LinkSettingsView.as_view(), name="link-settings"),
    path("events/", EventsView.as_view(), name="events"),
    # Before the router, whose links/{pk}/ would otherwise take "from-qr".
    path("links/from-qr/", LinkFromQrView.as_view(), name="link-from-qr"),
    path("desk/members/", DeskSearchView.as_view(), name="desk-members"),
    path("desk/preview/", DeskPreviewView.as_view(), name="desk-preview"),
    path("", include("groups.campaigns.api.urls")),
    path("", include(router.urls)),
]
