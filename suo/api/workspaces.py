"""/api/workspaces/ (the caller's workspaces) and /api/workspace-members/ (who works in one)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError

from suo.api.scoping import WorkspaceScopedMixin
from suo.models import Workspace, WorkspaceMembership
from suo.services import (
    user_get_or_create,
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


@extend_schema_view(
    list=extend_schema(summary="The workspaces you belong to, with your role in each"),
    create=extend_schema(summary="Create a workspace; you become its owner"),
    partial_update=extend_schema(summary="Rename a workspace or change its time zone (owners)"),
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
    username = serializers.CharField(source="user.username", max_length=150)
    password = serializers.SerializerMethodField(
        help_text=_("Only when the user was created by this request: their first password, shown once.")
    )

    class Meta:
        model = WorkspaceMembership
        fields = ["id", "username", "role", "created_at", "password"]
        read_only_fields = ["id", "created_at", "password"]

    def get_password(self, membership: WorkspaceMembership) -> str | None:
        return getattr(membership, "new_password", None)

    def validate_username(self, value: str) -> str:
        if self.instance is not None and value != self.instance.user.username:
            raise ValidationError(_("The user of a membership cannot be changed; remove it and add another."))
        return value


@extend_schema_view(
    list=extend_schema(summary="Who works in the workspace, with their roles"),
    create=extend_schema(
        summary="Add a user to the workspace (owners); a new username gets a user and a first password"
    ),
    partial_update=extend_schema(summary="Change a user's role (owners)"),
    destroy=extend_schema(summary="Remove a user from the workspace (owners)"),
)
class WorkspaceMemberViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet):
    serializer_class = WorkspaceMemberSerializer
    queryset = WorkspaceMembership.objects.select_related("user").order_by("user__username")
    write_roles = OWNER_ROLES
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["role"]
    search_fields = ["user__username"]

    def perform_create(self, serializer):
        username = serializer.validated_data["user"]["username"]
        user, password = user_get_or_create(username=username)
        if WorkspaceMembership.objects.filter(workspace=self.workspace, user=user).exists():
            raise ValidationError(
                {
                    "username": [
                        _("%(username)s is already in this workspace; change the role with PATCH.")
                        % {"username": username}
                    ]
                }
            )
        membership = workspace_member_set(
            workspace=self.workspace, user=user, role=serializer.validated_data["role"]
        )
        membership.new_password = password
        serializer.instance = membership

    def perform_update(self, serializer):
        role = serializer.validated_data.get("role", serializer.instance.role)
        serializer.instance = workspace_member_set(
            workspace=self.workspace, user=serializer.instance.user, role=role
        )

    def perform_destroy(self, instance):
        workspace_member_remove(membership=instance)
