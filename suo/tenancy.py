"""The one place that scopes data to workspaces.

The API (suo.api.scoping), the admin (suo.admin_scoping) and the dashboards all call these
functions; none of them filters by workspace on its own.
"""

from collections.abc import Iterable
from typing import TypeVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from suo.models import Role, Workspace, WorkspaceMembership

READ_ROLES = frozenset(Role.values)
MODERATE_ROLES = frozenset({Role.OWNER, Role.OPERATOR, Role.MODERATOR})
CONFIGURE_ROLES = frozenset({Role.OWNER, Role.OPERATOR})
OWNER_ROLES = frozenset({Role.OWNER})

ModelT = TypeVar("ModelT", bound=models.Model)

_ROLES_CACHE_ATTR = "_suo_workspace_roles"


class WorkspaceError(Exception):
    """The request's workspace cannot be decided; `message` tells the user what to do."""

    code = "workspace"
    message = ""

    def __str__(self) -> str:
        return str(self.message)


class WorkspaceNotFound(WorkspaceError):
    code = "workspace_not_found"
    message = _("No such workspace, or you are not a member of it.")


class WorkspaceAmbiguous(WorkspaceError):
    code = "workspace_required"
    message = _(
        "You belong to several workspaces: name one with the X-Workspace header (its slug), "
        "for example “X-Workspace: demo”."
    )


class NoWorkspace(WorkspaceError):
    code = "no_workspace"
    message = _("You are not a member of any workspace yet. Ask a workspace owner to add you.")


def workspace_roles(user) -> dict[int, str]:
    """{workspace id: role} for the user; cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated:
        return {}
    roles = getattr(user, _ROLES_CACHE_ATTR, None)
    if roles is None:
        roles = dict(WorkspaceMembership.objects.filter(user=user).values_list("workspace_id", "role"))
        setattr(user, _ROLES_CACHE_ATTR, roles)
    return roles


def forget_workspace_roles(user) -> None:
    """Drop the cached roles after the user's memberships changed."""
    if hasattr(user, _ROLES_CACHE_ATTR):
        delattr(user, _ROLES_CACHE_ATTR)


def role_in(user, workspace: Workspace | int) -> str | None:
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    return workspace_roles(user).get(workspace_id)


def workspace_ids(user, roles: Iterable[str] = READ_ROLES) -> list[int]:
    allowed = set(roles)
    return sorted(ws_id for ws_id, role in workspace_roles(user).items() if role in allowed)


def workspace_lookup(model: type[models.Model]) -> str:
    """The query path from a model to its workspace id; models override it with `workspace_path`."""
    return getattr(model, "workspace_path", "workspace")


def scoped(
    queryset: models.QuerySet[ModelT], workspaces: Workspace | Iterable[int]
) -> models.QuerySet[ModelT]:
    """Rows of `queryset` that belong to the given workspace(s), and nothing else."""
    path = workspace_lookup(queryset.model)
    if isinstance(workspaces, Workspace):
        return queryset.filter(**{path: workspaces.pk})
    return queryset.filter(**{f"{path}__in": list(workspaces)})


def scoped_for_user(
    queryset: models.QuerySet[ModelT], user, roles: Iterable[str] = READ_ROLES
) -> models.QuerySet[ModelT]:
    """Rows of the workspaces where `user` holds one of `roles`; everything for superusers."""
    if user.is_superuser:
        return queryset
    return scoped(queryset, workspace_ids(user, roles))


def resolve_workspace(user, slug: str | None) -> Workspace:
    """The workspace a request acts in: the one named by `slug`, or the user's only one."""
    roles = workspace_roles(user)
    if slug:
        workspace = Workspace.objects.filter(slug=slug, pk__in=list(roles)).first()
        if workspace is None:
            raise WorkspaceNotFound
        return workspace
    if not roles:
        raise NoWorkspace
    if len(roles) > 1:
        raise WorkspaceAmbiguous
    return Workspace.objects.get(pk=next(iter(roles)))
