"""The groups API through APIClient with real tokens: shapes, roles, errors, isolation, query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from groups.models import Community, Entitlement, InviteCode, Member, Membership, RoleAssignment
from tests.groups.factories import (
    CommunityFactory,
    InviteCodeFactory,
    MemberFactory,
    MembershipFactory,
    RoleAssignmentFactory,
    ThresholdFactory,
)
from tests.helpers import response_schema_errors

pytestmark = pytest.mark.django_db


def test_operator_creates_a_group_with_thresholds_and_tags(api_for, tenant_a):
    response = api_for(tenant_a.operator).post(
        "/api/groups/",
        {
            "name": "快闪群 A",
            "kind": "flash",
            "platform": "qq",
            "external_id": "qq-1",
            "threshold_mode": "any",
            "thresholds": [
                {"kind": "invite_code"},
                {"kind": "activity", "min_activity": 3, "campaign": "c1"},
            ],
            "tags": ["双十一", "高活跃"],
            "welcome_template": "欢迎 {nickname}",
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "planning" and body["member_count"] == 0
    assert sorted(body["tags"]) == ["双十一", "高活跃"]
    assert {t["kind"] for t in body["thresholds"]} == {"invite_code", "activity"}
    assert Community.objects.get(pk=body["id"]).workspace == tenant_a.workspace


def test_bad_placeholder_is_a_400_naming_the_field_and_nothing_is_written(api_for, tenant_a):
    response = api_for(tenant_a.operator).post(
        "/api/groups/", {"name": "g", "kind": "flash", "welcome_template": "Hi {name}"}
    )

    assert response.status_code == 400
    assert "welcome_template" in response.json()["fields"]
    assert not Community.objects.exists()


def test_duplicate_external_id_is_a_400(api_for, tenant_a, group):
    response = api_for(tenant_a.operator).post(
        "/api/groups/",
        {"name": "g", "kind": "flash", "platform": group.platform, "external_id": group.external_id},
    )

    assert response.status_code == 400
    assert "external_id" in response.json()["fields"]


def test_analyst_and_moderator_cannot_configure_groups(api_for, tenant_a):
    for role in ("analyst", "moderator"):
        assert (
            api_for(tenant_a.user(role)).post("/api/groups/", {"name": "g", "kind": "flash"}).status_code
            == 403
        )


def test_transition_endpoint_moves_and_refuses(api_for, tenant_a):
    group = CommunityFactory(workspace=tenant_a.workspace, state="planning")
    client = api_for(tenant_a.operator)

    ok = client.post(f"/api/groups/{group.pk}/transition/", {"state": "recruiting"})
    bad = client.post(f"/api/groups/{group.pk}/transition/", {"state": "archived", "note": "x"})
    worse = client.post(f"/api/groups/{group.pk}/transition/", {"state": "planning"})

    assert ok.status_code == 200 and ok.json()["state"] == "recruiting"
    assert bad.status_code == 200
    assert worse.status_code == 400 and "state" in worse.json()["fields"]


def test_join_returns_201_membership(api_for, tenant_a, group):
    member = MemberFactory(workspace=tenant_a.workspace)

    response = api_for(tenant_a.moderator).post(
        f"/api/groups/{group.pk}/join/", {"member": member.pk, "source": "link"}
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["member"]["id"] == member.pk and body["group"] == group.pk and body["is_active"]
    assert body["source"] == "link"


def test_join_records_channel_and_campaign_for_attribution(api_for, tenant_a, group):
    member = MemberFactory(workspace=tenant_a.workspace)

    response = api_for(tenant_a.moderator).post(
        f"/api/groups/{group.pk}/join/",
        {"member": member.pk, "source": "link", "channel": "公众号", "campaign": "double-11"},
    )

    assert response.status_code == 201, response.json()
    assert response.json()["channel"] == "公众号" and response.json()["campaign"] == "double-11"
    stored = Membership.objects.get(pk=response.json()["id"])
    assert (stored.channel, stored.campaign) == ("公众号", "double-11")


def test_join_refusal_lists_unmet_thresholds_with_codes(api_for, tenant_a, group):
    ThresholdFactory(community=group, kind="invite_code")
    ThresholdFactory(community=group, kind="paid")
    member = MemberFactory(workspace=tenant_a.workspace)

    response = api_for(tenant_a.moderator).post(
        f"/api/groups/{group.pk}/join/", {"member": member.pk, "invite_code": "NOPE"}
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "join_refused" and body["fields"] == {}
    assert [u["code"] for u in body["unmet"]] == ["invite_code", "paid"]
    assert all(u["message"] for u in body["unmet"])
    assert not Membership.objects.exists()


def test_full_group_refuses_through_the_api(api_for, tenant_a):
    group = CommunityFactory(workspace=tenant_a.workspace, member_limit=1)
    MembershipFactory(community=group)
    member = MemberFactory(workspace=tenant_a.workspace)

    body = api_for(tenant_a.moderator).post(f"/api/groups/{group.pk}/join/", {"member": member.pk}).json()

    assert [u["code"] for u in body["unmet"]] == ["full"]


def test_join_with_bad_input_names_the_field(api_for, tenant_a, tenant_b, group):
    foreign = MemberFactory(workspace=tenant_b.workspace)
    client = api_for(tenant_a.moderator)

    assert "member" in client.post(f"/api/groups/{group.pk}/join/", {}).json()["fields"]
    assert "member" in client.post(f"/api/groups/{group.pk}/join/", {"member": foreign.pk}).json()["fields"]
    response = client.post(f"/api/groups/{group.pk}/join/", {"member": "x", "source": "nope"})
    assert response.status_code == 400 and {"member", "source"} <= set(response.json()["fields"])


def test_join_refusals_and_bad_input_both_answer_the_documented_400(api_for, tenant_a, group):
    ThresholdFactory(community=group, kind="invite_code")
    client = api_for(tenant_a.moderator)
    member = MemberFactory(workspace=tenant_a.workspace)

    refused = client.post(f"/api/groups/{group.pk}/join/", {"member": member.pk, "invite_code": "NOPE"})
    invalid = client.post(f"/api/groups/{group.pk}/join/", {})

    assert refused.status_code == invalid.status_code == 400
    assert "unmet" in refused.json() and "unmet" not in invalid.json()
    assert response_schema_errors(refused, "/api/groups/{id}/join/", "post") == []
    assert response_schema_errors(invalid, "/api/groups/{id}/join/", "post") == []


def test_leave_ends_the_membership(api_for, tenant_a, group):
    stay = MembershipFactory(community=group)

    response = api_for(tenant_a.moderator).post(
        f"/api/groups/{group.pk}/leave/", {"member": stay.member_id, "reason": "kicked"}
    )
    again = api_for(tenant_a.moderator).post(f"/api/groups/{group.pk}/leave/", {"member": stay.member_id})

    assert response.status_code == 200 and response.json()["leave_reason"] == "kicked"
    assert again.status_code == 400 and "member" in again.json()["fields"]
    stay.refresh_from_db()
    assert not stay.is_active


def test_memberships_list_filters_active_and_counts_queries(
    api_for, tenant_a, group, django_assert_max_num_queries
):
    for _ in range(15):
        MembershipFactory(community=group, inviter=MemberFactory(workspace=tenant_a.workspace))
    MembershipFactory(community=group, is_active=False, left_at=timezone.now(), leave_reason="left")
    client = api_for(tenant_a.analyst)

    with django_assert_max_num_queries(8):
        response = client.get(f"/api/groups/{group.pk}/memberships/?active=true")

    assert response.status_code == 200
    assert response.json()["count"] == 15


def test_roles_assign_list_and_end(api_for, tenant_a, group):
    member = MemberFactory(workspace=tenant_a.workspace)
    client = api_for(tenant_a.operator)

    lead = client.post(f"/api/groups/{group.pk}/roles/", {"role": "lead", "user": tenant_a.operator.pk})
    kol = client.post(
        f"/api/groups/{group.pk}/roles/", {"role": "kol", "member": member.pk, "script_position": "A"}
    )
    new_lead = client.post(f"/api/groups/{group.pk}/roles/", {"role": "lead", "member": member.pk})
    listing = client.get(f"/api/groups/{group.pk}/roles/").json()
    ended = client.delete(f"/api/groups/{group.pk}/roles/{kol.json()['id']}/")

    assert lead.status_code == kol.status_code == new_lead.status_code == 201
    assert {(r["role"], r["holder_name"]) for r in listing["results"]} == {
        ("lead", member.display_name),
        ("kol", member.display_name),
    }
    assert ended.status_code == 200 and not ended.json()["is_active"]
    assert RoleAssignment.objects.filter(community=group, role="lead", is_active=True).count() == 1


def test_role_with_a_user_of_another_workspace_is_400(api_for, tenant_a, tenant_b, group):
    response = api_for(tenant_a.operator).post(
        f"/api/groups/{group.pk}/roles/", {"role": "kol", "user": tenant_b.owner.pk}
    )

    assert response.status_code == 400 and "user" in response.json()["fields"]


def test_groups_list_counts_queries_and_members(api_for, tenant_a, django_assert_max_num_queries):
    for index in range(12):
        group = CommunityFactory(workspace=tenant_a.workspace)
        MembershipFactory(community=group)
        ThresholdFactory(community=group, kind="open")
        if index % 2:
            RoleAssignmentFactory(
                community=group,
                user=tenant_a.operator,
            )
    client = api_for(tenant_a.analyst)

    with django_assert_max_num_queries(10):
        response = client.get("/api/groups/?kind=lead_gen")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 12 and all(r["member_count"] == 1 for r in rows)


def test_members_are_masked_for_analysts_only(api_for, tenant_a):
    MemberFactory(workspace=tenant_a.workspace, phone="13812345678", wechat_id="wxid_abcdef")

    analyst = api_for(tenant_a.analyst).get("/api/members/").json()["results"][0]
    moderator = api_for(tenant_a.moderator).get("/api/members/").json()["results"][0]

    assert (
        analyst["phone"] != "13812345678" and analyst["phone"].startswith("138") and "*" in analyst["phone"]
    )
    assert "*" in analyst["wechat_id"]
    assert moderator["phone"] == "13812345678"


def test_members_filters_search_and_query_count(api_for, tenant_a, group, django_assert_max_num_queries):
    for _ in range(10):
        MembershipFactory(community=group)
    MemberFactory(workspace=tenant_a.workspace, display_name="独行侠")
    client = api_for(tenant_a.moderator)

    with django_assert_max_num_queries(8):
        in_group = client.get(f"/api/members/?group={group.pk}").json()
    found = client.get("/api/members/?search=独行").json()

    assert in_group["count"] == 10
    assert [m["display_name"] for m in found["results"]] == ["独行侠"]


def test_moderator_creates_a_member_and_duplicate_is_400(api_for, tenant_a):
    client = api_for(tenant_a.moderator)
    payload = {"display_name": "小红", "platform": "wechat", "external_id": "u-1", "tags": ["宝妈"]}

    first = client.post("/api/members/", payload)
    second = client.post("/api/members/", payload)

    assert first.status_code == 201 and first.json()["tags"] == ["宝妈"]
    assert second.status_code == 400 and "external_id" in second.json()["fields"]


def test_invite_codes_crud_and_validation(api_for, tenant_a, tenant_b, group):
    client = api_for(tenant_a.operator)
    foreign_group = CommunityFactory(workspace=tenant_b.workspace)

    made = client.post("/api/invite-codes/", {"group": group.pk, "max_uses": 3})
    foreign = client.post("/api/invite-codes/", {"group": foreign_group.pk})

    assert made.status_code == 201 and len(made.json()["code"]) == 8 and made.json()["uses"] == 0
    assert foreign.status_code == 400 and "group" in foreign.json()["fields"]
    code = InviteCode.objects.get(pk=made.json()["id"])
    InviteCode.objects.filter(pk=code.pk).update(uses=2)
    shrink = client.patch(f"/api/invite-codes/{code.pk}/", {"max_uses": 1})
    assert shrink.status_code == 400 and "max_uses" in shrink.json()["fields"]


def test_entitlements_record_once_per_order_and_revoke(api_for, tenant_a):
    member = MemberFactory(workspace=tenant_a.workspace)
    client = api_for(tenant_a.operator)

    first = client.post("/api/entitlements/", {"member": member.pk, "product": "vip", "order_id": "TB1"})
    again = client.post("/api/entitlements/", {"member": member.pk, "product": "vip", "order_id": "TB1"})
    revoked = client.post(f"/api/entitlements/{first.json()['id']}/revoke/")
    bad = client.post(
        "/api/entitlements/",
        {
            "member": member.pk,
            "product": "vip",
            "granted_at": timezone.now(),
            "expires_at": timezone.now() - timedelta(1),
        },
    )

    assert first.status_code == 201
    assert again.status_code == 400 and "order_id" in again.json()["fields"]
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert bad.status_code == 400 and "expires_at" in bad.json()["fields"]
    assert Entitlement.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "/api/groups/{g}/",
        "/api/groups/{g}/memberships/",
        "/api/groups/{g}/roles/",
        "/api/members/{m}/",
        "/api/invite-codes/{c}/",
    ],
)
def test_other_workspaces_objects_are_404(api_for, tenant_a, tenant_b, url):
    group = CommunityFactory(workspace=tenant_b.workspace)
    member = MemberFactory(workspace=tenant_b.workspace)
    code = InviteCodeFactory(community=group)

    response = api_for(tenant_a.owner).get(url.format(g=group.pk, m=member.pk, c=code.pk))

    assert response.status_code == 404


def test_cannot_join_or_change_other_workspaces_groups(api_for, tenant_a, tenant_b):
    group = CommunityFactory(workspace=tenant_b.workspace)
    member = MemberFactory(workspace=tenant_a.workspace)
    client = api_for(tenant_a.owner)

    assert client.post(f"/api/groups/{group.pk}/join/", {"member": member.pk}).status_code == 404
    assert client.patch(f"/api/groups/{group.pk}/", {"name": "x"}).status_code == 404
    assert client.delete(f"/api/groups/{group.pk}/").status_code == 404
    assert not Membership.objects.exists()


def test_lists_show_only_the_callers_workspace(api_for, tenant_a, tenant_b):
    CommunityFactory(workspace=tenant_a.workspace, name="ours")
    CommunityFactory(workspace=tenant_b.workspace, name="theirs")
    MemberFactory(workspace=tenant_b.workspace)

    groups = api_for(tenant_a.analyst).get("/api/groups/").json()
    members = api_for(tenant_a.analyst).get("/api/members/").json()

    assert [g["name"] for g in groups["results"]] == ["ours"]
    assert members["count"] == 0


def test_group_with_history_cannot_be_deleted(api_for, tenant_a, group):
    MembershipFactory(community=group)
    empty = CommunityFactory(workspace=tenant_a.workspace)
    client = api_for(tenant_a.operator)

    assert client.delete(f"/api/groups/{group.pk}/").status_code == 400
    assert client.delete(f"/api/groups/{empty.pk}/").status_code == 204


@pytest.mark.parametrize("value", ["99999999999999999999999", "1e30", "x"])
def test_a_member_filter_id_out_of_range_is_a_400_naming_it(api_for, tenant_a, value):
    response = api_for(tenant_a.analyst).get("/api/members/", {"group": value})

    assert response.status_code == 400
    assert "group" in response.json()["fields"]


def test_roles_and_memberships_held_without_a_user_member_or_code_match_the_documented_answers(
    api_for, tenant_a, group
):
    member = MemberFactory(workspace=tenant_a.workspace)
    client = api_for(tenant_a.operator)
    by_user = client.post(f"/api/groups/{group.pk}/roles/", {"role": "lead", "user": tenant_a.operator.pk})
    by_member = client.post(f"/api/groups/{group.pk}/roles/", {"role": "kol", "member": member.pk})
    joined = client.post(f"/api/groups/{group.pk}/join/", {"member": member.pk})

    shown = client.get(f"/api/groups/{group.pk}/")
    roles = client.get(f"/api/groups/{group.pk}/roles/")
    memberships = client.get(f"/api/groups/{group.pk}/memberships/")

    assert by_user.json()["member_detail"] is None and by_member.json()["username"] is None
    assert by_member.json()["script_position"] == "" and joined.json()["invite_code"] is None
    assert response_schema_errors(by_user, "/api/groups/{id}/roles/", "post") == []
    assert response_schema_errors(by_member, "/api/groups/{id}/roles/", "post") == []
    assert response_schema_errors(joined, "/api/groups/{id}/join/", "post") == []
    assert response_schema_errors(shown, "/api/groups/{id}/", "get") == []
    assert response_schema_errors(roles, "/api/groups/{id}/roles/", "get") == []
    assert response_schema_errors(memberships, "/api/groups/{id}/memberships/", "get") == []


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        (
            "/api/members/",
            {"display_name": "小红", "platform": "wechat", "first_seen_at": "0558-03-08T05:23:53Z"},
            "first_seen_at",
        ),
        ("/api/entitlements/", {"product": "vip", "granted_at": "1293-08-11T12:01:37Z"}, "granted_at"),
        ("/api/entitlements/", {"product": "vip", "expires_at": "1844-09-15T04:02:39Z"}, "expires_at"),
    ],
)
def test_a_time_before_1970_is_a_400_naming_it_and_stores_nothing(api_for, tenant_a, url, payload, field):
    member = MemberFactory(workspace=tenant_a.workspace)
    if url == "/api/entitlements/":
        payload = {**payload, "member": member.pk}

    response = api_for(tenant_a.operator).post(url, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Member.objects.count() == 1 and not Entitlement.objects.exists()
