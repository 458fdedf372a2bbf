"""/api/plays/, /api/referrals/leaderboard/, lures, joins, conversions and follow-ups over HTTP."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from groups.campaigns import services
from groups.campaigns.models import FollowUpTask, Play
from tests.campaigns.factories import make_campaign, make_play
from tests.campaigns.helpers import claimed_and_wrapped_up, run_until
from tests.campaigns.test_api_flash import assert_error
from tests.groups.factories import CommunityFactory, MemberFactory, MembershipFactory
from tests.helpers import response_schema_errors

pytestmark = pytest.mark.django_db


def _post_play(api, workspace, kind: str, lasts: timedelta, **fields):
    """POST /api/plays/ for a play of a new benefit group that opens in five minutes: the response
    and the opening time."""
    group = CommunityFactory(workspace=workspace, kind="benefit")
    opens = timezone.now() + timedelta(minutes=5)
    body = {"group": group.pk, "kind": kind, "opens_at": opens.isoformat(), **fields}
    body["closes_at"] = (opens + lasts).isoformat()
    return api.post("/api/plays/", body, format="json"), opens


def test_a_lottery_over_http_commits_enters_draws_and_verifies(tenant_a, api_for):
    api = api_for(tenant_a.operator)
    created, opens = _post_play(
        api, tenant_a.workspace, "lottery", timedelta(hours=2), title="周五抽奖", winners_count=2
    )
    play_id = created.json()["id"]
    members = [MemberFactory(workspace=tenant_a.workspace) for _ in range(5)]
    with time_machine.travel(opens + timedelta(minutes=1), tick=False):
        shown = api.get(f"/api/plays/{play_id}/").json()
        entries = [
            api.post(f"/api/plays/{play_id}/entries/", {"member": m.pk}, format="json") for m in members
        ]
        twice = api.post(f"/api/plays/{play_id}/entries/", {"member": members[0].pk}, format="json")
        early_draw = api.post(f"/api/plays/{play_id}/draw/")
    with time_machine.travel(opens + timedelta(hours=3), tick=False):
        drawn = api.post(f"/api/plays/{play_id}/draw/")
        verify = api.get(f"/api/plays/{play_id}/verify/").json()

    assert created.status_code == 201, created.content
    assert len(shown["commitment"]) == 64 and shown["seed"] is None and shown["status"] == "open"
    assert [e.status_code for e in entries] == [201] * 5
    assert_error(twice, 400, "already_entered", "member")
    assert_error(early_draw, 400, "window_open")
    assert drawn.status_code == 200 and drawn.json()["winners"] == verify["winners"]
    assert set(verify) == {"commitment", "seed", "algorithm", "entries", "winners"}
    assert hashlib.sha256(verify["seed"].encode()).hexdigest() == verify["commitment"] == shown["commitment"]
    rerun = sorted(
        verify["entries"],
        key=lambda m: (hashlib.sha256(f"{verify['seed']}:{m}".encode()).hexdigest(), m),
    )[:2]
    assert verify["winners"] == rerun
    assert "SHA-256" in verify["algorithm"]


def test_the_verify_algorithm_is_in_the_readers_language(tenant_a, api_for):
    play = make_play(tenant_a.workspace, kind="lottery")
    api = api_for(tenant_a.operator)

    chinese = api.get(f"/api/plays/{play.pk}/verify/").json()["algorithm"]
    english = api.get(f"/api/plays/{play.pk}/verify/", HTTP_ACCEPT_LANGUAGE="en").json()["algorithm"]

    assert "得分" in chinese and "SHA-256" in chinese and "{seed}:{member_id}" in chinese
    assert "algorithm" not in chinese and "score" not in chinese
    assert english.startswith("Each entry's score is the SHA-256")


def test_entries_outside_the_window_are_400_with_the_error_body(tenant_a, api_for):
    play = make_play(tenant_a.workspace, kind="checkin")

    response = api_for(tenant_a.moderator).post(
        f"/api/plays/{play.pk}/entries/",
        {"member": MemberFactory(workspace=tenant_a.workspace).pk},
        format="json",
    )

    assert_error(response, 400, "outside_window")


def test_a_play_missing_its_kinds_settings_is_refused(tenant_a, api_for):
    response, _ = _post_play(
        api_for(tenant_a.operator), tenant_a.workspace, "group_buy", timedelta(days=1), title="拼团"
    )

    assert_error(response, 400, "invalid", "min_participants")
    assert not Play.objects.exists()


def test_the_play_calendar_lists_by_group_in_a_fixed_number_of_queries(
    tenant_a, tenant_b, api_for, django_assert_max_num_queries
):
    group = CommunityFactory(workspace=tenant_a.workspace, kind="benefit")
    start = timezone.now() + timedelta(hours=1)
    for day, kind in enumerate(["lottery", "checkin", "group_buy", "lottery", "checkin"]):
        make_play(tenant_a.workspace, kind=kind, group=group, opens_at=start + timedelta(days=3 * day))
    make_play(tenant_b.workspace, kind="lottery")
    api = api_for(tenant_a.analyst)

    with django_assert_max_num_queries(7):
        response = api.get(f"/api/plays/?group={group.pk}")

    kinds = [row["kind"] for row in response.json()["results"]]
    assert kinds == ["lottery", "checkin", "group_buy", "lottery", "checkin"]


def test_another_workspaces_play_is_404(tenant_a, tenant_b, api_for):
    theirs = make_play(tenant_b.workspace, kind="lottery")
    api = api_for(tenant_a.owner)

    assert api.get(f"/api/plays/{theirs.pk}/").status_code == 404
    assert api.get(f"/api/plays/{theirs.pk}/verify/").status_code == 404
    assert api.post(f"/api/plays/{theirs.pk}/draw/").status_code == 404


@pytest.fixture
def fission(tenant_a):
    group = CommunityFactory(workspace=tenant_a.workspace, kind="lead_gen", state="active")
    campaign = make_campaign(tenant_a.workspace, group=group, slug="fission", step=timedelta(days=10))
    traveller = run_until(campaign, "preheat")
    inviter = MemberFactory(workspace=tenant_a.workspace, display_name="裂变王")
    MembershipFactory(community=group, member=inviter)
    yield campaign, inviter
    traveller.stop()


def test_lures_joins_and_the_leaderboard_over_http(tenant_a, api_for, fission):
    campaign, inviter = fission
    api = api_for(tenant_a.operator)
    lure = api.post(
        f"/api/campaigns/{campaign.pk}/lures/",
        {"name": "免费资料包", "channels": [{"channel": "douyin", "url": "https://example.com/free"}]},
        format="json",
    )
    joins = [
        api.post(
            f"/api/campaigns/{campaign.pk}/joins/",
            {
                "member": MemberFactory(workspace=tenant_a.workspace).pk,
                "channel": "douyin",
                "inviter": inviter.pk,
            },
            format="json",
        )
        for _ in range(2)
    ]
    selfie = MemberFactory(workspace=tenant_a.workspace)
    refused = api.post(
        f"/api/campaigns/{campaign.pk}/joins/", {"member": selfie.pk, "inviter": selfie.pk}, format="json"
    )
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=5), tick=False):
        services.fission_reconcile()
    by_id = api.get(f"/api/referrals/leaderboard/?campaign={campaign.pk}")
    by_slug = api.get("/api/referrals/leaderboard/?campaign=fission")
    missing = api.get("/api/referrals/leaderboard/")
    stats = api.get(f"/api/campaigns/{campaign.pk}/lures/").json()["results"]

    assert lure.status_code == 201 and lure.json()[0]["short_url"]
    assert [j.status_code for j in joins] == [201, 201]
    assert joins[0].json()["campaign"] == "fission" and joins[0].json()["channel"] == "douyin"
    assert_error(refused, 400, "self_invite", "inviter")
    assert by_id.json() == by_slug.json()
    [top] = by_id.json()["results"]
    assert (top["rank"], top["inviter"]["id"], top["qualified"], top["rewards"]) == (1, inviter.pk, 2, 2)
    assert_error(missing, 400, "invalid", "campaign")
    assert stats[0]["joins"] == 2 and stats[0]["channel"] == "douyin"


def test_a_conversion_over_http_names_lure_link_and_inviter(tenant_a, api_for, fission):
    campaign, inviter = fission
    api = api_for(tenant_a.operator)
    api.post(
        f"/api/campaigns/{campaign.pk}/lures/",
        {"name": "试听课", "channels": [{"channel": "xhs", "url": "https://example.com/class"}]},
        format="json",
    )
    member = MemberFactory(workspace=tenant_a.workspace)
    api.post(
        f"/api/campaigns/{campaign.pk}/joins/",
        {"member": member.pk, "channel": "xhs", "inviter": inviter.pk},
        format="json",
    )
    entitlement = api.post(
        "/api/entitlements/", {"member": member.pk, "product": "course"}, format="json"
    ).json()

    converted = api.post(
        f"/api/campaigns/{campaign.pk}/conversions/",
        {"member": member.pk, "entitlement": entitlement["id"]},
        format="json",
    )
    outsider = api.post(
        f"/api/campaigns/{campaign.pk}/conversions/",
        {"member": MemberFactory(workspace=tenant_a.workspace).pk, "product": "course"},
        format="json",
    )

    assert converted.status_code == 201, converted.content
    data = converted.json()
    assert (data["lure_name"], data["inviter"], data["channel"], data["product"]) == (
        "试听课",
        inviter.pk,
        "xhs",
        "course",
    )
    assert data["link"] is not None
    assert_error(outsider, 400, "not_in_campaign", "member")


def test_follow_up_tasks_are_listed_and_finished_over_http(tenant_a, tenant_b, api_for):
    campaign, member = claimed_and_wrapped_up(tenant_a.workspace)
    api = api_for(tenant_a.moderator)

    listed = api.get(f"/api/follow-ups/?campaign={campaign.pk}&state=open").json()
    task_id = listed["results"][0]["id"]
    done = api.patch(
        f"/api/follow-ups/{task_id}/", {"state": "done", "assignee": tenant_a.moderator.pk}, format="json"
    )
    foreign = api.patch(f"/api/follow-ups/{task_id}/", {"assignee": tenant_b.owner.pk}, format="json")

    assert listed["count"] == 1 and listed["results"][0]["member"] == member.pk
    assert done.status_code == 200 and done.json()["state"] == "done"
    assert_error(foreign, 400, "does_not_exist", "assignee")
    assert FollowUpTask.objects.get(pk=task_id).assignee == tenant_a.moderator
    assert api_for(tenant_b.owner).get(f"/api/follow-ups/{task_id}/").status_code == 404


def test_a_play_created_with_the_documented_fields_only_is_named_after_its_kind(tenant_a, api_for):
    created, _ = _post_play(
        api_for(tenant_a.operator), tenant_a.workspace, "lottery", timedelta(hours=2), winners_count=1
    )

    assert created.status_code == 201, created.content
    assert created.json()["title"] == "抽奖"


def test_a_play_not_drawn_yet_matches_the_documented_answer(tenant_a, api_for):
    api = api_for(tenant_a.operator)
    created, _ = _post_play(
        api, tenant_a.workspace, "lottery", timedelta(hours=2), title="抽奖", winners_count=1
    )

    shown = api.get(f"/api/plays/{created.json()['id']}/")

    assert shown.json()["seed"] is None
    assert response_schema_errors(shown, "/api/plays/{id}/", "get") == []


def test_lures_and_conversions_are_paginated_lists_as_documented(tenant_a, api_for):
    api = api_for(tenant_a.operator)
    campaign = make_campaign(tenant_a.workspace)

    lures = api.get(f"/api/campaigns/{campaign.pk}/lures/")
    conversions = api.get(f"/api/campaigns/{campaign.pk}/conversions/")

    assert lures.json()["results"] == [] and conversions.json()["count"] == 0
    assert response_schema_errors(lures, "/api/campaigns/{campaign_pk}/lures/", "get") == []
    assert response_schema_errors(conversions, "/api/campaigns/{campaign_pk}/conversions/", "get") == []
