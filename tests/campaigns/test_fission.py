"""Lead-gen and fission: referrals count after N days, early leavers and loops do not, rewards
are granted once by the scheduled check, conversions are attributed to lure, link and inviter."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from groups.campaigns import selectors, services, tasks
from groups.campaigns.models import Conversion, Referral, ReferralReward
from groups.ingest import events_ingest
from groups.models import Membership
from groups.services import entitlement_grant, membership_leave
from links.models import Link
from suo.models import AuditRecord, WebhookDelivery
from suo.panels import PanelFilters, panel
from tests.campaigns.factories import make_campaign
from tests.campaigns.helpers import run_until
from tests.groups.factories import CommunityFactory, MemberFactory, MembershipFactory

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture
def running(tenant_a):
    """A lead-gen campaign in its preheat (joins are taken), with an inviter already in the group."""
    group = CommunityFactory(
        workspace=tenant_a.workspace, kind="lead_gen", state="active", external_id="room-lead"
    )
    campaign = make_campaign(
        tenant_a.workspace, group=group, slug="fission", step=timedelta(days=10), referral_reward="育儿电子书"
    )
    traveller = run_until(campaign, "preheat")
    inviter = MemberFactory(workspace=tenant_a.workspace, external_id="wx-inviter")
    MembershipFactory(community=group, member=inviter)
    yield campaign, inviter
    traveller.stop()


def invite(campaign, inviter, **extra):
    member = MemberFactory(workspace=campaign.workspace)
    services.campaign_join(campaign=campaign, member=member, inviter=inviter, **extra)
    return member, Referral.objects.get(campaign=campaign, invitee=member)


def check_all_at(moment):
    with time_machine.travel(moment, tick=False):
        return services.fission_reconcile()


def test_an_invitee_counts_only_after_staying_the_required_days_and_the_reward_is_granted_once(running, hook):
    campaign, inviter = running
    _invitee, referral = invite(campaign, inviter)

    assert referral.state == "pending"
    assert referral.qualifies_at == referral.joined_at + 3 * DAY
    check_all_at(referral.joined_at + 2 * DAY)
    assert Referral.objects.get(pk=referral.pk).state == "pending"
    check_all_at(referral.qualifies_at + timedelta(minutes=1))
    with time_machine.travel(referral.qualifies_at + DAY, tick=False):
        tasks.referral_check_task(referral.pk)  # the ETA task arriving late finds it done

    referral.refresh_from_db()
    assert referral.state == "qualified"
    [reward] = ReferralReward.objects.filter(campaign=campaign, inviter=inviter)
    assert (reward.number, reward.reward) == (1, "育儿电子书")
    assert referral.reward == reward
    assert WebhookDelivery.objects.filter(event_type="referral.rewarded").count() == 1
    assert AuditRecord.objects.filter(verb="referral.rewarded").count() == 1


def test_an_invitee_who_leaves_early_never_counts(running):
    campaign, inviter = running
    invitee, referral = invite(campaign, inviter)
    with time_machine.travel(referral.joined_at + DAY, tick=False):
        membership_leave(community=campaign.group, member=invitee)
        services.fission_reconcile()  # decided as soon as the reconciler sees the stay ended

    referral.refresh_from_db()
    assert (referral.state, referral.reason) == ("disqualified", "left_early")
    check_all_at(referral.qualifies_at + DAY)
    assert not ReferralReward.objects.exists()


def test_a_kicked_invitee_does_not_count_even_after_the_stay(running):
    campaign, inviter = running
    invitee, referral = invite(campaign, inviter)
    with time_machine.travel(referral.qualifies_at + timedelta(hours=1), tick=False):
        membership_leave(community=campaign.group, member=invitee, reason="kicked")
        services.referral_check(referral_id=referral.pk)

    referral.refresh_from_db()
    assert (referral.state, referral.reason) == ("disqualified", "kicked")
    assert not ReferralReward.objects.exists()


def test_self_invites_and_invitation_loops_are_refused(running):
    campaign, inviter = running
    friend, _referral = invite(campaign, inviter)
    stranger = MemberFactory(workspace=campaign.workspace)

    with pytest.raises(ValidationError) as self_invite:
        services.campaign_join(campaign=campaign, member=stranger, inviter=stranger)
    # The inviter left and comes back invited by the friend they brought in: a loop.
    membership_leave(community=campaign.group, member=inviter)
    with pytest.raises(ValidationError) as loop:
        services.campaign_join(campaign=campaign, member=inviter, inviter=friend)

    assert self_invite.value.error_dict["inviter"][0].code == "self_invite"
    assert loop.value.error_dict["inviter"][0].code == "loop"
    assert not Membership.objects.filter(member=stranger).exists()


def test_loops_arriving_through_bot_events_are_tracked_as_refused(running):
    campaign, inviter = running
    friend, _referral = invite(campaign, inviter)
    membership_leave(community=campaign.group, member=inviter)
    events_ingest(
        workspace=campaign.workspace,
        events=[
            {
                "id": "evt-loop",
                "type": "join",
                "platform": "wechat",
                "group_external_id": "room-lead",
                "member_external_id": "wx-inviter",
                "inviter_external_id": friend.external_id,
                "at": timezone.now(),
                "source": "referral",
            }
        ],
    )

    services.fission_reconcile()

    looped = Referral.objects.get(campaign=campaign, invitee=inviter)
    assert (looped.state, looped.reason) == ("refused", "loop")


def test_joins_with_an_inviter_from_bot_events_are_found_and_counted(running):
    campaign, inviter = running
    events_ingest(
        workspace=campaign.workspace,
        events=[
            {
                "id": f"evt-{index}",
                "type": "join",
                "platform": "wechat",
                "group_external_id": "room-lead",
                "member_external_id": f"wx-new-{index}",
                "inviter_external_id": "wx-inviter",
                "at": timezone.now(),
                "source": "referral",
            }
            for index in range(2)
        ],
    )

    found = services.fission_reconcile()
    check_all_at(timezone.now() + 3 * DAY + timedelta(minutes=1))

    assert found["referrals"] == 2
    assert ReferralReward.objects.filter(inviter=inviter).count() == 2
    labels = set(
        Membership.objects.filter(member__external_id__startswith="wx-new-").values_list(
            "campaign", flat=True
        )
    )
    assert labels == {"fission"}  # stamped: the events did not name the campaign


def test_rewards_come_every_n_qualified_invitees(running):
    campaign, inviter = running
    campaign.referral_invitees_per_reward = 2
    campaign.save()
    referrals = [invite(campaign, inviter)[1] for _ in range(3)]

    check_all_at(referrals[-1].qualifies_at + timedelta(minutes=1))

    assert ReferralReward.objects.filter(inviter=inviter).count() == 1
    assert Referral.objects.filter(inviter=inviter, reward__isnull=False).count() == 2


def test_the_leaderboard_ranks_inviters_by_qualified_invitees(running):
    campaign, top = running
    second = MemberFactory(workspace=campaign.workspace, display_name="第二名")
    MembershipFactory(community=campaign.group, member=second)
    for _ in range(3):
        invite(campaign, top)
    invite(campaign, second)
    _leaver, early = invite(campaign, second)
    with time_machine.travel(early.joined_at + DAY, tick=False):
        membership_leave(community=campaign.group, member=early.invitee)
    check_all_at(early.qualifies_at + timedelta(minutes=1))

    board = selectors.referral_leaderboard(campaign=campaign)

    assert [(row["rank"], row["inviter"]["id"], row["qualified"]) for row in board] == [
        (1, top.pk, 3),
        (2, second.pk, 1),
    ]


def test_a_conversion_is_attributed_to_the_lure_its_link_and_the_inviter(running, hook):
    campaign, inviter = running
    lure = services.lure_create(
        campaign=campaign,
        name="育儿指南",
        channels=[
            {"channel": "douyin", "url": "https://example.com/guide"},
            {"channel": "xhs", "url": "https://example.com/g2"},
        ],
    )
    member = MemberFactory(workspace=campaign.workspace)
    services.campaign_join(campaign=campaign, member=member, inviter=inviter, channel="douyin")

    conversion = services.conversion_record(
        campaign=campaign, member=member, product="vip-annual", order_id="TB-1"
    )

    douyin = Link.objects.get(source="douyin", group=campaign.group)
    assert (conversion.lure, conversion.link, conversion.inviter, conversion.channel) == (
        lure,
        douyin,
        inviter,
        "douyin",
    )
    assert conversion.entitlement.product == "vip-annual"
    assert WebhookDelivery.objects.filter(event_type="member.converted").count() == 1
    with pytest.raises(ValidationError):
        services.conversion_record(campaign=campaign, member=member, product="vip-annual", order_id="TB-2")


def test_entitlements_recorded_through_the_groups_api_mark_campaign_members_converted(running):
    campaign, _inviter = running
    services.lure_create(
        campaign=campaign,
        name="试用装",
        channels=[{"channel": "wechat-moments", "url": "https://example.com/t"}],
    )
    member = MemberFactory(workspace=campaign.workspace)
    services.campaign_join(campaign=campaign, member=member, channel="wechat-moments")
    outsider = MemberFactory(workspace=campaign.workspace)
    entitlement_grant(member=member, product="course")
    entitlement_grant(member=outsider, product="course")

    found = services.fission_reconcile()

    assert found["conversions"] == 1
    [conversion] = Conversion.objects.filter(campaign=campaign)
    assert conversion.member == member and conversion.lure.name == "试用装"


def test_joins_are_taken_only_while_the_campaign_runs(tenant_a):
    group = CommunityFactory(workspace=tenant_a.workspace, kind="lead_gen", state="active")
    campaign = make_campaign(tenant_a.workspace, group=group, slug="later")

    with pytest.raises(ValidationError) as refused:
        services.campaign_join(campaign=campaign, member=MemberFactory(workspace=tenant_a.workspace))

    assert refused.value.error_dict["campaign"][0].code == "campaign_not_running"


def test_the_leaderboard_panel_counts_only_its_workspaces_qualified_invitees(running, tenant_b):
    campaign, inviter = running
    _invitee, referral = invite(campaign, inviter)
    other_group = CommunityFactory(workspace=tenant_b.workspace, kind="lead_gen", state="active")
    other = make_campaign(tenant_b.workspace, group=other_group, slug="b-fission", step=timedelta(days=10))
    run_until(other, "preheat").stop()
    outsider = MemberFactory(workspace=tenant_b.workspace)
    MembershipFactory(community=other_group, member=outsider)
    invite(other, outsider)
    check_all_at(referral.qualifies_at + timedelta(minutes=1))
    start = referral.joined_at - DAY

    data = panel("campaigns.referral_leaderboard").build(
        PanelFilters(workspace=campaign.workspace, start=start, end=start + 30 * DAY)
    )

    assert data.rows == [{"inviter": inviter.display_name, "qualified": 1, "rewards": 1}]
