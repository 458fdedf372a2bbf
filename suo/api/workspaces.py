"""/api/workspaces/ (the caller's workspaces) and /api/workspace-members/ (who works in one).

Nobody is added to a workspace without their consent: `POST /api/workspace-members/` makes an
invitation (202), which the invitee accepts at /api/invitations/ (suo.api.invitations).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from suo.api.invitations import InvitationOutput
from suo.api.schema import schema_view
from suo.api.scoping import WorkspaceScopedMixin
from suo.models import Role, Workspace, WorkspaceMembership
from suo.services import (
    invitation_create,
    workspace_create,
    workspace_member_remove,
    workspace_member_set,
)
from suo.tenancy import OWNER_ROLES, role_in, scoped, workspace_ids


class WorkspaceSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text=_("Your role in this workspace."))

    class Meta:
        model = Workspace
        fields = ["id", "name", "slug", "timezone", "role", "created_at"]
        read_only_fields = ["id", "role", "created_at"]
        extra_kwargs = {"slug": {"required": False}}

    def get_role(self, workspace: Workspace) -> str | None:
        return role_in(self.context["request"].user, workspace)


@schema_view(
    list="The workspaces you belong to, with your role in each",
    create="Create a workspace; you become its owner",
    partial_update="Rename a workspace or change its time zone (owners)",
)
class WorkspaceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = WorkspaceSerializer
    queryset = Workspace.objects.order_by("name", "pk")
    lookup_field = "slug"
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "post", "patch", "head", "options"]
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return scoped(super().get_queryset(), workspace_ids(self.request.user))

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = workspace_create(
            name=data["name"],
            slug=data.get("slug", ""),
            timezone=data.get("timezone", ""),
            owner=self.request.user,
        )

    def perform_update(self, serializer):
        if role_in(self.request.user, serializer.instance) not in OWNER_ROLES:
            raise PermissionDenied(_("Only owners can change a workspace."))
        serializer.save()


class WorkspaceMemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = WorkspaceMembership
        fields = ["id", "username", "role", "created_at"]
        read_only_fields = ["id", "username", "created_at"]


class InviteInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)


@schema_view(
    list="Who works in the workspace, with their roles",
    create=extend_schema(
        summary="Invite a user to the workspace (owners)",
        description=(
            "Answers 202 with an invitation; nobody joins until the invitee accepts it "
            "(`POST /api/invitations/{id}/accept/`). The answer is the same whether or not an account "
            "of that name exists: an invitation to a name without an account waits for an account of "
            "that name. Invitations expire (WORKSPACE_INVITATION_DAYS, 7 days)."
        ),
        request=InviteInput,
        responses={202: InvitationOutput},
    ),
    partial_update="Change a user's role (owners)",
    destroy="Remove a user from the workspace (owners)",
)
class WorkspaceMemberViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet):
    serializer_class = WorkspaceMemberSerializer
    queryset = WorkspaceMembership.objects.select_related("user").order_by("user__username")
    write_roles = OWNER_ROLES
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["role"]
    search_fields = ["user__username"]

    def create(self, request, *args, **kwargs):
        data = InviteInput(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = invitation_create(workspace=self.workspace, by=request.user, **data.validated_data)
        return Response(InvitationOutput(invitation).data, status=status.HTTP_202_ACCEPTED)

    def perform_update(self, serializer):
        role = serializer.validated_data.get("role", serializer.instance.role)
        serializer.instance = workspace_member_set(
            workspace=self.workspace, user=serializer.instance.user, role=role
        )

    def perform_destroy(self, instance):
        workspace_member_remove(membership=instance)
