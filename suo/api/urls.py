"""The API router: each app registers its viewsets here as its issue lands."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from content.api import ROUTES as CONTENT_ROUTES
from groups.api import CommunityViewSet, EntitlementViewSet, EventsView, InviteCodeViewSet, MemberViewSet
from groups.dashboards.api import (
    ColdGroupViewSet,
    HealthView,
    LifecycleSettingsView,
    MigrationPreviewView,
    MigrationViewSet,
    OverviewView,
    RetentionView,
)
from groups.moderation.api import (
    AppealViewSet,
    DeskPreviewView,
    DeskSearchView,
    LadderViewSet,
    RuleViewSet,
    ViolationViewSet,
)
from links.api import LinkFromQrView, LinkSettingsView, LinkViewSet, PlatformsView
from links.livecodes.api import LiveCodeAlertViewSet, LiveCodeViewSet
from suo.api.audit import AuditRecordViewSet
from suo.api.invitations import InvitationViewSet, WorkspaceInvitationViewSet
from suo.api.webhooks import WebhookEndpointViewSet
from suo.api.workspaces import WorkspaceMemberViewSet, WorkspaceViewSet

router = DefaultRouter()
router.register("workspaces", WorkspaceViewSet, basename="workspace")
router.register("workspace-members", WorkspaceMemberViewSet, basename="workspace-member")
router.register("workspace-invitations", WorkspaceInvitationViewSet, basename="workspace-invitation")
router.register("invitations", InvitationViewSet, basename="invitation")
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
for prefix, viewset, basename in CONTENT_ROUTES:
    router.register(prefix, viewset, basename=basename)
router.register("cold-groups", ColdGroupViewSet, basename="cold-group")
router.register("migrations", MigrationViewSet, basename="migration")

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
    path("metrics/overview/", OverviewView.as_view(), name="metrics-overview"),
    path("metrics/retention/", RetentionView.as_view(), name="metrics-retention"),
    path("metrics/health/", HealthView.as_view(), name="metrics-health"),
    path("lifecycle-settings/", LifecycleSettingsView.as_view(), name="lifecycle-settings"),
    # Before the router, whose migrations/{pk}/ would otherwise take "preview".
    path("migrations/preview/", MigrationPreviewView.as_view(), name="migration-preview"),
    path("", include("groups.campaigns.api.urls")),
    path("", include(router.urls)),
]
