"""Workspace scoping for API views: every queryset and every write goes through here."""

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, serializers

from suo.models import Workspace
from suo.tenancy import CONFIGURE_ROLES, READ_ROLES, resolve_workspace, role_in, scoped

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass

WORKSPACE_HEADER = "X-Workspace"


class WorkspaceRolePermission(permissions.BasePermission):
    """Reads need one of the view's `read_roles`, writes one of its `write_roles`, in the workspace."""

    message = _("Your role in this workspace does not allow this.")

    def has_permission(self, request, view) -> bool:
        role = role_in(request.user, view.workspace)
        allowed = view.read_roles if request.method in permissions.SAFE_METHODS else view.write_roles
        allowed = getattr(view, "action_roles", {}).get(getattr(view, "action", None), allowed)
        return role in allowed


class WorkspaceScopedMixin:
    """Mix into a DRF view over rows that have a workspace.

    The workspace is the one named by the X-Workspace header, or the caller's only workspace.
    Querysets are restricted to it, created rows are saved into it, and the caller's role there
    decides what they may do (`read_roles`, `write_roles`, or per action `action_roles`).
    """

    read_roles = READ_ROLES
    write_roles = CONFIGURE_ROLES
    permission_classes: Sequence["_PermissionClass"] = [
        permissions.IsAuthenticated,
        WorkspaceRolePermission,
    ]

    @cached_property
    def workspace(self) -> Workspace:
        workspace = resolve_workspace(self.request.user, self.request.headers.get(WORKSPACE_HEADER))
        timezone.activate(workspace.timezone)
        return workspace

    def get_queryset(self):
        return scoped(super().get_queryset(), self.workspace)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request is not None and self.request.user.is_authenticated:
            context["workspace"] = self.workspace
        return context

    def perform_create(self, serializer):
        serializer.save(workspace=self.workspace)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to another row of the caller's workspace; rows of other workspaces do not exist."""

    def get_queryset(self):
        workspace = self.context.get("workspace")
        queryset = super().get_queryset()
        return scoped(queryset, workspace) if workspace is not None else queryset.none()
