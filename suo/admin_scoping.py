"""Workspace scoping for the admin: non-superusers see and change only their workspaces' rows.

What a user may do follows their workspace role, not Django's per-model permissions: any role
reads, `admin_write_roles` (owners and operators by default) add, change and delete.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from suo.models import Workspace
from suo.tenancy import CONFIGURE_ROLES, READ_ROLES, role_in, scoped, workspace_ids


def _workspace_id_of(obj) -> int | None:
    if isinstance(obj, Workspace):
        return obj.pk
    return getattr(obj, "workspace_id", None)


def _is_scoped_model(model) -> bool:
    return model is Workspace or any(field.name == "workspace" for field in model._meta.get_fields())


class WorkspaceScopedAdminMixin:
    admin_write_roles = CONFIGURE_ROLES

    # --- what rows exist for this user ---
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return scoped(queryset, workspace_ids(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if not request.user.is_superuser and related is get_user_model():
            # Only people who share a workspace with this user; other tenants' users stay unseen.
            kwargs["queryset"] = related._default_manager.filter(
                workspace_memberships__workspace__in=workspace_ids(request.user)
            ).distinct()
        elif not request.user.is_superuser and _is_scoped_model(related):
            roles = self.admin_write_roles if related is Workspace else READ_ROLES
            queryset = kwargs.get("queryset") or related._default_manager.all()
            kwargs["queryset"] = scoped(queryset, workspace_ids(request.user, roles))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.related_model
        if not request.user.is_superuser and _is_scoped_model(related):
            queryset = kwargs.get("queryset") or related._default_manager.all()
            kwargs["queryset"] = scoped(queryset, workspace_ids(request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        writable = workspace_ids(request.user, self.admin_write_roles)
        if len(writable) == 1 and "workspace" not in initial:
            initial["workspace"] = writable[0]
        return initial

    def save_model(self, request, obj, form, change):
        workspace_id = _workspace_id_of(obj)
        scoped_row = workspace_id is not None and not isinstance(obj, Workspace)
        if (
            scoped_row
            and not request.user.is_superuser
            and role_in(request.user, workspace_id) not in self.admin_write_roles
        ):
            raise PermissionDenied(_("Your role in this workspace does not allow this."))
        super().save_model(request, obj, form, change)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another workspace's row must look exactly like a row that does not exist: a 404.
        raise Http404(_("Not found in your workspaces."))

    # --- what this user may do, from their workspace roles ---
    def _may(self, request, obj, roles) -> bool:
        if request.user.is_superuser:
            return True
        if obj is None:
            return bool(workspace_ids(request.user, roles))
        return role_in(request.user, _workspace_id_of(obj)) in roles

    def has_module_permission(self, request):
        return self._may(request, None, READ_ROLES)

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj, READ_ROLES)

    def has_add_permission(self, request, *args):
        return self._may(request, None, self.admin_write_roles)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj, self.admin_write_roles)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, obj, self.admin_write_roles)


class WorkspaceScopedAdmin(WorkspaceScopedAdminMixin, admin.ModelAdmin):
    pass


class WorkspaceScopedInline(WorkspaceScopedAdminMixin, admin.TabularInline):
    """For inlines, `obj` in the permission checks is the parent row."""
