"""A user of one workspace never sees or changes another's rows through the API."""

import pytest

from suo.models import Role, WorkspaceMembership
from tests.suo.factories import WorkspaceMembershipFactory

pytestmark = pytest.mark.django_db


def test_list_shows_only_rows_of_the_callers_workspace(api_for, tenant_a, tenant_b):
    response = api_for(tenant_a.analyst).get("/api/workspace-members/")

    assert response.status_code == 200
    usernames = {row["username"] for row in response.json()["results"]}
    assert usernames == {f"alpha_{role}" for role in Role.values}


def test_other_workspaces_row_is_404_for_read_change_and_delete(api_for, tenant_a, tenant_b):
    foreign = WorkspaceMembership.objects.get(workspace=tenant_b.workspace, user=tenant_b.analyst)
    client = api_for(tenant_a.owner)

    assert client.get(f"/api/workspace-members/{foreign.pk}/").status_code == 404
    assert client.patch(f"/api/workspace-members/{foreign.pk}/", {"role": "owner"}).status_code == 404
    assert client.delete(f"/api/workspace-members/{foreign.pk}/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == Role.ANALYST


def test_naming_a_workspace_you_are_not_in_is_404(api_for, tenant_a, tenant_b):
    response = api_for(tenant_a.owner, workspace=tenant_b.workspace).get("/api/workspace-members/")

    assert response.status_code == 404
    assert response.json()["code"] == "workspace_not_found"


def test_workspaces_list_shows_only_the_callers_workspaces_with_role(api_for, tenant_a, tenant_b):
    body = api_for(tenant_a.moderator).get("/api/workspaces/").json()

    assert [(row["slug"], row["role"]) for row in body["results"]] == [("alpha", "moderator")]
    assert api_for(tenant_a.moderator).get("/api/workspaces/beta/").status_code == 404


def test_user_in_two_workspaces_must_name_one(api_for, tenant_a, tenant_b):
    WorkspaceMembershipFactory(workspace=tenant_b.workspace, user=tenant_a.operator, role=Role.ANALYST)

    ambiguous = api_for(tenant_a.operator).get("/api/workspace-members/")
    in_beta = api_for(tenant_a.operator, workspace=tenant_b.workspace).get("/api/workspace-members/")

    assert ambiguous.status_code == 400
    assert "X-Workspace" in ambiguous.json()["fields"]
    assert in_beta.status_code == 200
    assert {row["username"] for row in in_beta.json()["results"]} >= {"beta_owner", "alpha_operator"}


def test_role_is_checked_in_the_named_workspace(api_for, tenant_a, tenant_b):
    # Owner in alpha, only analyst in beta: may not add people to beta.
    WorkspaceMembershipFactory(workspace=tenant_b.workspace, user=tenant_a.owner, role=Role.ANALYST)

    response = api_for(tenant_a.owner, workspace=tenant_b.workspace).post(
        "/api/workspace-members/", {"username": "newcomer", "role": "analyst"}
    )

    assert response.status_code == 403
    assert not WorkspaceMembership.objects.filter(user__username="newcomer").exists()


def test_unauthenticated_request_is_401_in_the_error_format(client, tenant_a):
    response = client.get("/api/workspace-members/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["fields"] == {}


def test_user_without_workspace_is_told_to_ask_an_owner(api_for, db):
    from tests.suo.factories import UserFactory

    response = api_for(UserFactory()).get("/api/workspace-members/")

    assert response.status_code == 403
    assert response.json()["code"] == "no_workspace"
