"""Workspace scoping for the admin: non-superusers see and change only their workspaces' rows.

What a user may do follows their workspace role, not Django's per-model permissions: any role
reads, `admin_write_roles` (owners and operators by default) add, change and delete.

Admins write through the apps' services. When a service (or the model layer) refuses a save with
a ValidationError, the whole save is rolled back and the form comes back with the error, as for
any other bad input: never a 500, never half a save.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from suo.models import Workspace
from suo.tenancy import CONFIGURE_ROLES, READ_ROLES, role_in, scoped, workspace_ids
from suo.workspace_integrity import check_workspace


def _workspace_id_of(obj) -> int | None:
    if isinstance(obj, Workspace):
        return obj.pk
    return getattr(obj, "workspace_id", None)


class ScopedRawIdWidget(widgets.ForeignKeyRawIdWidget):
    """A raw-id input whose label (shown next to the id, also for an id typed or passed in the
    URL) is looked up among the user's rows only: a guessed id of another workspace shows
    nothing, as if it did not exist."""

    def __init__(self, rel, admin_site, attrs=None, using=None, *, rows):
        super().__init__(rel, admin_site, attrs, using)
        self.rows = rows

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            if not self.rows.filter(**{key: value}).exists():
                return "", ""
        except (ValueError, TypeError, ValidationError):
            return "", ""
        return super().label_and_url_for_value(value)


_REFUSAL_ATTR = "_suo_admin_refusal"


def form_add_refusal(form, refusal: ValidationError) -> None:
    """Show a service's refusal on `form`: each error at its field, or above the form when the
    form has no such field."""
    errors = refusal.error_dict.items() if hasattr(refusal, "error_dict") else [(None, refusal.error_list)]
    for field, messages_ in errors:
        form.add_error(field if field in form.fields else None, messages_)


def _with_refusal(form_class, refusal: ValidationError):
    """`form_class`, failing validation with the errors of a refused save."""

    class RefusedForm(form_class):
        def _post_clean(self):
            super()._post_clean()
            form_add_refusal(self, refusal)

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


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
            if db_field.name in self.raw_id_fields and "widget" not in kwargs:
                kwargs["widget"] = ScopedRawIdWidget(
                    db_field.remote_field, self.admin_site, using=kwargs.get("using"), rows=kwargs["queryset"]
                )
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

    def ensure_may_write(self, request, obj) -> None:
        """Refuse a save into a workspace where the user's role does not allow writing."""
        scoped_row = _workspace_id_of(obj) is not None and not isinstance(obj, Workspace)
        if scoped_row and not self._may(request, obj, self.admin_write_roles):
            raise PermissionDenied(_("Your role in this workspace does not allow this."))

    def save_form(self, request, form, change):
        """The row as the form made it; its related rows (also those a service will only read,
        and the many-to-many choices) must be of its workspace, else the form shows the error."""
        obj = super().save_form(request, form, change)
        chosen = {
            name: form.cleaned_data.get(name) or []
            for name in form.cleaned_data
            if isinstance(form.fields.get(name), forms.ModelMultipleChoiceField)
        }
        check_workspace(obj, many_to_many=chosen)
        return obj

    def save_model(self, request, obj, form, change):
        self.ensure_may_write(request, obj)
        super().save_model(request, obj, form, change)

    # --- a refusal while saving is a form error ---
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refusal:
            if request.method != "POST" or hasattr(request, _REFUSAL_ATTR):
                raise
            # The save ran in one transaction, now rolled back: show the form again with the error.
            setattr(request, _REFUSAL_ATTR, refusal)
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            finally:
                delattr(request, _REFUSAL_ATTR)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, _REFUSAL_ATTR, None)
        return form if refusal is None else _with_refusal(form, refusal)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as refusal:
            self.message_user(request, " ".join(refusal.messages), messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
            )

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


class ReadOnlyMixin:
    """Rows only services write (logs, transitions, claims, penalties…): shown, never added, edited
    or deleted by hand."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AddThenShowMixin:
    """Rows added through a short form (`add_fields`) and afterwards only shown (`shown_fields`, all
    read-only): what happens to them next is the services' business (actions, buttons)."""

    add_fields: list[str] = []
    shown_fields: list[str] = []

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.shown_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.shown_fields


class ReadOnlyScopedAdmin(ReadOnlyMixin, WorkspaceScopedAdmin):
    """A record nobody edits in the admin (a log, a trail): shown only to `admin_read_roles`, and
    only in the workspaces where they hold such a role (superusers see every row)."""

    admin_read_roles = READ_ROLES

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return scoped(queryset, workspace_ids(request.user, self.admin_read_roles))

    def has_module_permission(self, request):
        return self._may(request, None, self.admin_read_roles)

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj, self.admin_read_roles)


class ServiceDeleteMixin:
    """Deletes in the admin, one row or a selection, go through `delete_service(request, obj)`:
    the service the API calls, with its audit record. `delete_refusal(obj)` (the service's own
    check, if it has one) lists a row that may not go on Django's "cannot delete" page."""

    def delete_service(self, request, obj) -> None:
        raise NotImplementedError

    def delete_refusal(self, obj) -> str | None:
        return None

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        refused = [f"{obj}: {reason}" for obj in objs if (reason := self.delete_refusal(obj))]
        return deleted, counts, perms_needed, [*protected, *refused]

    def delete_model(self, request, obj):
        self.delete_service(request, obj)

    def delete_queryset(self, request, queryset):
        try:
            with transaction.atomic():
                for obj in queryset:
                    self.delete_service(request, obj)
        except ValidationError as refusal:  # refused meanwhile: nothing of the selection is deleted
            self.message_user(request, " ".join(refusal.messages), messages.ERROR)


class WorkspaceInlineFormSet(forms.BaseInlineFormSet):
    """Rows of an inline belong to the parent row's workspace: copied, never chosen."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        workspace_id = _workspace_id_of(self.instance)
        if workspace_id is not None and getattr(form.instance, "workspace_id", "") is None:
            form.instance.workspace_id = workspace_id
        return form


class WorkspaceScopedInline(WorkspaceScopedAdminMixin, admin.TabularInline):
    """For inlines, `obj` in the permission checks is the parent row; the rows take the parent's
    workspace (the field is not on the form)."""

    formset = WorkspaceInlineFormSet

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields.pop("workspace", None)
        return formset
