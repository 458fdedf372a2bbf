"""The moderation API through APIClient with real tokens: shapes, roles, errors, isolation."""

import io
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from groups.models import Appeal, Ladder, Membership, Rule, Violation
from groups.moderation import services as moderation
from suo.models import AuditRecord
from tests.groups.factories import (
    CommunityFactory,
    MemberFactory,
    MembershipFactory,
    RuleFactory,
    ladder_with,
)
from tests.helpers import response_schema_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tenant_a):
    ws = tenant_a.workspace
    group = CommunityFactory(workspace=ws)
    member = MemberFactory(workspace=ws, display_name="刷屏哥", external_id="wxid_spammer")
    MembershipFactory(community=group, member=member)
    rule = RuleFactory(workspace=ws, title="禁止刷屏", category="spam")
    return group, member, rule


def body_for(setup, **extra):
    group, member, rule = setup
    return {"group": group.pk, "member": member.pk, "rule": rule.pk, **extra}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_moderator_logs_a_violation_and_gets_the_step_that_applied(api_for, tenant_a, setup):
    client = api_for(tenant_a.moderator)

    first = client.post("/api/violations/", body_for(setup, note="一分钟 30 条"))
    second = client.post("/api/violations/", body_for(setup))

    assert first.status_code == 201, first.json()
    body = first.json()
    assert {"id", "step", "action", "muted_until", "counted_violations", "next_action"} <= set(body)
    assert (
        body["step"],
        body["action"],
        body["muted_until"],
        body["counted_violations"],
        body["next_action"],
    ) == (
        1,
        "warn",
        None,
        1,
        "mute",
    )
    assert body["member"]["external_id"] == "wxid_spammer" and body["rule"]["title"] == "禁止刷屏"
    assert body["logged_by"] == tenant_a.moderator.username and body["note"] == "一分钟 30 条"
    muted = second.json()
    assert (muted["step"], muted["action"], muted["mute_minutes"], muted["next_action"]) == (
        2,
        "mute",
        1440,
        "kick",
    )
    assert muted["muted_until"] is not None
    group, member, _rule = setup
    stay = Membership.objects.get(community=group, member=member, is_active=True)
    assert stay.muted_until == datetime.fromisoformat(muted["muted_until"])


def test_analysts_cannot_log_and_nothing_is_written(api_for, tenant_a, setup):
    response = api_for(tenant_a.analyst).post("/api/violations/", body_for(setup))

    assert response.status_code == 403
    assert not Violation.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rule": None}, "rule"),
        ({"group": "abc"}, "group"),
        ({"member": 999999}, "member"),
        ({"note": "x" * 501}, "note"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(api_for, tenant_a, setup, change, field):
    body = {k: v for k, v in {**body_for(setup), **change}.items() if v is not None}

    response = api_for(tenant_a.moderator).post("/api/violations/", body)

    assert response.status_code == 400
    assert field in response.json()["fields"], response.json()
    assert not Violation.objects.exists()


def test_objects_of_another_workspace_cannot_be_named(api_for, tenant_a, tenant_b, setup):
    foreign_group = CommunityFactory(workspace=tenant_b.workspace)
    foreign_member = MemberFactory(workspace=tenant_b.workspace)
    foreign_rule = RuleFactory(workspace=tenant_b.workspace)
    client = api_for(tenant_a.moderator)

    for field, value in (
        ("group", foreign_group.pk),
        ("member", foreign_member.pk),
        ("rule", foreign_rule.pk),
    ):
        response = client.post("/api/violations/", body_for(setup, **{field: value}))
        assert response.status_code == 400 and field in response.json()["fields"]
    assert not Violation.objects.exists()


def test_a_rule_that_does_not_apply_to_the_group_is_refused(api_for, tenant_a, setup):
    flash_rule = RuleFactory(workspace=tenant_a.workspace, community_kind="flash")

    response = api_for(tenant_a.moderator).post("/api/violations/", body_for(setup, rule=flash_rule.pk))

    assert response.status_code == 400
    assert "rule" in response.json()["fields"]


def test_a_retried_request_with_the_same_idempotency_key_is_logged_once(api_for, tenant_a, setup):
    client = api_for(tenant_a.moderator)

    first = client.post("/api/violations/", body_for(setup), HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/violations/", body_for(setup), HTTP_IDEMPOTENCY_KEY="k-1")
    other = client.post("/api/violations/", body_for(setup), HTTP_IDEMPOTENCY_KEY="k-2")

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert first.json()["id"] == again.json()["id"] != other.json()["id"]
    assert Violation.objects.count() == 2
    assert other.json()["step"] == 2


def test_a_screenshot_is_stored_and_shown_only_to_moderators_of_the_workspace(
    api_for, tenant_a, tenant_b, setup, client, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    upload = SimpleUploadedFile("chat.png", png_bytes(), content_type="image/png")
    response = api_for(tenant_a.moderator).post(
        "/api/violations/", {**body_for(setup), "screenshot": upload}, format="multipart"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["has_screenshot"] is True
    violation = Violation.objects.get()
    url = f"/desk/screenshots/{violation.pk}/"
    client.force_login(tenant_a.moderator)
    assert client.get(url).status_code == 200
    client.force_login(tenant_b.owner)
    assert client.get(url).status_code == 404


def test_a_file_that_is_not_a_picture_is_refused(api_for, tenant_a, setup, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    upload = SimpleUploadedFile("chat.png", b"not a picture", content_type="image/png")

    response = api_for(tenant_a.moderator).post(
        "/api/violations/", {**body_for(setup), "screenshot": upload}, format="multipart"
    )

    assert response.status_code == 400 and "screenshot" in response.json()["fields"]
    assert not Violation.objects.exists()


def test_list_filters_by_member_group_and_since_without_n_plus_one(
    api_for, tenant_a, tenant_b, setup, django_assert_max_num_queries
):
    group, member, rule = setup
    other = MemberFactory(workspace=tenant_a.workspace)
    MembershipFactory(community=group, member=other)
    for _ in range(3):
        moderation.violation_log(community=group, member=other, rule=rule, by=tenant_a.moderator)
    old = moderation.violation_log(community=group, member=member, rule=rule, by=tenant_a.moderator).violation
    Violation.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    recent = moderation.violation_log(
        community=group, member=member, rule=rule, by=tenant_a.moderator
    ).violation
    b_group = CommunityFactory(workspace=tenant_b.workspace)
    b_member = MemberFactory(workspace=tenant_b.workspace)
    moderation.violation_log(
        community=b_group,
        member=b_member,
        rule=RuleFactory(workspace=tenant_b.workspace),
        by=tenant_b.moderator,
    )
    client = api_for(tenant_a.analyst)  # analysts read

    with django_assert_max_num_queries(8):
        everything = client.get("/api/violations/")
    mine = client.get(f"/api/violations/?member={member.pk}&group={group.pk}")
    since = (timezone.now() - timedelta(days=1)).isoformat()
    fresh = client.get("/api/violations/", {"member": member.pk, "since": since})

    assert everything.json()["count"] == 5
    assert [row["id"] for row in mine.json()["results"]] == [recent.pk, old.pk]
    assert [row["id"] for row in fresh.json()["results"]] == [recent.pk]
    assert client.get("/api/violations/?since=yesterday").status_code == 400


def test_revoke_is_for_owners_and_operators_and_other_workspaces_get_404(api_for, tenant_a, tenant_b, setup):
    group, member, rule = setup
    violation = moderation.violation_log(
        community=group, member=member, rule=rule, by=tenant_a.moderator
    ).violation
    url = f"/api/violations/{violation.pk}/revoke/"

    assert api_for(tenant_a.moderator).post(url, {"reason": "x"}).status_code == 403
    assert api_for(tenant_a.analyst).post(url, {"reason": "x"}).status_code == 403
    assert api_for(tenant_b.owner).post(url, {"reason": "x"}).status_code == 404
    missing = api_for(tenant_a.operator).post(url, {})
    assert missing.status_code == 400 and "reason" in missing.json()["fields"]
    assert Violation.objects.get(pk=violation.pk).revoked_at is None

    done = api_for(tenant_a.operator).post(url, {"reason": "误判，撤销"})

    assert done.status_code == 200
    assert (
        done.json()["revoked_by"] == tenant_a.operator.username
        and done.json()["revoke_reason"] == "误判，撤销"
    )
    assert done.json()["penalty_state"] == "ended"  # a warning had nothing left to lift
    again = api_for(tenant_a.owner).post(url, {"reason": "again"})
    assert again.status_code == 400 and again.json()["code"] == "already_revoked"


def test_appeals_are_filed_by_moderators_and_decided_by_operators(api_for, tenant_a, tenant_b, setup):
    group, member, rule = setup
    moderation.violation_log(community=group, member=member, rule=rule, by=tenant_a.moderator)
    mute = moderation.violation_log(
        community=group, member=member, rule=rule, by=tenant_a.moderator
    ).violation

    assert (
        api_for(tenant_a.analyst).post("/api/appeals/", {"violation": mute.pk, "statement": "x"}).status_code
        == 403
    )
    filed = api_for(tenant_a.moderator).post(
        "/api/appeals/", {"violation": mute.pk, "statement": "我是被盗号了"}
    )
    assert filed.status_code == 201, filed.json()
    appeal_id = filed.json()["id"]
    assert filed.json()["state"] == "pending" and filed.json()["violation"]["id"] == mute.pk
    duplicate = api_for(tenant_a.moderator).post(
        "/api/appeals/", {"violation": mute.pk, "statement": "again"}
    )
    assert duplicate.status_code == 400 and duplicate.json()["code"] == "appeal_pending"
    queue = api_for(tenant_a.operator).get("/api/appeals/?state=pending")
    assert [row["id"] for row in queue.json()["results"]] == [appeal_id]

    url = f"/api/appeals/{appeal_id}/decide/"
    assert api_for(tenant_a.moderator).post(url, {"decision": "accept", "reason": "x"}).status_code == 403
    assert api_for(tenant_b.owner).post(url, {"decision": "accept", "reason": "x"}).status_code == 404
    bad = api_for(tenant_a.operator).post(url, {"decision": "maybe", "reason": "x"})
    assert bad.status_code == 400 and "decision" in bad.json()["fields"]
    decided = api_for(tenant_a.operator).post(url, {"decision": "accept", "reason": "确认被盗号"})

    assert decided.status_code == 200
    assert (
        decided.json()["state"] == "accepted" and decided.json()["decided_by"] == tenant_a.operator.username
    )
    assert decided.json()["violation"]["revoked_at"] is not None
    assert Membership.objects.get(community=group, member=member, is_active=True).muted_until is None
    assert Appeal.objects.get(pk=appeal_id).decision_reason == "确认被盗号"


def test_audit_api_is_for_owners_and_shows_only_their_workspace(api_for, tenant_a, tenant_b, setup):
    group, member, rule = setup
    violation = moderation.violation_log(
        community=group, member=member, rule=rule, by=tenant_a.moderator
    ).violation
    moderation.violation_revoke(violation=violation, by=tenant_a.operator, reason="撤销")
    b_group = CommunityFactory(workspace=tenant_b.workspace)
    moderation.violation_log(
        community=b_group,
        member=MemberFactory(workspace=tenant_b.workspace),
        rule=RuleFactory(workspace=tenant_b.workspace),
        by=tenant_b.moderator,
    )

    for role in ("operator", "moderator", "analyst"):
        assert api_for(tenant_a.user(role)).get("/api/audit/").status_code == 403
    response = api_for(tenant_a.owner).get("/api/audit/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["verb"] for row in rows} == {"violation.logged", "penalty.applied", "violation.revoked"}
    revoked = next(row for row in rows if row["verb"] == "violation.revoked")
    assert (revoked["actor"], revoked["target_type"], revoked["target_id"]) == (
        tenant_a.operator.username,
        "groups.violation",
        str(violation.pk),
    )
    assert revoked["before"] == {"revoked": False} and revoked["after"]["reason"] == "撤销"
    filtered = api_for(tenant_a.owner).get(
        f"/api/audit/?target_type=groups.violation&target_id={violation.pk}"
    )
    assert {row["verb"] for row in filtered.json()["results"]} == {"violation.logged", "violation.revoked"}
    assert api_for(tenant_a.owner).post("/api/audit/", {}).status_code in (403, 405)
    foreign = AuditRecord.objects.filter(workspace=tenant_b.workspace).first()
    assert api_for(tenant_a.owner).get(f"/api/audit/{foreign.pk}/").status_code == 404


def test_rules_are_configured_by_operators_and_a_used_rule_is_retired_not_deleted(
    api_for, tenant_a, tenant_b, setup
):
    group, member, rule = setup
    payload = {"title": "诈骗", "category": "fraud", "severity": 99, "description": "冒充客服、虚假交易"}

    assert api_for(tenant_a.moderator).post("/api/rules/", payload).status_code == 403
    created = api_for(tenant_a.operator).post("/api/rules/", payload)
    assert created.status_code == 201, created.json()
    bad = api_for(tenant_a.operator).post("/api/rules/", {**payload, "severity": 5})
    assert bad.status_code == 400 and "severity" in bad.json()["fields"]
    assert response_schema_errors(created, "/api/rules/", "post") == []  # for every kind: ""
    both = api_for(tenant_a.operator).post(
        "/api/rules/", {**payload, "community_kind": "flash", "group": group.pk}
    )
    assert both.status_code == 400
    foreign = api_for(tenant_a.operator).post(
        "/api/rules/", {**payload, "group": CommunityFactory(workspace=tenant_b.workspace).pk}
    )
    assert foreign.status_code == 400 and "group" in foreign.json()["fields"]
    applies = api_for(tenant_a.moderator).get(f"/api/rules/?applies_to={group.pk}")
    assert {row["id"] for row in applies.json()["results"]} == {rule.pk, created.json()["id"]}

    moderation.violation_log(community=group, member=member, rule=rule, by=tenant_a.moderator)
    refused = api_for(tenant_a.operator).delete(f"/api/rules/{rule.pk}/")
    assert refused.status_code == 400 and "rule" in refused.json()["fields"]
    retired = api_for(tenant_a.operator).patch(f"/api/rules/{rule.pk}/", {"is_active": False})
    assert retired.status_code == 200 and Rule.objects.get(pk=rule.pk).is_active is False
    assert api_for(tenant_a.operator).delete(f"/api/rules/{created.json()['id']}/").status_code == 204
    assert AuditRecord.objects.filter(verb="rule.deleted").count() == 1


def test_ladders_api_shows_the_default_and_replaces_steps(api_for, tenant_a, tenant_b):
    client = api_for(tenant_a.operator)

    listing = client.get("/api/ladders/")
    default = listing.json()["results"][0]
    assert default["is_default"] is True
    assert [s["action"] for s in default["steps"]] == ["warn", "mute", "kick"]
    assert default["steps"][1]["mute_minutes"] == 1440

    changed = client.patch(
        f"/api/ladders/{default['id']}/",
        {
            "window_days": 14,
            "scope": "workspace",
            "steps": [{"action": "mute", "mute_minutes": 30}, {"action": "ban"}],
        },
    )
    assert changed.status_code == 200, changed.json()
    assert [s["action"] for s in changed.json()["steps"]] == ["mute", "ban"]
    no_duration = client.patch(f"/api/ladders/{default['id']}/", {"steps": [{"action": "mute"}]})
    assert no_duration.status_code == 400 and "steps.0.mute_minutes" in no_duration.json()["fields"]
    empty = client.patch(f"/api/ladders/{default['id']}/", {"steps": []})
    assert empty.status_code == 400 and "steps" in empty.json()["fields"]
    assert client.delete(f"/api/ladders/{default['id']}/").status_code == 400
    assert api_for(tenant_a.moderator).post("/api/ladders/", {"name": "x"}).status_code == 403
    assert api_for(tenant_b.owner).get(f"/api/ladders/{default['id']}/").status_code == 404
    strict = client.post("/api/ladders/", {"name": "严格", "window_days": 7})
    assert strict.status_code == 201 and len(strict.json()["steps"]) == 3
    assert Ladder.objects.get(pk=default["id"]).window_days == 14


def test_a_group_takes_a_ladder_of_its_own_workspace_only(api_for, tenant_a, tenant_b):
    group = CommunityFactory(workspace=tenant_a.workspace)
    mine = ladder_with(tenant_a.workspace, [("warn",)])
    theirs = ladder_with(tenant_b.workspace, [("warn",)])
    client = api_for(tenant_a.operator)

    assert client.patch(f"/api/groups/{group.pk}/", {"ladder": theirs.pk}).status_code == 400
    ok = client.patch(f"/api/groups/{group.pk}/", {"ladder": mine.pk})
    assert ok.status_code == 200 and ok.json()["ladder"] == mine.pk


def test_desk_search_and_preview(api_for, tenant_a, tenant_b, setup):
    group, member, rule = setup
    MemberFactory(workspace=tenant_b.workspace, display_name="刷屏哥二号")
    moderation.violation_log(community=group, member=member, rule=rule, by=tenant_a.moderator)
    client = api_for(tenant_a.moderator)

    found = client.get("/api/desk/members/?q=刷屏")
    by_id = client.get("/api/desk/members/?q=wxid_spam")
    preview = client.get(f"/api/desk/preview/?member={member.pk}&group={group.pk}&rule={rule.pk}")

    assert [row["id"] for row in found.json()] == [member.pk]
    assert found.json()[0]["violation_count"] == 1
    assert found.json()[0]["groups"][0]["id"] == group.pk
    assert [row["id"] for row in by_id.json()] == [member.pk]
    body = preview.json()
    assert preview.status_code == 200
    assert (body["preview"]["step"], body["preview"]["action"], body["preview"]["counted_violations"]) == (
        2,
        "mute",
        1,
    )
    assert [s["action"] for s in body["preview"]["ladder"]["steps"]] == ["warn", "mute", "kick"]
    assert body["rule_applies"] is True and len(body["history"]) == 1
    assert Violation.objects.count() == 1  # a preview writes nothing
    assert api_for(tenant_a.analyst).get("/api/desk/members/?q=刷屏").status_code == 403
    foreign = MemberFactory(workspace=tenant_b.workspace)
    assert client.get(f"/api/desk/preview/?member={foreign.pk}").status_code == 400
    assert client.get("/api/desk/preview/").status_code == 400


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/violations/", ["not", "an", "object"]),
        ("post", "/api/violations/", {"group": {"id": 1}, "member": [1], "rule": True}),
        ("get", "/api/violations/?member=abc&since=yesterday&revoked=maybe", None),
        ("get", "/api/desk/preview/?member=abc&group=-1&rule=1e9", None),
        ("get", "/api/desk/members/?q=" + "%00" * 5, None),
        ("post", "/api/ladders/", {"name": "x", "steps": "warn"}),
        ("post", "/api/ladders/", {"name": "x", "steps": [{"action": "mute", "mute_minutes": "abc"}]}),
        ("post", "/api/ladders/", {"name": "x", "window_days": 0}),
        ("post", "/api/ladders/", {"name": "x", "scope": "planet"}),
        ("post", "/api/rules/", {"title": "", "category": "nope", "severity": "abc"}),
        ("get", "/api/rules/?applies_to=abc", None),
        ("post", "/api/appeals/", {"violation": "x", "statement": ""}),
        ("post", "/api/appeals/999999/decide/", {"decision": None}),
        ("post", "/api/violations/999999/revoke/", {"reason": "x"}),
        ("get", "/api/audit/?since=bad&target_id=" + "x" * 300, None),
    ],
)
def test_odd_input_is_never_a_500(api_for, tenant_a, setup, method, url, body):
    client = api_for(tenant_a.owner)

    response = getattr(client, method)(url, body, format="json") if body is not None else client.get(url)

    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert {"code", "detail", "fields"} <= set(response.json())


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/violations/", "member"),
        ("/api/violations/", "group"),
        ("/api/violations/", "rule"),
        ("/api/rules/", "applies_to"),
    ],
)
def test_an_id_filter_beyond_64_bits_is_a_400_naming_it(api_for, tenant_a, url, name):
    response = api_for(tenant_a.moderator).get(url, {name: "99999999999999999999999"})

    assert response.status_code == 400
    assert name in response.json()["fields"]


def test_a_violation_and_an_appeal_nobody_decided_match_the_documented_answers(api_for, tenant_a, setup):
    group, member, rule = setup
    warning = moderation.violation_log(community=group, member=member, rule=rule, by=tenant_a.moderator)
    client = api_for(tenant_a.operator)

    violation = client.get(f"/api/violations/{warning.violation.pk}/")
    filed = client.post("/api/appeals/", {"violation": warning.violation.pk, "statement": "误判"})

    assert violation.json()["revoked_by"] is None and violation.json()["penalty_ends_at"] is None
    assert filed.status_code == 201, filed.json()
    assert filed.json()["decided_by"] is None
    assert response_schema_errors(violation, "/api/violations/{id}/", "get") == []
    assert response_schema_errors(filed, "/api/appeals/", "post") == []
