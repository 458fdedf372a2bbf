"""Workspace invitations: /api/invitations/ (yours, to accept or decline) and
/api/workspace-invitations/ (the workspace's, for its owners to list and cancel).

Invitations are made by `POST /api/workspace-members/` (suo.api.workspaces).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from suo.api.schema import schema_view
from suo.api.scoping import WorkspaceScopedMixin
from suo.api.serializers import OutputSerializer
from suo.models import InvitationState, WorkspaceInvitation
from suo.selectors import invitations_for_user, invitations_in_state, invitations_of_workspace
from suo.services import invitation_accept, invitation_cancel, invitation_decline
from suo.tenancy import OWNER_ROLES

STATE_PARAMETER = OpenApiParameter(
    "state", str, enum=InvitationState.values, description="Only invitations in this state."
)


class InvitationOutput(OutputSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    workspace_name = serializers.CharField(source="workspace.name", read_only=True)
    state = serializers.ChoiceField(
        source="shown_state",
        choices=InvitationState.choices,
        help_text=_("pending, accepted, declined, cancelled, or expired (pending past its expiry)."),
    )
    invited_by = serializers.CharField(
        source="invited_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = WorkspaceInvitation
        fields = [
            "id",
            "workspace",
            "workspace_name",
            "username",
            "role",
            "state",
            "invited_by",
            "created_at",
            "expires_at",
            "decided_at",
        ]


def _filtered(view, queryset):
    state = view.request.query_params.get("state")
    return invitations_in_state(queryset, state) if state in InvitationState.values else queryset


@schema_view(
    list=extend_schema(summary="Invitations to workspaces addressed to you", parameters=[STATE_PARAMETER]),
    retrieve="One invitation addressed to you",
)
class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """No X-Workspace: these are the caller's own, from any workspace."""

    serializer_class = InvitationOutput
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []
    queryset = WorkspaceInvitation.objects.none()

    def get_queryset(self):
        return _filtered(self, invitations_for_user(self.request.user))

    @extend_schema(
        summary="Accept: you join the workspace with the invited role",
        request=None,
        responses={200: InvitationOutput},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        invitation = self.get_object()
        invitation_accept(invitation=invitation, user=request.user)
        return Response(InvitationOutput(invitations_for_user(request.user).get(pk=invitation.pk)).data)

    @extend_schema(summary="Decline: you do not join", request=None, responses={200: InvitationOutput})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        invitation = invitation_decline(invitation=self.get_object(), user=request.user)
        return Response(InvitationOutput(invitation).data)


@schema_view(
    list=extend_schema(summary="Invitations sent by the workspace (owners)", parameters=[STATE_PARAMETER]),
    retrieve="One invitation of the workspace (owners)",
    destroy="Cancel a pending invitation (owners)",
)
class WorkspaceInvitationViewSet(
    WorkspaceScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = InvitationOutput
    read_roles = OWNER_ROLES
    write_roles = OWNER_ROLES
    filter_backends: list = []
    queryset = WorkspaceInvitation.objects.none()

    def get_queryset(self):
        return _filtered(self, invitations_of_workspace(self.workspace))

    def destroy(self, request, pk=None):
        invitation_cancel(invitation=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
