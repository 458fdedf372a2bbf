"""Workspace invitations: nobody joins a workspace without accepting; names are not enumerable."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from suo.models import AuditRecord, Role, WorkspaceInvitation, WorkspaceMembership
from suo.services import invitation_create
from tests.suo.factories import PASSWORD, UserFactory, WorkspaceFactory, WorkspaceMembershipFactory

pytestmark = pytest.mark.django_db

INVITE = "/api/workspace-members/"


@pytest.fixture
def outsider(tenant_b):
    """Works in beta only; its token has no X-Workspace to send."""
    return tenant_b.analyst


def invite(api_for, tenant, username, role="operator"):
    return api_for(tenant.owner).post(INVITE, {"username": username, "role": role})


def test_inviting_an_existing_user_adds_nobody_until_they_accept(api_for, tenant_a, outsider):
    response = invite(api_for, tenant_a, outsider.username, "moderator")

    assert response.status_code == 202
    assert response.json()["state"] == "pending"
    assert not WorkspaceMembership.objects.filter(workspace=tenant_a.workspace, user=outsider).exists()

    accepted = api_for(outsider).post(f"/api/invitations/{response.json()['id']}/accept/")

    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    membership = WorkspaceMembership.objects.get(workspace=tenant_a.workspace, user=outsider)
    assert membership.role == Role.MODERATOR


def test_invitees_tokens_keep_working_without_x_workspace_until_they_accept(api_for, tenant_a, outsider):
    invitation_id = invite(api_for, tenant_a, outsider.username).json()["id"]
    client = api_for(outsider)

    before = client.get("/api/workspace-members/")
    client.post(f"/api/invitations/{invitation_id}/accept/")
    after = client.get("/api/workspace-members/")

    assert before.status_code == 200
    assert after.status_code == 400 and after.json()["code"] == "workspace_required"  # their choice now


def test_known_and_unknown_usernames_get_the_same_answer(api_for, tenant_a, outsider):
    known = invite(api_for, tenant_a, outsider.username)
    unknown = invite(api_for, tenant_a, "nobody_by_this_name")

    assert known.status_code == unknown.status_code == 202
    variable = {"id", "username", "created_at", "expires_at"}
    assert {k: v for k, v in known.json().items() if k not in variable} == {
        k: v for k, v in unknown.json().items() if k not in variable
    }
    assert set(known.json()) == set(unknown.json())
    assert not WorkspaceMembership.objects.filter(user__username="nobody_by_this_name").exists()


def test_invitation_to_an_unknown_name_waits_for_an_account_of_that_name(api_for, tenant_a):
    invitation_id = invite(api_for, tenant_a, "later_user", "analyst").json()["id"]
    newcomer = UserFactory(username="later_user")

    listed = api_for(newcomer).get("/api/invitations/")
    accepted = api_for(newcomer).post(f"/api/invitations/{invitation_id}/accept/")

    assert [row["workspace"] for row in listed.json()["results"]] == [tenant_a.workspace.slug]
    assert accepted.status_code == 200
    assert WorkspaceMembership.objects.get(user=newcomer).role == Role.ANALYST


def test_expired_invitation_cannot_be_accepted(api_for, tenant_a, outsider, settings):
    settings.WORKSPACE_INVITATION_DAYS = 7
    invitation_id = invite(api_for, tenant_a, outsider.username).json()["id"]

    with time_machine.travel(timezone.now() + dt.timedelta(days=7, minutes=1)):
        listed = api_for(outsider).get("/api/invitations/?state=expired")
        response = api_for(outsider).post(f"/api/invitations/{invitation_id}/accept/")

    assert [row["state"] for row in listed.json()["results"]] == ["expired"]
    assert response.status_code == 400 and response.json()["code"] == "invitation_expired"
    assert not WorkspaceMembership.objects.filter(workspace=tenant_a.workspace, user=outsider).exists()


def test_declining_changes_nothing_and_cannot_be_undone_by_accepting(api_for, tenant_a, outsider):
    invitation_id = invite(api_for, tenant_a, outsider.username).json()["id"]
    client = api_for(outsider)

    declined = client.post(f"/api/invitations/{invitation_id}/decline/")
    accepted = client.post(f"/api/invitations/{invitation_id}/accept/")

    assert declined.status_code == 200 and declined.json()["state"] == "declined"
    assert accepted.status_code == 400 and accepted.json()["code"] == "invitation_closed"
    assert not WorkspaceMembership.objects.filter(workspace=tenant_a.workspace, user=outsider).exists()


def test_owner_lists_and_cancels_and_the_invitee_can_no_longer_accept(api_for, tenant_a, outsider):
    invitation_id = invite(api_for, tenant_a, outsider.username).json()["id"]
    owner = api_for(tenant_a.owner)

    listed = owner.get("/api/workspace-invitations/?state=pending")
    cancelled = owner.delete(f"/api/workspace-invitations/{invitation_id}/")
    accepted = api_for(outsider).post(f"/api/invitations/{invitation_id}/accept/")

    assert [row["username"] for row in listed.json()["results"]] == [outsider.username]
    assert cancelled.status_code == 204
    assert WorkspaceInvitation.objects.get(pk=invitation_id).state == "cancelled"
    assert accepted.status_code == 400


def test_other_workspaces_and_other_people_never_see_an_invitation(api_for, tenant_a, tenant_b, outsider):
    invitation_id = invite(api_for, tenant_a, outsider.username).json()["id"]
    beta_owner = api_for(tenant_b.owner)
    someone_else = api_for(tenant_b.operator)

    assert beta_owner.get("/api/workspace-invitations/").json()["results"] == []
    assert beta_owner.get(f"/api/workspace-invitations/{invitation_id}/").status_code == 404
    assert beta_owner.delete(f"/api/workspace-invitations/{invitation_id}/").status_code == 404
    assert someone_else.get("/api/invitations/").json()["results"] == []
    assert someone_else.post(f"/api/invitations/{invitation_id}/accept/").status_code == 404
    assert WorkspaceInvitation.objects.get(pk=invitation_id).state == "pending"


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.MODERATOR, Role.ANALYST])
def test_only_owners_see_the_workspaces_invitations(api_for, tenant_a, outsider, role):
    invite(api_for, tenant_a, outsider.username)

    assert api_for(tenant_a.user(role)).get("/api/workspace-invitations/").status_code == 403


def test_inviting_again_renews_the_pending_invitation(api_for, tenant_a, outsider):
    first = invite(api_for, tenant_a, outsider.username, "analyst").json()
    second = invite(api_for, tenant_a, outsider.username, "operator").json()

    assert second["id"] == first["id"] and second["role"] == "operator"
    assert second["expires_at"] >= first["expires_at"]
    assert WorkspaceInvitation.objects.count() == 1


def test_invalid_username_is_refused_for_everyone(api_for, tenant_a):
    response = invite(api_for, tenant_a, "no spaces/please")

    assert response.status_code == 400 and "username" in response.json()["fields"]
    assert not WorkspaceInvitation.objects.exists()


def test_every_step_is_audited(api_for, tenant_a, outsider):
    first = invite(api_for, tenant_a, outsider.username).json()["id"]
    api_for(outsider).post(f"/api/invitations/{first}/decline/")
    second = invite(api_for, tenant_a, outsider.username).json()["id"]
    api_for(tenant_a.owner).delete(f"/api/workspace-invitations/{second}/")
    third = invite(api_for, tenant_a, outsider.username).json()["id"]
    api_for(outsider).post(f"/api/invitations/{third}/accept/")

    records = AuditRecord.objects.filter(workspace=tenant_a.workspace, target_type="suo.workspaceinvitation")
    assert list(records.order_by("pk").values_list("verb", "actor_name")) == [
        ("invitation.created", tenant_a.owner.username),
        ("invitation.declined", outsider.username),
        ("invitation.created", tenant_a.owner.username),
        ("invitation.cancelled", tenant_a.owner.username),
        ("invitation.created", tenant_a.owner.username),
        ("invitation.accepted", outsider.username),
    ]


def test_messages_are_translated(api_for, tenant_a, outsider):
    invitation_id = invite(api_for, tenant_a, outsider.username).json()["id"]
    client = api_for(outsider)
    client.post(f"/api/invitations/{invitation_id}/decline/")

    response = client.post(f"/api/invitations/{invitation_id}/accept/")

    assert response.json()["detail"] == "此邀请已被拒绝。"


@pytest.mark.django_db(transaction=True)
def test_two_owners_inviting_the_same_name_at_once_make_one_invitation():
    workspace = WorkspaceFactory()
    owners = [UserFactory(username=f"owner{n}") for n in range(2)]
    for owner in owners:
        WorkspaceMembershipFactory(workspace=workspace, user=owner, role=Role.OWNER)
    barrier = threading.Barrier(2)
    errors = []

    def run(owner):
        try:
            barrier.wait()
            invitation_create(workspace=workspace, username="popular", role=Role.ANALYST, by=owner)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert WorkspaceInvitation.objects.filter(username="popular").count() == 1


def test_admin_invite_accept_flow(client, tenant_a, outsider):
    assert client.login(username=tenant_a.owner.username, password=PASSWORD)
    added = client.post(
        "/admin/suo/workspaceinvitation/add/",
        {"workspace": tenant_a.workspace.pk, "username": outsider.username, "role": "operator"},
        follow=True,
    )
    invitation = WorkspaceInvitation.objects.get()
    assert added.status_code == 200
    assert "已邀请" in next(str(m) for m in added.context["messages"])
    assert not WorkspaceMembership.objects.filter(workspace=tenant_a.workspace, user=outsider).exists()

    client.logout()
    assert client.login(username=outsider.username, password=PASSWORD)
    page = client.get(f"/admin/suo/workspaceinvitation/{invitation.pk}/change/")
    accepted = client.post(f"/admin/suo/workspaceinvitation/{invitation.pk}/accept/")

    assert page.status_code == 200 and "/accept/" in page.content.decode()
    assert accepted.status_code == 302
    assert WorkspaceMembership.objects.get(workspace=tenant_a.workspace, user=outsider).role == Role.OPERATOR


def test_admin_hides_invitations_of_other_workspaces_and_people(client, tenant_a, tenant_b, outsider):
    ours = invitation_create(
        workspace=tenant_a.workspace, username=outsider.username, role="analyst", by=tenant_a.owner
    )
    theirs = invitation_create(
        workspace=tenant_b.workspace, username="someone", role="analyst", by=tenant_b.owner
    )
    assert client.login(username=tenant_a.owner.username, password=PASSWORD)

    listed = client.get("/admin/suo/workspaceinvitation/")

    assert set(listed.context["cl"].queryset) == {ours}
    assert client.get(f"/admin/suo/workspaceinvitation/{theirs.pk}/change/").status_code == 404
    assert client.post(f"/admin/suo/workspaceinvitation/{ours.pk}/accept/").status_code == 404  # not theirs
    assert not WorkspaceMembership.objects.filter(workspace=tenant_a.workspace, user=outsider).exists()


def test_invitation_lists_take_a_fixed_number_of_queries(
    api_for, tenant_a, tenant_b, outsider, django_assert_max_num_queries
):
    for n in range(5):
        invitation_create(
            workspace=tenant_a.workspace, username=f"guest{n}", role="analyst", by=tenant_a.owner
        )
    for workspace, owner in ((tenant_a.workspace, tenant_a.owner), (tenant_b.workspace, tenant_b.owner)):
        invitation_create(workspace=workspace, username="guest0", role="analyst", by=owner)
    owner, guest = api_for(tenant_a.owner), api_for(UserFactory(username="guest0"))

    with django_assert_max_num_queries(8):
        sent = owner.get("/api/workspace-invitations/")
    with django_assert_max_num_queries(6):
        received = guest.get("/api/invitations/")

    assert sent.json()["count"] == 5
    assert received.json()["count"] == 2
