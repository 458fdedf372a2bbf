"""The campaigns admin: the same services as the API, workspace-scoped, with a phase timeline."""

from datetime import timedelta

import pytest
from django.utils import timezone

from groups.campaigns import services
from groups.campaigns.models import Campaign, FollowUpTask, Offer, Play
from tests.campaigns.factories import flash_group, make_campaign, make_offer, make_play
from tests.campaigns.helpers import claimed_and_wrapped_up, run_until
from tests.groups.factories import CommunityFactory, MemberFactory

pytestmark = pytest.mark.django_db


def split(moment) -> dict:
    local = timezone.localtime(moment)
    return {"0": local.strftime("%Y-%m-%d"), "1": local.strftime("%H:%M:%S")}


def schedule_fields(start, step=timedelta(hours=1)) -> dict:
    data = {}
    for index, name in enumerate(["preheat_at", "ignite_at", "wrap_up_at", "closed_at"]):
        for part, value in split(start + step * index).items():
            data[f"{name}_{part}"] = value
    return data


def management(prefix: str, total: int, initial: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def campaign_fields(campaign: Campaign) -> dict:
    return {
        "name": campaign.name,
        "slug": campaign.slug,
        "description": "",
        "thank_you_message": "",
        "thank_you_red_packet": "",
        "referral_stay_days": "3",
        "referral_invitees_per_reward": "1",
        "referral_reward": "",
        **schedule_fields(campaign.transitions.get(phase="preheat").due_at),
        **management("transitions", 4, 4),
        **management("messages", 0, 0),
    }


def test_an_operator_adds_a_campaign_with_its_four_start_times(login, tenant_a):
    group = flash_group(tenant_a.workspace)
    start = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)
    client = login(tenant_a.operator)

    response = client.post(
        "/admin/campaigns/campaign/add/",
        {
            "workspace": tenant_a.workspace.pk,
            "group": group.pk,
            "name": "后台创建",
            "slug": "from-admin",
            "referral_stay_days": "3",
            "referral_invitees_per_reward": "1",
            **schedule_fields(start),
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    campaign = Campaign.objects.get(slug="from-admin")
    assert campaign.created_by == tenant_a.operator
    assert list(campaign.transitions.order_by("position").values_list("due_at", flat=True)) == [
        start + timedelta(hours=index) for index in range(4)
    ]


def test_a_schedule_out_of_order_comes_back_as_a_form_error_on_its_field(login, tenant_a):
    group = flash_group(tenant_a.workspace)
    start = timezone.now() + timedelta(hours=2)
    data = {
        "workspace": tenant_a.workspace.pk,
        "group": group.pk,
        "name": "乱序",
        "slug": "bad-order",
        "referral_stay_days": "3",
        "referral_invitees_per_reward": "1",
        **schedule_fields(start),
    }
    data.update({f"ignite_at_{k}": v for k, v in split(start - timedelta(minutes=10)).items()})

    response = login(tenant_a.operator).post("/admin/campaigns/campaign/add/", data)

    assert response.status_code == 200
    assert "ignite_at" in response.context["adminform"].form.errors
    assert not Campaign.objects.exists()


def test_moving_a_phase_in_the_admin_reschedules_it(login, tenant_a):
    campaign = make_campaign(tenant_a.workspace)
    later = (campaign.transitions.get(phase="ignite").due_at + timedelta(minutes=20)).replace(microsecond=0)
    preheat_before = campaign.transitions.get(phase="preheat").due_at  # microseconds the form does not show
    client = login(tenant_a.operator)
    assert client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").status_code == 200
    data = campaign_fields(campaign)
    data.update({f"ignite_at_{k}": v for k, v in split(later).items()})
    data.update(management("offers", 0, 0))

    response = client.post(f"/admin/campaigns/campaign/{campaign.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert campaign.transitions.get(phase="ignite").due_at == later
    assert campaign.transitions.get(phase="preheat").due_at == preheat_before


def test_offers_are_added_inline_through_the_service_and_stock_cannot_drop_below_claims(login, tenant_a):
    campaign = make_campaign(tenant_a.workspace)
    offer = make_offer(campaign, stock=5)
    traveller = run_until(campaign, "ignite")
    for _ in range(3):
        services.offer_claim(offer=offer, member=MemberFactory(workspace=tenant_a.workspace))
    client = login(tenant_a.operator)
    data = campaign_fields(campaign)
    data.update(management("offers", 2, 1))
    data.update(
        {
            "offers-0-id": offer.pk,
            "offers-0-campaign": campaign.pk,
            "offers-0-name": offer.name,
            "offers-0-price": "99.00",
            "offers-0-stock": "2",
            "offers-0-per_member_limit": "1",
            "offers-0-position": "0",
            "offers-1-campaign": campaign.pk,
            "offers-1-name": "加购杯子",
            "offers-1-price": "19.90",
            "offers-1-stock": "50",
            "offers-1-per_member_limit": "2",
            "offers-1-position": "1",
        }
    )
    refused = client.post(f"/admin/campaigns/campaign/{campaign.pk}/change/", data)
    data["offers-0-stock"] = "8"
    accepted = client.post(f"/admin/campaigns/campaign/{campaign.pk}/change/", data)
    traveller.stop()

    assert refused.status_code == 200
    assert accepted.status_code == 302
    assert Offer.objects.get(pk=offer.pk).stock == 8
    assert Offer.objects.get(campaign=campaign, name="加购杯子").per_member_limit == 2


def test_the_timeline_shows_planned_and_actual_times_of_each_phase(login, tenant_a, tenant_b):
    campaign = make_campaign(tenant_a.workspace)
    theirs = make_campaign(tenant_b.workspace, slug="theirs")
    run_until(campaign, "ignite").stop()
    client = login(tenant_a.analyst)

    page = client.get(f"/admin/campaigns/campaign/{campaign.pk}/timeline/")
    foreign = client.get(f"/admin/campaigns/campaign/{theirs.pk}/timeline/")

    html = page.content.decode()
    assert page.status_code == 200 and foreign.status_code == 404
    assert html.count('<tr data-phase="') == 4
    assert [row["row"].state for row in page.context["rows"]] == ["done", "done", "due", "due"]
    assert "引爆" in html


def test_changelists_show_only_the_users_workspace(login, tenant_a, tenant_b):
    make_campaign(tenant_a.workspace, slug="ours")
    theirs = make_campaign(tenant_b.workspace, slug="theirs")
    make_play(tenant_b.workspace, kind="lottery")
    client = login(tenant_a.owner)

    campaigns = client.get("/admin/campaigns/campaign/")
    plays = client.get("/admin/campaigns/play/")
    add = client.get("/admin/campaigns/campaign/add/")

    assert [c.slug for c in campaigns.context["cl"].queryset] == ["ours"]
    assert list(plays.context["cl"].queryset) == []
    assert client.get(f"/admin/campaigns/campaign/{theirs.pk}/change/").status_code == 404
    groups = add.context["adminform"].form.fields["group"].queryset
    assert not groups.filter(workspace=tenant_b.workspace).exists()


def test_follow_up_tasks_are_worked_through_in_the_admin(login, tenant_a):
    campaign, _member = claimed_and_wrapped_up(tenant_a.workspace)
    task = FollowUpTask.objects.get(campaign=campaign)
    client = login(tenant_a.operator)

    listed = list(client.get("/admin/campaigns/followuptask/?state__exact=open").context["cl"].queryset)
    changed = client.post(
        f"/admin/campaigns/followuptask/{task.pk}/change/",
        {"state": "done", "assignee": tenant_a.moderator.pk, "note": "已回访"},
    )

    assert listed == [task]
    assert changed.status_code == 302
    task.refresh_from_db()
    assert (task.state, task.assignee, task.note) == ("done", tenant_a.moderator, "已回访")


def test_a_play_added_in_the_admin_gets_its_commitment_from_the_service(login, tenant_a):
    group = CommunityFactory(workspace=tenant_a.workspace, kind="benefit")
    opens = timezone.now() + timedelta(hours=1)

    response = login(tenant_a.operator).post(
        "/admin/campaigns/play/add/",
        {
            "workspace": tenant_a.workspace.pk,
            "group": group.pk,
            "kind": "lottery",
            "title": "后台抽奖",
            "description": "",
            "opens_at_0": split(opens)["0"],
            "opens_at_1": split(opens)["1"],
            "closes_at_0": split(opens + timedelta(days=1))["0"],
            "closes_at_1": split(opens + timedelta(days=1))["1"],
            "winners_count": "3",
            "prize": "",
            **management("entries", 0, 0),
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    play = Play.objects.get(title="后台抽奖")
    assert len(play.commitment) == 64 and len(play.seed) == 64
