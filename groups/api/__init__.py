"""The groups API: groups, members, memberships (join / leave), group roles, invite codes,
entitlements and the events endpoint for bots and platform integrations (one module each);
suo.api.urls routes to the views listed here."""

from groups.api.communities import CommunityViewSet
from groups.api.events import EventsView
from groups.api.members import EntitlementViewSet, InviteCodeViewSet, MemberViewSet

__all__ = ["CommunityViewSet", "EntitlementViewSet", "EventsView", "InviteCodeViewSet", "MemberViewSet"]
