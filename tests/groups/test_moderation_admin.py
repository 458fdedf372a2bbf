"""Moderation in the admin and the desk page through the test client: pages render, tenants are
isolated, the audit trail is read-only for everyone, revokes and appeal decisions need a role."""

from io import StringIO

import pytest
from django.core.management import call_command

from groups.models import Appeal, Ladder, Rule, Violation
from groups.moderation import ladders
from groups.moderation import services as moderation
from suo.demo import DEMO_PASSWORD
from suo.models import AuditRecord
from tests.groups.factories import CommunityFactory, MemberFactory, MembershipFactory, RuleFactory
from tests.suo.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["rule", "ladder", "violation", "penalty", "appeal"]


@pytest.fixture
def logged(tenant_a):
    group = CommunityFactory(workspace=tenant_a.workspace)
    member = MemberFactory(workspace=tenant_a.workspace)
    MembershipFactory(community=group, member=member)
    rule = RuleFactory(workspace=tenant_a.workspace)
    return moderation.violation_log(
        community=group, member=member, rule=rule, by=tenant_a.moderator
    ).violation


def test_demo_has_a_code_of_conduct_ladders_and_a_history_and_every_page_renders(client):
    call_command("seed_demo", stdout=StringIO())
    counts = [model.objects.count() for model in (Rule, Ladder, Violation, Appeal, AuditRecord)]
    call_command("seed_demo", stdout=StringIO())
    assert [model.objects.count() for model in (Rule, Ladder, Violation, Appeal, AuditRecord)] == counts

    demo = Violation.objects.filter(workspace__slug="demo")
    assert demo.count() >= 12
    assert {"warn", "mute", "kick", "ban"} <= set(demo.values_list("action", flat=True))
    assert demo.filter(revoked_at__isnull=False).exists()
    assert set(Appeal.objects.values_list("state", flat=True)) >= {"pending", "rejected"}
    default = Ladder.objects.get(workspace__slug="demo", is_default=True)
    assert [s.action for s in default.steps.order_by("position")] == ["warn", "mute", "kick"]
    assert Rule.objects.filter(workspace__slug="demo", category="fraud", severity=99).exists()

    assert client.login(username="demo_operator", password=DEMO_PASSWORD)
    for name in PAGES:
        assert client.get(f"/admin/groups/{name}/").status_code == 200, name
    for model in (Violation, Appeal, Rule, Ladder):
        row = model.objects.filter(workspace__slug="demo").first()
        page = client.get(f"/admin/groups/{model._meta.model_name}/{row.pk}/change/")
        assert page.status_code == 200, model
    assert client.get("/admin/groups/rule/add/").status_code == 200
    assert client.get("/admin/groups/ladder/add/").status_code == 200
    assert client.get("/desk/").status_code == 200

    assert client.login(username="demo_owner", password=DEMO_PASSWORD)
    audit = client.get("/admin/suo/auditrecord/")
    assert audit.status_code == 200
    record = AuditRecord.objects.filter(workspace__slug="demo").first()
    assert client.get(f"/admin/suo/auditrecord/{record.pk}/change/").status_code == 200


def test_nobody_changes_the_audit_trail_in_the_admin_not_even_a_superuser(client, tenant_a, logged):
    record = AuditRecord.objects.get(workspace=tenant_a.workspace, verb="violation.logged")
    root = UserFactory(username="root", is_superuser=True)
    client.force_login(root)

    page = client.get(f"/admin/suo/auditrecord/{record.pk}/change/")
    changed = client.post(f"/admin/suo/auditrecord/{record.pk}/change/", {"verb": "x"})
    deleted = client.post(f"/admin/suo/auditrecord/{record.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert changed.status_code == 403
    assert deleted.status_code == 403
    assert client.get("/admin/suo/auditrecord/add/").status_code == 403
    record.refresh_from_db()
    assert record.verb == "violation.logged"


def test_the_audit_trail_is_for_owners_and_their_workspace(client, tenant_a, tenant_b, logged):
    client.force_login(tenant_a.operator)
    assert client.get("/admin/suo/auditrecord/").status_code == 403
    client.force_login(tenant_b.owner)
    listing = client.get("/admin/suo/auditrecord/")
    assert listing.status_code == 200 and not list(listing.context["cl"].queryset)
    record = AuditRecord.objects.filter(workspace=tenant_a.workspace).first()
    assert client.get(f"/admin/suo/auditrecord/{record.pk}/change/").status_code == 404


def test_violations_of_another_workspace_are_404_in_the_admin(client, tenant_b, logged):
    client.force_login(tenant_b.owner)

    assert client.get(f"/admin/groups/violation/{logged.pk}/change/").status_code == 404
    assert client.post(f"/admin/groups/violation/{logged.pk}/revoke/", {"reason": "x"}).status_code == 404
    assert Violation.objects.get(pk=logged.pk).revoked_at is None
    assert logged.pk not in {v.pk for v in client.get("/admin/groups/violation/").context["cl"].queryset}


def test_operators_revoke_in_the_admin_with_a_reason_and_moderators_cannot(client, tenant_a, logged):
    url = f"/admin/groups/violation/{logged.pk}/revoke/"
    client.force_login(tenant_a.moderator)
    page = client.get(f"/admin/groups/violation/{logged.pk}/change/")
    assert page.status_code == 200 and not page.context["may_revoke"]
    assert client.post(url, {"reason": "x"}).status_code == 403

    client.force_login(tenant_a.operator)
    assert client.get(f"/admin/groups/violation/{logged.pk}/change/").context["may_revoke"]
    client.post(url, {"reason": ""})
    assert Violation.objects.get(pk=logged.pk).revoked_at is None
    response = client.post(url, {"reason": "误判"})

    assert response.status_code == 302
    assert Violation.objects.get(pk=logged.pk).revoke_reason == "误判"


def test_appeals_are_recorded_by_moderators_and_decided_by_operators_in_the_admin(client, tenant_a, logged):
    client.force_login(tenant_a.moderator)
    added = client.post("/admin/groups/appeal/add/", {"violation": logged.pk, "statement": "冤枉"})
    assert added.status_code == 302, added.content.decode()[:2000]
    appeal = Appeal.objects.get()
    assert appeal.filed_by == tenant_a.moderator
    assert (
        client.post(
            f"/admin/groups/appeal/{appeal.pk}/decide/", {"decision": "accept", "reason": "x"}
        ).status_code
        == 403
    )

    client.force_login(tenant_a.operator)
    assert client.get(f"/admin/groups/appeal/{appeal.pk}/change/").context["may_decide"]
    client.post(f"/admin/groups/appeal/{appeal.pk}/decide/", {"decision": "reject", "reason": "证据充分"})

    appeal.refresh_from_db()
    assert (appeal.state, appeal.decision_reason) == ("rejected", "证据充分")


def test_rule_and_ladder_edits_in_the_admin_are_audited(client, tenant_a):
    client.force_login(tenant_a.operator)
    response = client.post(
        "/admin/groups/rule/add/",
        {
            "workspace": tenant_a.workspace.pk,
            "title": "禁止拉人",
            "description": "不私拉群成员",
            "category": "other",
            "severity": 1,
            "community_kind": "",
            "position": 10,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    ladder = ladders.ladder_default(tenant_a.workspace)
    steps = list(ladder.steps.order_by("position"))
    data = {
        "workspace": tenant_a.workspace.pk,
        "name": ladder.name,
        "is_default": "on",
        "window_days": 14,
        "scope": "group",
        "steps-TOTAL_FORMS": 3,
        "steps-INITIAL_FORMS": 3,
        "steps-MIN_NUM_FORMS": 1,
        "steps-MAX_NUM_FORMS": 1000,
    }
    for index, step in enumerate(steps):
        data |= {
            f"steps-{index}-id": step.pk,
            f"steps-{index}-ladder": ladder.pk,
            f"steps-{index}-position": step.position,
            f"steps-{index}-action": "ban" if index == 2 else step.action,
            f"steps-{index}-mute_minutes": step.mute_minutes or "",
        }
    changed = client.post(f"/admin/groups/ladder/{ladder.pk}/change/", data)

    assert changed.status_code == 302, changed.context["adminform"].form.errors
    assert AuditRecord.objects.filter(verb="rule.created", actor=tenant_a.operator).exists()
    record = AuditRecord.objects.get(verb="ladder.changed")
    assert record.before["window_days"] == 30 and record.after["window_days"] == 14
    assert record.after["steps"][-1]["action"] == "ban"


def test_moderators_cannot_configure_rules_or_ladders_in_the_admin(client, tenant_a):
    client.force_login(tenant_a.moderator)

    assert client.get("/admin/groups/rule/add/").status_code == 403
    assert client.get("/admin/groups/ladder/add/").status_code == 403


def test_the_desk_is_for_moderators_operators_and_owners(client, tenant_a, tenant_b):
    assert client.get("/desk/").status_code == 302  # to the login page
    for role in ("moderator", "operator", "owner"):
        client.force_login(tenant_a.user(role))
        page = client.get("/desk/")
        assert page.status_code == 200, role
        assert page.context["config"]["workspace"] == tenant_a.workspace.slug
    client.force_login(tenant_a.analyst)
    assert client.get("/desk/").status_code == 403
    assert client.get(f"/desk/?workspace={tenant_a.workspace.slug}").status_code == 403


def test_the_desk_asks_which_workspace_and_shows_only_its_groups_and_rules(client, tenant_a, tenant_b):
    from tests.suo.factories import WorkspaceMembershipFactory

    WorkspaceMembershipFactory(workspace=tenant_b.workspace, user=tenant_a.moderator, role="moderator")
    mine = CommunityFactory(workspace=tenant_a.workspace, name="甲群")
    theirs = CommunityFactory(workspace=tenant_b.workspace, name="乙群")
    RuleFactory(workspace=tenant_b.workspace, title="乙的群规")
    client.force_login(tenant_a.moderator)

    chooser = client.get("/desk/")
    page = client.get(f"/desk/?workspace={tenant_a.workspace.slug}")

    assert chooser.status_code == 200 and "desk_choose" in chooser.templates[0].name
    group_ids = [g["id"] for g in page.context["config"]["groups"]]
    assert mine.pk in group_ids and theirs.pk not in group_ids
    assert not page.context["config"]["rules"]
    assert client.get("/desk/?workspace=nope").status_code == 404
