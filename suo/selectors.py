"""Reads of the tenancy layer."""

from django.db.models import QuerySet
from django.utils import timezone

from suo.models import InvitationState, Workspace, WorkspaceInvitation


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
