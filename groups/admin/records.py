"""Workspace defaults, tags, and the read-only logs of what bots and platforms reported."""

from django.contrib import admin

from groups.models import (
    ActivityEvent,
    CommunityDefaults,
    InboundEvent,
    MessageDailyCount,
    Tag,
)
from groups.readonly_admin import ReadOnlyAdmin
from suo.admin_scoping import WorkspaceScopedAdmin


@admin.register(CommunityDefaults)
class CommunityDefaultsAdmin(WorkspaceScopedAdmin):
    list_display = ["workspace"]
    list_select_related = ["workspace"]


@admin.register(Tag)
class TagAdmin(WorkspaceScopedAdmin):
    list_display = ["name", "workspace"]
    search_fields = ["name"]
    list_select_related = ["workspace"]


@admin.register(InboundEvent)
class InboundEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "received_at"]
    list_filter = ["type"]
    search_fields = ["event_id"]


@admin.register(ActivityEvent)
class ActivityEventAdmin(ReadOnlyAdmin):
    list_display = ["member", "name", "campaign", "community", "at"]
    search_fields = ["member__display_name", "campaign", "name"]
    list_select_related = ["member", "community"]


@admin.register(MessageDailyCount)
class MessageDailyCountAdmin(ReadOnlyAdmin):
    list_display = ["day", "community", "member", "count"]
    list_select_related = ["member", "community"]
    date_hierarchy = "day"
