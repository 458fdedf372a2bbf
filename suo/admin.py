from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from suo.admin_scoping import WorkspaceScopedAdmin, WorkspaceScopedInline
from suo.models import Role, Workspace, WorkspaceMembership
from suo.services import ensure_an_owner_remains, workspace_member_remove, workspace_member_set
from suo.tenancy import OWNER_ROLES


class MembershipForm(forms.ModelForm):
    class Meta:
        model = WorkspaceMembership
        fields = ["workspace", "user", "role"]

    def clean(self):
        cleaned = super().clean()
        leaving_owner = self.instance.pk and self.instance.role == Role.OWNER
        if leaving_owner and (cleaned.get("role") != Role.OWNER or cleaned.get("DELETE")):
            ensure_an_owner_remains(self.instance.workspace, self.instance, lock=False)
        return cleaned


class OwnerKeepingFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept_roles = [
            form.cleaned_data.get("role")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if self.instance.pk and Role.OWNER not in kept_roles:
            raise ValidationError(_("A workspace needs at least one owner: make someone else owner first."))


class WorkspaceMembershipInline(WorkspaceScopedInline):
    model = WorkspaceMembership
    form = MembershipForm
    formset = OwnerKeepingFormSet
    admin_write_roles = OWNER_ROLES
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Workspace)
class WorkspaceAdmin(WorkspaceScopedAdmin):
    admin_write_roles = OWNER_ROLES
    list_display = ["name", "slug", "timezone", "member_count", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [WorkspaceMembershipInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, workspace: Workspace) -> int:
        return workspace.member_count

    def has_add_permission(self, request, *args):
        # Creating workspaces is for superusers here; anyone else uses the API or createworkspace.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_formset(self, request, form, formset, change):
        """Role changes go through the services, which keep at least one owner per workspace."""
        if formset.model is not WorkspaceMembership:
            return super().save_formset(request, form, formset, change)
        with transaction.atomic():
            for membership in formset.save(commit=False):
                workspace_member_set(workspace=form.instance, user=membership.user, role=membership.role)
            for membership in formset.deleted_objects:
                workspace_member_remove(membership=membership)


@admin.register(WorkspaceMembership)
class WorkspaceMembershipAdmin(WorkspaceScopedAdmin):
    admin_write_roles = OWNER_ROLES
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role", "workspace"]
    list_select_related = ["user", "workspace"]
    search_fields = ["user__username", "workspace__name"]
    form = MembershipForm

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)  # checks the role in obj.workspace
        workspace_member_set(workspace=obj.workspace, user=obj.user, role=obj.role)

    def delete_model(self, request, obj):
        try:
            workspace_member_remove(membership=obj)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), level=messages.ERROR)
