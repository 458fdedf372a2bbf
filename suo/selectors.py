"""Reads of the tenancy layer."""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from suo.models import InvitationState, Workspace, WorkspaceInvitation
from suo.tenancy import READ_ROLES, workspace_ids


def workspace_chosen(
    *, user, slug: str | None, roles: Iterable[str] = READ_ROLES
) -> tuple[Workspace | None, list[Workspace]]:
    """The workspace a page works in: the one `slug` names, if the user is a member of it (else a
    404), or the user's only workspace where their role is one of `roles`. None and the choices
    when there are several, or none at all."""
    if slug:
        workspace = Workspace.objects.filter(slug=slug, pk__in=workspace_ids(user)).first()
        if workspace is None:
            raise Http404(_("No such workspace, or you are not a member of it."))
        return workspace, []
    choices = list(Workspace.objects.filter(pk__in=workspace_ids(user, roles)).order_by("name"))
    return (choices[0], choices) if len(choices) == 1 else (None, choices)


def invitations_for_user(user) -> QuerySet[WorkspaceInvitation]:
    """Invitations addressed to `user`'s username, from any workspace, newest first."""
    return (
        WorkspaceInvitation.objects.filter(username=user.get_username())
        .select_related("workspace", "invited_by")
        .order_by("-created_at", "-pk")
    )


def invitations_of_workspace(workspace: Workspace) -> QuerySet[WorkspaceInvitation]:
    return (
        WorkspaceInvitation.objects.filter(workspace=workspace)
        .select_related("workspace", "invited_by")
        .order_by("-created_at", "-pk")
    )


def invitations_in_state(
    queryset: QuerySet[WorkspaceInvitation], state: str
) -> QuerySet[WorkspaceInvitation]:
    """Filter by the state people see: a pending invitation past its expiry is `expired`."""
    now = timezone.now()
    if state == InvitationState.EXPIRED:
        return queryset.filter(state=InvitationState.PENDING, expires_at__lte=now)
    if state == InvitationState.PENDING:
        return queryset.filter(state=InvitationState.PENDING, expires_at__gt=now)
    return queryset.filter(state=state)
