"""Workspace roles: owners/operators configure, moderators moderate, analysts only read."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from suo.api.scoping import WorkspaceScopedMixin
from suo.models import Role, WorkspaceMembership
from suo.tenancy import CONFIGURE_ROLES, MODERATE_ROLES, OWNER_ROLES

pytestmark = pytest.mark.django_db


class MembershipCountView(WorkspaceScopedMixin, generics.GenericAPIView):
    queryset = WorkspaceMembership.objects.all()

    def get(self, request):
        return Response({"count": self.get_queryset().count()})

    def post(self, request):
        return Response(status=201)


@pytest.mark.parametrize(
    ("write_roles", "role", "may_write"),
    [
        (CONFIGURE_ROLES, Role.OWNER, True),
        (CONFIGURE_ROLES, Role.OPERATOR, True),
        (CONFIGURE_ROLES, Role.MODERATOR, False),
        (CONFIGURE_ROLES, Role.ANALYST, False),
        (MODERATE_ROLES, Role.MODERATOR, True),
        (MODERATE_ROLES, Role.ANALYST, False),
        (OWNER_ROLES, Role.OPERATOR, False),
        (OWNER_ROLES, Role.OWNER, True),
    ],
)
def test_write_needs_a_write_role_and_every_role_reads(tenant_a, tenant_b, write_roles, role, may_write):
    view = MembershipCountView.as_view(write_roles=write_roles)
    factory = APIRequestFactory()
    user = tenant_a.user(role)

    read = factory.get("/")
    force_authenticate(read, user=user)
    write = factory.post("/", {})
    force_authenticate(write, user=user)

    read_response = view(read)
    assert read_response.status_code == 200
    assert read_response.data == {"count": len(Role.values)}  # alpha's rows only
    assert view(write).status_code == (201 if may_write else 403)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.MODERATOR, Role.ANALYST])
def test_only_owners_add_people_to_a_workspace(api_for, tenant_a, role):
    response = api_for(tenant_a.user(role)).post(
        "/api/workspace-members/", {"username": "x", "role": "analyst"}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_owner_adding_a_new_username_makes_an_invitation_not_an_account(api_for, tenant_a):
    response = api_for(tenant_a.owner).post(
        "/api/workspace-members/", {"username": "xiaowang", "role": "moderator"}
    )

    assert response.status_code == 202
    body = response.json()
    assert (body["username"], body["role"], body["state"]) == ("xiaowang", "moderator", "pending")
    assert "password" not in body
    assert not get_user_model().objects.filter(username="xiaowang").exists()
    assert not WorkspaceMembership.objects.filter(user__username="xiaowang").exists()


def test_adding_someone_twice_is_a_clear_400(api_for, tenant_a):
    response = api_for(tenant_a.owner).post(
        "/api/workspace-members/", {"username": "alpha_analyst", "role": "owner"}
    )

    assert response.status_code == 400
    assert "username" in response.json()["fields"]
    assert WorkspaceMembership.objects.get(user=tenant_a.analyst).role == Role.ANALYST


def test_last_owner_cannot_be_demoted_or_removed(api_for, tenant_a):
    own = WorkspaceMembership.objects.get(user=tenant_a.owner)
    client = api_for(tenant_a.owner)

    demote = client.patch(f"/api/workspace-members/{own.pk}/", {"role": "analyst"})
    remove = client.delete(f"/api/workspace-members/{own.pk}/")

    assert demote.status_code == 400
    assert "role" in demote.json()["fields"]
    assert remove.status_code == 400
    own.refresh_from_db()
    assert own.role == Role.OWNER


def test_owner_changes_a_role(api_for, tenant_a):
    target = WorkspaceMembership.objects.get(user=tenant_a.analyst)

    response = api_for(tenant_a.owner).patch(f"/api/workspace-members/{target.pk}/", {"role": "operator"})

    assert response.status_code == 200
    target.refresh_from_db()
    assert target.role == Role.OPERATOR


def test_only_owners_change_the_workspace(api_for, tenant_a):
    by_operator = api_for(tenant_a.operator).patch("/api/workspaces/alpha/", {"name": "改名"})
    by_owner = api_for(tenant_a.owner).patch("/api/workspaces/alpha/", {"timezone": "Asia/Hong_Kong"})

    assert by_operator.status_code == 403
    assert by_owner.status_code == 200
    tenant_a.workspace.refresh_from_db()
    assert (tenant_a.workspace.name, tenant_a.workspace.timezone) == ("alpha 社群", "Asia/Hong_Kong")


def test_any_user_creates_a_workspace_and_becomes_its_owner(api_for, tenant_a):
    response = api_for(tenant_a.analyst).post("/api/workspaces/", {"name": "新品快闪", "slug": "flash-1"})

    assert response.status_code == 201
    assert response.json()["role"] == "owner"
    assert WorkspaceMembership.objects.get(workspace__slug="flash-1").user == tenant_a.analyst
