"""Every admin write goes through the service the API calls: the same rows, the same audit
records, the same webhooks, the same refusals (as form errors or Django's "cannot delete" page,
never a 500 and never half a save)."""

import pytest

from groups.models import (
    Appeal,
    Community,
    Entitlement,
    InviteCode,
    Ladder,
    Member,
    Membership,
    RoleAssignment,
    Rule,
    Violation,
)
from groups.moderation import ladders
from groups.moderation import services as moderation
from suo.models import AuditRecord
from tests.groups.admin_effects import listen, recorded
from tests.groups.factories import (
    CommunityFactory,
    EntitlementFactory,
    InviteCodeFactory,
    MemberFactory,
    MembershipFactory,
    RoleAssignmentFactory,
    RuleFactory,
    ladder_with,
)
from tests.helpers import admin_form_data, inline_prefix

pytestmark = pytest.mark.django_db

NOTHING = {"audit": [], "webhooks": []}


@pytest.fixture
def ws(tenant_a):
    listen(tenant_a.workspace)
    return tenant_a.workspace


def changelist_action(client, url, action, rows, **extra):
    return client.post(url, {"action": action, "_selected_action": [row.pk for row in rows], **extra})


# --- groups -----------------------------------------------------------------------------------


def test_a_group_made_on_the_admin_page_is_the_group_the_api_makes(client, api_for, tenant_a, ws):
    client.force_login(tenant_a.operator)
    page = client.get("/admin/groups/community/add/")
    thresholds = inline_prefix(page, "ThresholdInline")
    data = admin_form_data(page) | {
        "workspace": ws.pk,
        "name": "周末读书",
        "kind": "benefit",
        "platform": "wechat",
        "external_id": "admin-1",
        "member_limit": 200,
        "threshold_mode": "any",
        f"{thresholds}-TOTAL_FORMS": 1,
        f"{thresholds}-0-kind": "invite_code",
        f"{thresholds}-0-referral_scope": "group",
        f"{thresholds}-0-min_activity": 1,
    }

    with recorded() as by_admin:
        response = client.post("/admin/groups/community/add/", data)
    with recorded() as by_api:
        api_for(tenant_a.operator).post(
            "/api/groups/",
            {
                "name": "周末读书",
                "kind": "benefit",
                "external_id": "api-1",
                "member_limit": 200,
                "threshold_mode": "any",
                "thresholds": [{"kind": "invite_code"}],
            },
            format="json",
        )

    assert response.status_code == 302, response.context["adminform"].form.errors
    made = {g.external_id: g for g in Community.objects.filter(workspace=ws)}
    for group in made.values():
        assert (group.state, group.threshold_mode) == ("planning", "any")
        assert list(group.thresholds.values_list("kind", flat=True)) == ["invite_code"]
    assert by_admin == by_api == NOTHING


def test_a_lifecycle_move_in_the_admin_leaves_the_same_audit_and_webhook_as_the_api(
    client, api_for, tenant_a, ws
):
    in_admin = CommunityFactory(workspace=ws, state="planning", name="同一个名字", external_id="x")
    in_api = CommunityFactory(workspace=ws, state="planning", name="同一个名字", external_id="x2")
    client.force_login(tenant_a.operator)

    with recorded() as by_admin:
        changelist_action(client, "/admin/groups/community/", "move_to_recruiting", [in_admin])
    with recorded() as by_api:
        api_for(tenant_a.operator).post(f"/api/groups/{in_api.pk}/transition/", {"state": "recruiting"})

    assert [verb for verb, *_ in by_admin["audit"]] == ["community.state_changed"]
    assert [event for event, _ in by_admin["webhooks"]] == ["community.state_changed"]
    assert by_admin == by_api


def test_a_group_with_member_history_is_not_deleted_in_the_admin_either(client, api_for, tenant_a, ws):
    with_history = CommunityFactory(workspace=ws)
    MembershipFactory(community=with_history)
    empty = CommunityFactory(workspace=ws)
    client.force_login(tenant_a.operator)

    page = client.post(f"/admin/groups/community/{with_history.pk}/delete/", {"post": "yes"})
    bulk = changelist_action(
        client, "/admin/groups/community/", "delete_selected", [with_history, empty], post="yes"
    )
    by_api = api_for(tenant_a.operator).delete(f"/api/groups/{with_history.pk}/")

    assert page.status_code == 200 and page.context["protected"]
    assert bulk.status_code == 200 and bulk.context["protected"]
    assert by_api.status_code == 400
    assert Community.objects.filter(pk__in=[with_history.pk, empty.pk]).count() == 2
    assert client.post(f"/admin/groups/community/{empty.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Community.objects.filter(pk=empty.pk).exists()


def test_an_invite_code_refused_by_the_service_is_a_form_error_on_the_group_page(client, tenant_a, ws):
    group = CommunityFactory(workspace=ws)
    InviteCodeFactory(community=CommunityFactory(workspace=ws), code="TAKEN")
    client.force_login(tenant_a.operator)
    page = client.get(f"/admin/groups/community/{group.pk}/change/")
    codes = inline_prefix(page, "InviteCodeInline")
    data = admin_form_data(page) | {
        f"{codes}-TOTAL_FORMS": 1,
        f"{codes}-0-code": "TAKEN",
        f"{codes}-0-is_active": "on",
        "name": "改了名字",
    }

    response = client.post(f"/admin/groups/community/{group.pk}/change/", data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "This code is already used in the workspace." in str(response.context["adminform"].form.errors)
    group.refresh_from_db()
    assert group.name != "改了名字"  # the whole save was rolled back
    assert InviteCode.objects.filter(code="TAKEN").count() == 1


def test_a_role_given_on_the_group_page_is_the_role_the_api_gives(client, api_for, tenant_a, ws):
    in_admin, in_api = CommunityFactory(workspace=ws), CommunityFactory(workspace=ws)
    member = MemberFactory(workspace=ws)
    client.force_login(tenant_a.operator)
    page = client.get(f"/admin/groups/community/{in_admin.pk}/change/")
    roles = inline_prefix(page, "NewRoleInline")
    data = admin_form_data(page) | {f"{roles}-0-role": "kol", f"{roles}-0-member": member.pk}
    data[f"{roles}-0-script_position"] = "A"

    response = client.post(f"/admin/groups/community/{in_admin.pk}/change/", data)
    api_for(tenant_a.operator).post(
        f"/api/groups/{in_api.pk}/roles/", {"role": "kol", "member": member.pk, "script_position": "A"}
    )

    assert response.status_code == 302
    made = RoleAssignment.objects.filter(member=member).order_by("community_id")
    assert [(r.role, r.script_position, r.assigned_by) for r in made] == [("kol", "A", tenant_a.operator)] * 2


def test_roles_are_ended_in_the_role_list_not_deleted(client, api_for, tenant_a, ws):
    group = CommunityFactory(workspace=ws)
    rows = [
        RoleAssignmentFactory(
            community=group,
            role="kol",
            member=MemberFactory(workspace=ws),
            started_at=group.created_at,
        )
        for _ in range(2)
    ]
    client.force_login(tenant_a.operator)

    deleted = client.post(f"/admin/groups/roleassignment/{rows[0].pk}/delete/", {"post": "yes"})
    changelist_action(client, "/admin/groups/roleassignment/", "end_roles", [rows[0]])
    api_for(tenant_a.operator).delete(f"/api/groups/{group.pk}/roles/{rows[1].pk}/")

    assert deleted.status_code == 403
    for row in rows:
        row.refresh_from_db()
        assert not row.is_active and row.ended_at is not None


# --- members, memberships, invite codes, entitlements ------------------------------------------


def test_a_member_added_in_the_admin_is_the_member_the_api_adds(client, api_for, tenant_a, ws):
    client.force_login(tenant_a.moderator)
    page = client.get("/admin/groups/member/add/")
    data = admin_form_data(page) | {
        "workspace": ws.pk,
        "display_name": "小雨",
        "platform": "wechat",
        "external_id": "admin-m",
        "phone": "13800000000",
        "first_seen_at_0": "2026-03-01",
        "first_seen_at_1": "10:00:00",
    }

    with recorded() as by_admin:
        response = client.post("/admin/groups/member/add/", data)
        again = client.post("/admin/groups/member/add/", data)
    with recorded() as by_api:
        api_for(tenant_a.moderator).post(
            "/api/members/", {"display_name": "小雨", "external_id": "api-m", "phone": "13800000000"}
        )

    assert response.status_code == 302
    assert again.status_code == 200 and again.context["adminform"].form.errors
    assert by_admin == by_api == NOTHING
    assert Member.objects.filter(workspace=ws, display_name="小雨", phone="13800000000").count() == 2


def test_memberships_added_and_ended_in_the_admin_send_the_webhooks_the_api_sends(
    client, api_for, tenant_a, ws
):
    group = CommunityFactory(workspace=ws, state="active")
    in_admin, in_api = (
        MemberFactory(workspace=ws, display_name="同名"),
        MemberFactory(workspace=ws, display_name="同名"),
    )
    client.force_login(tenant_a.moderator)

    with recorded() as by_admin:
        client.post(
            "/admin/groups/membership/add/",
            {
                "workspace": ws.pk,
                "community": group.pk,
                "member": in_admin.pk,
                "source": "manual",
                "joined_at_0": "2026-03-01",
                "joined_at_1": "10:00:00",
            },
        )
        stay = Membership.objects.get(member=in_admin)
        changelist_action(client, "/admin/groups/membership/", "end_as_left", [stay])
    with recorded() as by_api:
        api = api_for(tenant_a.moderator)
        api.post(f"/api/groups/{group.pk}/join/", {"member": in_api.pk, "source": "manual"})
        api.post(f"/api/groups/{group.pk}/leave/", {"member": in_api.pk})

    assert [event for event, _ in by_admin["webhooks"]] == ["member.joined", "member.left"]
    assert by_admin == by_api
    assert client.post(f"/admin/groups/membership/{stay.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=stay.pk).exists()


def test_an_invite_code_in_the_admin_follows_the_api_rules(client, api_for, tenant_a, ws):
    group = CommunityFactory(workspace=ws)
    client.force_login(tenant_a.operator)
    page = client.get("/admin/groups/invitecode/add/")
    made = client.post(
        "/admin/groups/invitecode/add/",
        admin_form_data(page) | {"workspace": ws.pk, "community": group.pk, "code": "VIP1", "max_uses": 5},
    )
    invite = InviteCode.objects.get(code="VIP1")
    InviteCode.objects.filter(pk=invite.pk).update(uses=3)
    page = client.get(f"/admin/groups/invitecode/{invite.pk}/change/")
    renamed = client.post(
        f"/admin/groups/invitecode/{invite.pk}/change/",
        admin_form_data(page) | {"code": "VIP2", "note": "改"},
    )
    shrunk = client.post(
        f"/admin/groups/invitecode/{invite.pk}/change/", admin_form_data(page) | {"max_uses": 2}
    )
    by_api = api_for(tenant_a.operator).patch(f"/api/invite-codes/{invite.pk}/", {"max_uses": 2})

    assert made.status_code == 302 and invite.created_by == tenant_a.operator
    assert renamed.status_code == 302
    assert shrunk.status_code == 200 and "max_uses" in shrunk.context["adminform"].form.errors
    assert by_api.status_code == 400 and "max_uses" in by_api.json()["fields"]
    invite.refresh_from_db()
    assert (invite.code, invite.note, invite.max_uses) == ("VIP1", "改", 5)


def test_entitlements_are_recorded_and_revoked_in_the_admin_as_through_the_api(client, api_for, tenant_a, ws):
    revoked_in_admin = EntitlementFactory(member=MemberFactory(workspace=ws), order_id="A")
    revoked_by_api = EntitlementFactory(member=MemberFactory(workspace=ws), order_id="B")
    client.force_login(tenant_a.operator)

    changelist_action(client, "/admin/groups/entitlement/", "revoke", [revoked_in_admin])
    api_for(tenant_a.operator).post(f"/api/entitlements/{revoked_by_api.pk}/revoke/")
    page = client.get(f"/admin/groups/entitlement/{revoked_in_admin.pk}/change/")
    deleted = client.post(f"/admin/groups/entitlement/{revoked_in_admin.pk}/delete/", {"post": "yes"})

    assert Entitlement.objects.filter(revoked_at__isnull=False).count() == 2
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert deleted.status_code == 403


# --- moderation ---------------------------------------------------------------------------------


def test_a_ladder_made_in_the_admin_is_audited_as_through_the_api(client, api_for, tenant_a, ws):
    old_default = ladders.ladder_default(ws)
    client.force_login(tenant_a.operator)
    page = client.get("/admin/groups/ladder/add/")
    steps = inline_prefix(page, "LadderStepInline")
    data = admin_form_data(page) | {
        "workspace": ws.pk,
        "name": "严格",
        "is_default": "on",
        "window_days": 7,
        "scope": "workspace",
        f"{steps}-TOTAL_FORMS": 2,
        f"{steps}-0-position": 5,
        f"{steps}-0-action": "mute",
        f"{steps}-0-mute_minutes": 60,
        f"{steps}-1-position": 9,
        f"{steps}-1-action": "ban",
    }

    with recorded() as by_admin:
        response = client.post("/admin/groups/ladder/add/", data)
    with recorded() as by_api:
        api_for(tenant_a.operator).post(
            "/api/ladders/",
            {
                "name": "严格",
                "is_default": True,
                "window_days": 7,
                "scope": "workspace",
                "steps": [{"action": "mute", "mute_minutes": 60}, {"action": "ban"}],
            },
            format="json",
        )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [verb for verb, *_ in by_admin["audit"]] == ["ladder.created"]
    assert by_admin == by_api
    old_default.refresh_from_db()
    assert not old_default.is_default
    assert Ladder.objects.filter(workspace=ws, is_default=True).count() == 1


def test_the_default_ladder_is_kept_and_deletes_are_audited_in_the_admin(client, tenant_a, ws):
    default = ladders.ladder_default(ws)
    spare = ladder_with(ws, [("warn",)], name="备用")
    client.force_login(tenant_a.operator)
    page = client.get(f"/admin/groups/ladder/{default.pk}/change/")
    data = admin_form_data(page)
    del data["is_default"]

    unset = client.post(f"/admin/groups/ladder/{default.pk}/change/", data)
    bulk = changelist_action(client, "/admin/groups/ladder/", "delete_selected", [default, spare], post="yes")
    deleted = changelist_action(client, "/admin/groups/ladder/", "delete_selected", [spare], post="yes")

    assert unset.status_code == 200 and "is_default" in unset.context["adminform"].form.errors
    assert bulk.status_code == 200 and bulk.context["protected"]
    assert deleted.status_code == 302
    assert list(Ladder.objects.filter(workspace=ws)) == [default]
    assert AuditRecord.objects.filter(verb="ladder.deleted", target_id=str(spare.pk)).exists()


def test_rules_deleted_in_the_admin_are_audited_as_through_the_api(client, api_for, tenant_a, ws):
    in_admin, in_api = RuleFactory(workspace=ws, title="同一条"), RuleFactory(workspace=ws, title="同一条")
    client.force_login(tenant_a.operator)

    with recorded() as by_admin:
        changelist_action(client, "/admin/groups/rule/", "delete_selected", [in_admin], post="yes")
    with recorded() as by_api:
        api_for(tenant_a.operator).delete(f"/api/rules/{in_api.pk}/")

    assert [verb for verb, *_ in by_admin["audit"]] == ["rule.deleted"]
    assert by_admin == by_api
    assert not Rule.objects.filter(pk__in=[in_admin.pk, in_api.pk]).exists()


@pytest.fixture
def two_logged(tenant_a, ws):
    group = CommunityFactory(workspace=ws, name="一群")
    rule = RuleFactory(workspace=ws)
    logged = []
    for _ in range(2):
        member = MemberFactory(workspace=ws, display_name="同名")
        MembershipFactory(community=group, member=member)
        moderation.violation_log(community=group, member=member, rule=rule, by=tenant_a.moderator)
        logged.append(
            moderation.violation_log(
                community=group, member=member, rule=rule, by=tenant_a.moderator
            ).violation
        )
    return logged  # two members, each muted by a second violation


def test_a_revoke_in_the_admin_leaves_the_same_audit_and_webhooks_as_the_api(
    client, api_for, tenant_a, two_logged
):
    in_admin, in_api = two_logged
    client.force_login(tenant_a.operator)

    with recorded() as by_admin:
        client.post(f"/admin/groups/violation/{in_admin.pk}/revoke/", {"reason": "误判"})
    with recorded() as by_api:
        api_for(tenant_a.operator).post(f"/api/violations/{in_api.pk}/revoke/", {"reason": "误判"})

    assert [verb for verb, *_ in by_admin["audit"]] == ["violation.revoked", "penalty.lifted"]
    assert [event for event, _ in by_admin["webhooks"]] == ["violation.revoked", "penalty.lifted"]
    assert by_admin == by_api


def test_appeals_filed_and_decided_in_the_admin_match_the_api(client, api_for, tenant_a, two_logged):
    in_admin, in_api = two_logged

    with recorded() as by_admin:
        client.force_login(tenant_a.moderator)
        client.post("/admin/groups/appeal/add/", {"violation": in_admin.pk, "statement": "冤枉"})
        appeal = Appeal.objects.get(violation=in_admin)
        client.force_login(tenant_a.operator)
        client.post(f"/admin/groups/appeal/{appeal.pk}/decide/", {"decision": "accept", "reason": "证据不足"})
    with recorded() as by_api:
        filed = api_for(tenant_a.moderator).post(
            "/api/appeals/", {"violation": in_api.pk, "statement": "冤枉"}
        )
        api_for(tenant_a.operator).post(
            f"/api/appeals/{filed.json()['id']}/decide/", {"decision": "accept", "reason": "证据不足"}
        )

    assert [verb for verb, *_ in by_admin["audit"]] == [
        "appeal.filed",
        "violation.revoked",
        "penalty.lifted",
        "appeal.accepted",
    ]
    assert by_admin == by_api
    assert Violation.objects.filter(revoked_at__isnull=False).count() == 2
