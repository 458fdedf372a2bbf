"""The admin shows non-superusers only their workspaces' rows; roles decide what they may change."""

import pytest

from suo.models import Role, WorkspaceMembership
from tests.suo.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_changelists_show_only_the_users_workspaces(login, tenant_a, tenant_b):
    client = login(tenant_a.operator)

    workspaces = client.get("/admin/suo/workspace/")
    members = client.get("/admin/suo/workspacemembership/")

    assert workspaces.status_code == 200
    assert list(workspaces.context["cl"].queryset) == [tenant_a.workspace]
    shown = {m.workspace_id for m in members.context["cl"].queryset}
    assert shown == {tenant_a.workspace.pk}
    assert "beta_owner" not in members.content.decode()


def test_other_workspaces_rows_are_404_in_the_admin(login, tenant_a, tenant_b):
    foreign = WorkspaceMembership.objects.get(user=tenant_b.owner)
    client = login(tenant_a.owner)

    assert client.get(f"/admin/suo/workspacemembership/{foreign.pk}/change/").status_code == 404
    assert client.get(f"/admin/suo/workspace/{tenant_b.workspace.pk}/change/").status_code == 404
    assert (
        client.post(f"/admin/suo/workspacemembership/{foreign.pk}/delete/", {"post": "yes"}).status_code
        == 404
    )
    assert WorkspaceMembership.objects.filter(pk=foreign.pk).exists()


def test_analyst_reads_but_cannot_change(login, tenant_a):
    target = WorkspaceMembership.objects.get(user=tenant_a.moderator)
    client = login(tenant_a.analyst)

    page = client.get(f"/admin/suo/workspacemembership/{target.pk}/change/")
    post = client.post(
        f"/admin/suo/workspacemembership/{target.pk}/change/",
        {"workspace": tenant_a.workspace.pk, "user": tenant_a.moderator.pk, "role": "owner"},
    )

    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert post.status_code == 403
    target.refresh_from_db()
    assert target.role == Role.MODERATOR


def test_owner_cannot_add_a_membership_directly_only_invite(login, tenant_a, tenant_b):
    client = login(tenant_a.owner)
    target = WorkspaceMembership.objects.get(user=tenant_a.analyst)

    add_page = client.get("/admin/suo/workspacemembership/add/")
    added = client.post(
        "/admin/suo/workspacemembership/add/",
        {"workspace": tenant_a.workspace.pk, "user": tenant_b.analyst.pk, "role": "owner"},
    )
    change_page = client.get(f"/admin/suo/workspacemembership/{target.pk}/change/")
    invite_page = client.get("/admin/suo/workspaceinvitation/add/")

    assert add_page.status_code == 403 and added.status_code == 403
    assert not tenant_a.workspace.memberships.filter(user=tenant_b.analyst).exists()
    assert "user" not in change_page.context["adminform"].form.fields  # shown, not changeable
    workspace_choices = list(invite_page.context["adminform"].form.fields["workspace"].queryset)
    assert workspace_choices == [tenant_a.workspace]


def test_inline_refuses_to_remove_the_last_owner_with_a_form_error(login, tenant_a):
    owner_row = WorkspaceMembership.objects.get(user=tenant_a.owner)
    rows = list(WorkspaceMembership.objects.filter(workspace=tenant_a.workspace).order_by("user__username"))
    data = {
        "name": tenant_a.workspace.name,
        "slug": tenant_a.workspace.slug,
        "timezone": tenant_a.workspace.timezone,
        "memberships-TOTAL_FORMS": len(rows),
        "memberships-INITIAL_FORMS": len(rows),
        "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        data |= {
            f"memberships-{index}-id": row.pk,
            f"memberships-{index}-workspace": tenant_a.workspace.pk,
            f"memberships-{index}-user": row.user_id,
            f"memberships-{index}-role": "analyst" if row.pk == owner_row.pk else row.role,
        }

    response = login(tenant_a.owner).post(f"/admin/suo/workspace/{tenant_a.workspace.pk}/change/", data)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.non_form_errors()
    owner_row.refresh_from_db()
    assert owner_row.role == Role.OWNER


def test_superuser_sees_every_workspace(client, tenant_a, tenant_b):
    admin = UserFactory(username="root", is_superuser=True)
    client.force_login(admin)

    page = client.get("/admin/suo/workspace/")

    assert set(page.context["cl"].queryset) == {tenant_a.workspace, tenant_b.workspace}


def test_admin_index_lists_workspace_models_for_a_workspace_user(login, tenant_a):
    page = login(tenant_a.analyst).get("/admin/")

    assert page.status_code == 200
    models = {m["object_name"] for app in page.context["app_list"] for m in app["models"]}
    assert {"Workspace", "WorkspaceMembership"} <= models
    assert "User" not in models


def test_a_guessed_id_of_another_workspace_shows_nothing_in_a_raw_id_field(client, tenant_a, tenant_b):
    from groups.moderation import services as moderation
    from tests.groups.factories import CommunityFactory, MemberFactory, MembershipFactory, RuleFactory

    group = CommunityFactory(workspace=tenant_b.workspace)
    member = MemberFactory(workspace=tenant_b.workspace, display_name="别家的张三")
    MembershipFactory(community=group, member=member)
    rule = RuleFactory(workspace=tenant_b.workspace, title="别家的群规")
    theirs = moderation.violation_log(
        community=group, member=member, rule=rule, by=tenant_b.moderator
    ).violation
    own_group = CommunityFactory(workspace=tenant_a.workspace)
    own_member = MemberFactory(workspace=tenant_a.workspace, display_name="自家的李四")
    MembershipFactory(community=own_group, member=own_member)
    ours = moderation.violation_log(
        community=own_group, member=own_member, rule=RuleFactory(workspace=tenant_a.workspace), by=None
    ).violation
    client.force_login(tenant_a.moderator)

    guessed = client.get(f"/admin/groups/appeal/add/?violation={theirs.pk}")
    posted = client.post("/admin/groups/appeal/add/", {"violation": theirs.pk, "statement": "试试"})
    lookup = client.get("/admin/groups/violation/?_to_field=id&_popup=1")
    own = client.get(f"/admin/groups/appeal/add/?violation={ours.pk}")

    for response in (guessed, posted, lookup):
        page = response.content.decode()
        assert "别家的张三" not in page and "别家的群规" not in page
    assert "violation" in posted.context["adminform"].form.errors
    assert "自家的李四" in own.content.decode()  # the label still shows for the user's own rows
