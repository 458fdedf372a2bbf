"""What opens a group: invite codes and paid entitlements, written by the same services as the API."""

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from groups import services
from groups.models import Entitlement, InviteCode
from suo.admin_scoping import ServiceDeleteMixin, WorkspaceScopedAdmin

INVITE_CODE_FIELDS = ["max_uses", "expires_at", "is_active", "note"]


@admin.register(InviteCode)
class InviteCodeAdmin(ServiceDeleteMixin, WorkspaceScopedAdmin):
    list_display = ["code", "community", "uses", "max_uses", "expires_at", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "community__name", "note"]
    list_select_related = ["community"]
    fields = ["workspace", "community", "code", *INVITE_CODE_FIELDS, "uses", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        # A code and its group never change (make a new code instead).
        return (
            ["uses", "created_by"]
            if obj is None
            else ["workspace", "community", "code", "uses", "created_by"]
        )

    def save_model(self, request, obj, form, change):
        self.ensure_may_write(request, obj)
        data = form.cleaned_data
        if change:
            changed = {name: data[name] for name in form.changed_data if name in INVITE_CODE_FIELDS}
            services.invite_code_update(invite=obj, by=request.user, **changed)
        else:
            obj.pk = services.invite_code_create(
                community=data["community"],
                code=data.get("code", ""),
                by=request.user,
                **{name: data[name] for name in INVITE_CODE_FIELDS},
            ).pk

    def delete_service(self, request, obj):
        services.invite_code_delete(invite=obj, by=request.user)


@admin.register(Entitlement)
class EntitlementAdmin(WorkspaceScopedAdmin):
    """Recorded once (entitlement_grant), then only revoked (a refund), as through the API."""

    list_display = ["member", "product", "order_id", "granted_at", "expires_at", "revoked_at"]
    search_fields = ["member__display_name", "product", "order_id"]
    list_filter = ["product"]
    list_select_related = ["member"]
    fields = ["workspace", "member", "product", "order_id", "granted_at", "expires_at", "revoked_at"]
    readonly_fields = ["revoked_at"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request) -> bool:
        return super().has_change_permission(request)

    def save_model(self, request, obj, form, change):
        self.ensure_may_write(request, obj)
        data = form.cleaned_data
        obj.pk = services.entitlement_grant(
            member=data["member"],
            product=data["product"],
            order_id=data.get("order_id", ""),
            granted_at=data["granted_at"],
            expires_at=data.get("expires_at"),
        ).pk

    @admin.action(description=_("Revoke the selected entitlements (refund)"), permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = 0
        for entitlement in queryset.filter(revoked_at__isnull=True):
            if self._may(request, entitlement, self.admin_write_roles):
                services.entitlement_revoke(entitlement=entitlement)
                revoked += 1
        self.message_user(request, gettext("%(count)s entitlement(s) revoked.") % {"count": revoked})
