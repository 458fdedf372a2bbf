"""The API router: each app registers its viewsets here as its issue lands."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from groups.api import CommunityViewSet, EntitlementViewSet, EventsView, InviteCodeViewSet, MemberViewSet
from links.api import LinkSettingsView, LinkViewSet, PlatformsView
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

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("platforms/", PlatformsView.as_view(), name="platforms"),
    path("link-settings/", LinkSettingsView.as_view(), name="link-settings"),
    path("events/", EventsView.as_view(), name="events"),
    path("", include(router.urls)),
]
