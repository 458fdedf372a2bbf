"""/api/campaigns/ and its offers: exact shapes, error bodies, rescheduling, tenant isolation."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from groups.campaigns.models import Campaign, Claim, Offer
from tests.campaigns.factories import flash_group, make_campaign, make_offer, phases_from
from tests.campaigns.helpers import run_until
from tests.groups.factories import CommunityFactory, MemberFactory
from tests.helpers import response_schema_errors

pytestmark = pytest.mark.django_db


def iso(moment) -> str:
    return moment.isoformat()


def body(group, start, slug="d11"):
    return {
        "group": group.pk,
        "name": "双十一快闪",
        "slug": slug,
        "phases": [{"phase": p["phase"], "starts_at": iso(p["starts_at"])} for p in phases_from(start)],
    }


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.content
    data = response.json()
    assert set(data) >= {"code", "detail", "fields"}
    assert data["code"] == code, data
    if field:
        assert field in data["fields"], data


def test_create_answers_201_with_the_draft_phase_the_next_one_and_the_countdown_url(tenant_a, api_for):
    api = api_for(tenant_a.operator)
    start = timezone.now() + timedelta(hours=1)

    response = api.post("/api/campaigns/", body(flash_group(tenant_a.workspace), start), format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert {"id", "slug", "phase", "next_phase", "next_phase_at", "countdown_url"} <= set(data)
    assert (data["slug"], data["phase"], data["next_phase"]) == ("d11", "draft", "preheat")
    assert data["countdown_url"].endswith("/c/d11")
    assert parse_datetime(data["next_phase_at"]) == start
    assert [p["phase"] for p in data["phases"]] == ["preheat", "ignite", "wrap_up", "closed"]


@pytest.mark.parametrize("mistake", ["order", "past"])
def test_phases_out_of_order_or_in_the_past_get_the_error_body_and_nothing_is_written(
    tenant_a, api_for, mistake
):
    start = timezone.now() + timedelta(hours=1)
    payload = body(flash_group(tenant_a.workspace), start)
    if mistake == "order":
        payload["phases"][1]["starts_at"] = iso(start - timedelta(minutes=5))
    else:
        payload["phases"][0]["starts_at"] = iso(timezone.now() - timedelta(minutes=5))

    response = api_for(tenant_a.operator).post("/api/campaigns/", payload, format="json")

    assert_error(
        response, 400, "invalid", "phases.1.starts_at" if mistake == "order" else "phases.0.starts_at"
    )
    assert not Campaign.objects.exists()


def test_a_group_of_another_workspace_does_not_exist(tenant_a, tenant_b, api_for):
    foreign = flash_group(tenant_b.workspace)

    response = api_for(tenant_a.operator).post(
        "/api/campaigns/", body(foreign, timezone.now() + timedelta(hours=1)), format="json"
    )

    assert_error(response, 400, "does_not_exist", "group")


def test_patching_phase_times_reschedules_and_transitions_show_planned_and_actual(tenant_a, api_for):
    api = api_for(tenant_a.operator)
    campaign = make_campaign(tenant_a.workspace)
    later = campaign.transitions.get(phase="preheat").due_at + timedelta(minutes=15)

    patched = api.patch(
        f"/api/campaigns/{campaign.pk}/",
        {"phases": [{"phase": "preheat", "starts_at": iso(later)}], "name": "新名字"},
        format="json",
    )
    traveller = run_until(campaign, "preheat")
    transitions = api.get(f"/api/campaigns/{campaign.pk}/transitions/")
    traveller.stop()

    assert patched.status_code == 200, patched.content
    assert patched.json()["name"] == "新名字"
    rows = transitions.json()["results"]
    assert [r["phase"] for r in rows] == ["preheat", "ignite", "wrap_up", "closed"]
    first = rows[0]
    assert first["state"] == "done" and first["actual_at"] is not None
    assert parse_datetime(first["planned_at"]) == later
    assert first["late_seconds"] == 1.0
    assert rows[1]["actual_at"] is None


def test_offers_are_listed_with_what_remains_and_claims_follow_the_contract(tenant_a, api_for):
    api = api_for(tenant_a.operator)
    campaign = make_campaign(tenant_a.workspace)
    created = api.post(
        f"/api/campaigns/{campaign.pk}/offers/",
        {"name": "限量礼盒", "stock": 1, "price": "99.00", "per_member_limit": 1},
        format="json",
    )
    offer_id = created.json()["id"]
    first, second = MemberFactory(workspace=tenant_a.workspace), MemberFactory(workspace=tenant_a.workspace)
    url = f"/api/campaigns/{campaign.pk}/offers/{offer_id}/claim/"

    too_early = api.post(url, {"member": first.pk}, format="json")
    traveller = run_until(campaign, "ignite")
    won = api.post(url, {"member": first.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    replay = api.post(url, {"member": first.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    over = api.post(url, {"member": first.pk}, format="json")
    sold_out = api.post(url, {"member": second.pk}, format="json")
    listed = api.get(f"/api/campaigns/{campaign.pk}/offers/")
    traveller.stop()
    traveller = run_until(campaign, "closed")
    closed = api.post(url, {"member": second.pk}, format="json")
    traveller.stop()

    assert created.status_code == 201 and created.json()["remaining"] == 1
    assert_error(too_early, 400, "not_started", "campaign")
    assert won.status_code == 201 and won.json()["remaining"] == 0
    assert replay.status_code == 201 and replay.json() == won.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert_error(over, 400, "over_limit", "member")
    assert_error(sold_out, 409, "sold_out")
    assert_error(closed, 400, "campaign_closed", "campaign")
    assert listed.json()["results"][0]["remaining"] == 0
    assert Claim.objects.count() == 1 and Offer.objects.get(pk=offer_id).claimed == 1


def test_stock_below_what_was_claimed_is_refused(tenant_a, api_for):
    api = api_for(tenant_a.operator)
    campaign = make_campaign(tenant_a.workspace)
    offer = make_offer(campaign, stock=3)
    traveller = run_until(campaign, "ignite")
    for _ in range(2):
        api.post(
            f"/api/campaigns/{campaign.pk}/offers/{offer.pk}/claim/",
            {"member": MemberFactory(workspace=tenant_a.workspace).pk},
            format="json",
        )

    response = api.patch(f"/api/campaigns/{campaign.pk}/offers/{offer.pk}/", {"stock": 1}, format="json")
    traveller.stop()

    assert_error(response, 400, "stock_below_claimed", "stock")
    assert Offer.objects.get(pk=offer.pk).stock == 3


def test_a_member_of_another_workspace_cannot_be_named_in_a_claim(tenant_a, tenant_b, api_for):
    campaign = make_campaign(tenant_a.workspace)
    offer = make_offer(campaign)
    traveller = run_until(campaign, "ignite")

    response = api_for(tenant_a.operator).post(
        f"/api/campaigns/{campaign.pk}/offers/{offer.pk}/claim/",
        {"member": MemberFactory(workspace=tenant_b.workspace).pk},
        format="json",
    )
    traveller.stop()

    assert_error(response, 400, "does_not_exist", "member")
    assert not Claim.objects.exists()


def test_another_workspaces_campaign_and_its_offers_are_404(tenant_a, tenant_b, api_for):
    theirs = make_campaign(tenant_b.workspace, slug="theirs")
    offer = make_offer(theirs)
    api = api_for(tenant_a.owner)

    paths = [
        f"/api/campaigns/{theirs.pk}/",
        f"/api/campaigns/{theirs.pk}/transitions/",
        f"/api/campaigns/{theirs.pk}/offers/",
        f"/api/campaigns/{theirs.pk}/offers/{offer.pk}/",
        f"/api/campaigns/{theirs.pk}/lures/",
        f"/api/campaigns/{theirs.pk}/conversions/",
    ]
    assert [api.get(path).status_code for path in paths] == [404] * len(paths)
    claim = api.post(
        f"/api/campaigns/{theirs.pk}/offers/{offer.pk}/claim/",
        {"member": MemberFactory(workspace=tenant_a.workspace).pk},
        format="json",
    )
    assert claim.status_code == 404
    assert api.patch(f"/api/campaigns/{theirs.pk}/", {"name": "x"}, format="json").status_code == 404
    assert api.get("/api/campaigns/").json()["count"] == 0
    assert api.get(f"/api/referrals/leaderboard/?campaign={theirs.slug}").status_code == 404


def test_analysts_read_campaigns_but_cannot_create_them(tenant_a, api_for):
    make_campaign(tenant_a.workspace)
    api = api_for(tenant_a.analyst)

    assert api.get("/api/campaigns/").status_code == 200
    response = api.post(
        "/api/campaigns/", body(flash_group(tenant_a.workspace), timezone.now()), format="json"
    )
    assert response.status_code == 403


def test_campaign_and_offer_lists_take_a_fixed_number_of_queries(
    tenant_a, api_for, django_assert_max_num_queries
):
    api = api_for(tenant_a.operator)
    start = timezone.now() + timedelta(hours=1)
    for index in range(6):
        campaign = make_campaign(
            tenant_a.workspace,
            slug=f"c{index}",
            group=CommunityFactory(workspace=tenant_a.workspace, kind="flash"),
            start=start,
        )
        make_offer(campaign)
        make_offer(campaign, name="第二件")

    with django_assert_max_num_queries(8):
        listed = api.get("/api/campaigns/")
    with django_assert_max_num_queries(8):
        offers = api.get(f"/api/campaigns/{campaign.pk}/offers/")

    assert listed.json()["count"] == 6 and offers.json()["count"] == 2


def test_member_links_are_personal_and_scoped(tenant_a, tenant_b, api_for):
    campaign = make_campaign(tenant_a.workspace)
    mine = MemberFactory(workspace=tenant_a.workspace)
    api = api_for(tenant_a.moderator)

    links = api.post(f"/api/campaigns/{campaign.pk}/member-links/", {"members": [mine.pk]}, format="json")
    foreign = api.post(
        f"/api/campaigns/{campaign.pk}/member-links/",
        {"members": [MemberFactory(workspace=tenant_b.workspace).pk]},
        format="json",
    )

    assert links.status_code == 200
    [row] = links.json()
    assert row["member"] == mine.pk and "/c/double11?t=" in row["url"]
    assert_error(foreign, 400, "does_not_exist")


def test_an_offer_under_a_campaign_id_no_column_can_hold_is_a_404(tenant_a, api_for):
    api = api_for(tenant_a.operator)
    offer = make_offer(make_campaign(tenant_a.workspace))
    huge = "99999999999999999999999"

    shown = api.get(f"/api/campaigns/{huge}/offers/{offer.pk}/")
    changed = api.patch(f"/api/campaigns/{huge}/offers/{offer.pk}/", {"stock": 1}, format="json")
    claimed = api.post(
        f"/api/campaigns/{huge}/offers/{offer.pk}/claim/",
        {"member": MemberFactory(workspace=tenant_a.workspace).pk},
        format="json",
    )

    assert [r.status_code for r in (shown, changed, claimed)] == [404, 404, 404]
    assert Offer.objects.get(pk=offer.pk).stock == offer.stock and not Claim.objects.exists()


def test_a_campaign_message_without_a_link_matches_the_documented_answer(tenant_a, api_for):
    api = api_for(tenant_a.operator)
    campaign = make_campaign(tenant_a.workspace)

    created = api.post(
        f"/api/campaigns/{campaign.pk}/messages/", {"phase": "preheat", "text": "倒计时开始"}, format="json"
    )

    assert created.status_code == 201, created.json()
    assert created.json()["short_url"] is None
    assert response_schema_errors(created, "/api/campaigns/{id}/messages/", "post") == []
