"""The admin for groups: pages render, tenants are isolated, writes go through the services."""

from io import StringIO

import pytest
from django.core.management import call_command

from groups.models import Community, Member, Membership, RoleAssignment
from suo.demo import DEMO_PASSWORD
from tests.groups.factories import (
    CommunityFactory,
    MemberFactory,
    MembershipFactory,
    RoleAssignmentFactory,
    ThresholdFactory,
)

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "community",
    "member",
    "membership",
    "roleassignment",
    "invitecode",
    "entitlement",
    "communitydefaults",
    "tag",
    "inboundevent",
    "activityevent",
    "messagedailycount",
]


def test_demo_data_is_idempotent_and_every_admin_page_renders_for_the_demo_operator(client):
    call_command("seed_demo", stdout=StringIO())
    counts = [model.objects.count() for model in (Community, Member, Membership, RoleAssignment)]
    call_command("seed_demo", stdout=StringIO())
    assert [model.objects.count() for model in (Community, Member, Membership, RoleAssignment)] == counts
    assert set(Community.objects.filter(workspace__slug="demo").values_list("kind", flat=True)) == {
        "lead_gen",
        "benefit",
        "flash",
    }
    assert Membership.objects.filter(is_active=False).exists()

    assert client.login(username="demo_operator", password=DEMO_PASSWORD)
    for name in CHANGELISTS:
        page = client.get(f"/admin/groups/{name}/")
        assert page.status_code == 200, name
    for path in (
        "/admin/suo/webhookendpoint/",
        "/admin/suo/webhookdelivery/",
        "/admin/suo/webhookendpoint/add/",
        "/admin/groups/community/add/",
        "/admin/groups/member/add/",
        "/admin/groups/membership/add/",
        "/admin/groups/member/import/",
    ):
        assert client.get(path).status_code == 200, path
    for community in Community.objects.filter(workspace__slug="demo"):
        page = client.get(f"/admin/groups/community/{community.pk}/change/")
        assert page.status_code == 200
        assert community.name in page.content.decode()
    member = Member.objects.filter(workspace__slug="demo").first()
    assert client.get(f"/admin/groups/member/{member.pk}/change/").status_code == 200
    membership = Membership.objects.filter(workspace__slug="demo").first()
    assert client.get(f"/admin/groups/membership/{membership.pk}/change/").status_code == 200
    other = Community.objects.filter(workspace__slug="chenguang").first()
    assert client.get(f"/admin/groups/community/{other.pk}/change/").status_code == 404


def test_changelists_show_only_the_users_workspace(login, tenant_a, tenant_b):
    CommunityFactory(workspace=tenant_a.workspace, name="ours")
    CommunityFactory(workspace=tenant_b.workspace, name="theirs")
    MembershipFactory(community=CommunityFactory(workspace=tenant_b.workspace))
    client = login(tenant_a.operator)

    groups = client.get("/admin/groups/community/")
    memberships = client.get("/admin/groups/membership/")

    assert [c.name for c in groups.context["cl"].queryset] == ["ours"]
    assert list(memberships.context["cl"].queryset) == []


def test_other_workspaces_rows_are_404(login, tenant_a, tenant_b):
    group = CommunityFactory(workspace=tenant_b.workspace)
    member = MemberFactory(workspace=tenant_b.workspace)
    client = login(tenant_a.owner)

    assert client.get(f"/admin/groups/community/{group.pk}/change/").status_code == 404
    assert client.get(f"/admin/groups/member/{member.pk}/change/").status_code == 404
    assert client.post(f"/admin/groups/community/{group.pk}/delete/", {"post": "yes"}).status_code == 404
    assert Community.objects.filter(pk=group.pk).exists()


def test_changelists_do_not_grow_queries_with_rows(login, tenant_a, django_assert_max_num_queries):
    for _ in range(15):
        group = CommunityFactory(workspace=tenant_a.workspace)
        MembershipFactory(community=group)
        ThresholdFactory(community=group)
        RoleAssignmentFactory(
            community=group,
            member=MemberFactory(workspace=tenant_a.workspace),
            started_at=group.created_at,
        )
    client = login(tenant_a.operator)

    for path in (
        "/admin/groups/community/",
        "/admin/groups/member/",
        "/admin/groups/membership/",
        "/admin/groups/roleassignment/",
    ):
        with django_assert_max_num_queries(16):
            assert client.get(path).status_code == 200


def test_analyst_sees_masked_contacts_and_cannot_change(login, tenant_a):
    member = MemberFactory(workspace=tenant_a.workspace, phone="13812345678")
    client = login(tenant_a.analyst)

    listing = client.get("/admin/groups/member/").content.decode()
    page = client.get(f"/admin/groups/member/{member.pk}/change/")

    assert "13812345678" not in listing and "138" in listing
    assert page.status_code == 200 and "13812345678" not in page.content.decode()
    assert not page.context["has_change_permission"]


def test_lifecycle_action_moves_and_reports_refusals(login, tenant_a):
    planning = CommunityFactory(workspace=tenant_a.workspace, state="planning")
    active = CommunityFactory(workspace=tenant_a.workspace, state="active")
    client = login(tenant_a.operator)

    client.post(
        "/admin/groups/community/",
        {"action": "move_to_recruiting", "_selected_action": [planning.pk, active.pk]},
    )

    planning.refresh_from_db()
    active.refresh_from_db()
    assert planning.state == "recruiting" and active.state == "active"


def test_new_lead_on_the_group_page_replaces_the_old(login, tenant_a):
    group = CommunityFactory(workspace=tenant_a.workspace)
    old = RoleAssignmentFactory(
        community=group,
        user=tenant_a.owner,
        started_at=group.created_at,
    )
    member = MemberFactory(workspace=tenant_a.workspace)
    client = login(tenant_a.operator)
    page = client.get(f"/admin/groups/community/{group.pk}/change/")
    data = {}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name, field in management.fields.items():
            data[f"{management.prefix}-{name}"] = management.initial.get(name, field.initial)
        for form in formset.formset.initial_forms:
            data[f"{form.prefix}-id"] = form.instance.pk
            for name, value in form.initial.items():
                if value is not None and name in form.fields:
                    data[f"{form.prefix}-{name}"] = value.pk if hasattr(value, "pk") else value
    form = page.context["adminform"].form
    for name in form.fields:
        value = form.initial.get(name)
        if name == "tags":
            continue
        if value not in (None, ""):
            data[name] = value
    new_role_prefix = next(
        f.formset.prefix
        for f in page.context["inline_admin_formsets"]
        if type(f.opts).__name__ == "NewRoleInline"
    )
    data[f"{new_role_prefix}-TOTAL_FORMS"] = 1
    data[f"{new_role_prefix}-0-role"] = "lead"
    data[f"{new_role_prefix}-0-member"] = member.pk

    response = client.post(f"/admin/groups/community/{group.pk}/change/", data)

    if response.status_code != 302:
        errors = [f.formset.errors for f in response.context["inline_admin_formsets"]]
        errors += [f.formset.non_form_errors() for f in response.context["inline_admin_formsets"]]
        raise AssertionError((response.context["adminform"].form.errors, errors))
    old.refresh_from_db()
    assert not old.is_active
    assert RoleAssignment.objects.get(community=group, role="lead", is_active=True).member == member


def test_moderator_adds_a_membership_by_hand(login, tenant_a):
    group = CommunityFactory(workspace=tenant_a.workspace)
    member = MemberFactory(workspace=tenant_a.workspace)
    client = login(tenant_a.moderator)

    data = {
        "workspace": tenant_a.workspace.pk,
        "community": group.pk,
        "member": member.pk,
        "source": "manual",
        "joined_at_0": "2026-03-01",
        "joined_at_1": "10:00:00",
    }

    response = client.post("/admin/groups/membership/add/", data)
    again = client.post("/admin/groups/membership/add/", data)

    assert response.status_code == 302
    assert again.status_code == 200 and "member" in again.context["adminform"].form.errors
    assert Membership.objects.filter(community=group, member=member, is_active=True).count() == 1


@pytest.fixture
def two_roles(tenant_a, tenant_b):
    """A user who moderates workspace A and only analyses workspace B."""
    from tests.suo.factories import WorkspaceMembershipFactory

    WorkspaceMembershipFactory(workspace=tenant_b.workspace, user=tenant_a.moderator, role="analyst")
    ours = MemberFactory(workspace=tenant_a.workspace, phone="13811112222", wechat_id="wxid_ours_001")
    theirs = MemberFactory(workspace=tenant_b.workspace, phone="13933334444", wechat_id="wxid_theirs_002")
    return tenant_a.moderator, ours, theirs


def test_contacts_are_masked_per_row_by_the_role_in_that_rows_workspace(client, two_roles):
    user, ours, theirs = two_roles
    client.force_login(user)

    listing = client.get("/admin/groups/member/").content.decode()
    their_page = client.get(f"/admin/groups/member/{theirs.pk}/change/").content.decode()
    our_page = client.get(f"/admin/groups/member/{ours.pk}/change/").content.decode()

    assert "13811112222" in listing and "wxid_ours_001" in listing
    assert "13933334444" not in listing and "wxid_theirs_002" not in listing and "139******44" in listing
    assert "13933334444" not in their_page and "wxid_theirs_002" not in their_page
    assert "13811112222" in our_page


def test_masked_contacts_cannot_be_searched_or_filtered_by_prefix(client, two_roles):
    user, ours, theirs = two_roles
    client.force_login(user)

    def shown(query):
        response = client.get(f"/admin/groups/member/?{query}")
        return response.status_code, {
            m.pk for m in response.context["cl"].queryset
        } if response.status_code == 200 else None

    assert shown("q=wxid_theirs") == (200, set())
    assert shown("q=wxid_ours") == (200, {ours.pk})
    assert shown(f"q={theirs.display_name}") == (200, {theirs.pk})
    assert shown("phone__startswith=139")[0] == 400
    assert shown("wechat_id__startswith=wxid_t")[0] == 400


def test_analysts_cannot_search_masked_contacts_through_the_api_either(api_for, tenant_a):
    MemberFactory(workspace=tenant_a.workspace, wechat_id="wxid_secret_9")

    as_analyst = api_for(tenant_a.analyst).get("/api/members/?search=wxid_sec").json()
    as_moderator = api_for(tenant_a.moderator).get("/api/members/?search=wxid_sec").json()

    assert as_analyst["count"] == 0
    assert as_moderator["count"] == 1
