"""What opens a group: invite codes and paid entitlements."""

from django.contrib import admin

from groups.models import (
    Entitlement,
    InviteCode,
)
from suo.admin_scoping import WorkspaceScopedAdmin


@admin.register(InviteCode)
class InviteCodeAdmin(WorkspaceScopedAdmin):
    list_display = ["code", "community", "uses", "max_uses", "expires_at", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "community__name", "note"]
    list_select_related = ["community"]
    readonly_fields = ["uses", "created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Entitlement)
class EntitlementAdmin(WorkspaceScopedAdmin):
    list_display = ["member", "product", "order_id", "granted_at", "expires_at", "revoked_at"]
    search_fields = ["member__display_name", "product", "order_id"]
    list_filter = ["product"]
    list_select_related = ["member"]
