"""Wrap-up (收尾): thank-you message, follow-up tasks for claimers, claimed / clicked / silent tags."""

import pytest
from django.core.exceptions import ValidationError

from groups.campaigns import services
from groups.campaigns.models import FollowUpTask
from groups.models import Member
from groups.services import role_assign
from suo.models import AuditRecord, WebhookDelivery
from tests.campaigns.factories import make_campaign, make_offer, members_in
from tests.campaigns.helpers import run_until

pytestmark = pytest.mark.django_db


@pytest.fixture
def after_ignite(tenant_a, hook):
    """A campaign in ignite: members claimed, opened their link, or did nothing."""
    campaign = make_campaign(
        tenant_a.workspace, thank_you_message="感谢参与，红包已发！", thank_you_red_packet="88.00"
    )
    members = members_in(campaign.group, 6)
    role_assign(community=campaign.group, role="lead", user=tenant_a.operator)
    box, cup = (
        make_offer(campaign, name="礼盒", per_member_limit=2),
        make_offer(campaign, name="杯子", position=1),
    )
    traveller = run_until(campaign, "ignite")
    services.offer_claim(offer=box, member=members[0])
    services.offer_claim(offer=box, member=members[0])
    services.offer_claim(offer=cup, member=members[0])
    services.offer_claim(offer=cup, member=members[1])
    services.visit_record(campaign=campaign, member=members[1])  # claimed too: "claimed" wins
    services.visit_record(campaign=campaign, member=members[2])
    services.visit_record(campaign=campaign, member=members[3])
    traveller.stop()
    return campaign, members


def tags_of(member: Member) -> set[str]:
    return set(member.tags.values_list("name", flat=True))


def test_wrap_up_creates_one_follow_up_task_per_claimer_assigned_to_the_group_lead(tenant_a, after_ignite):
    campaign, members = after_ignite

    run_until(campaign, "wrap_up").stop()

    tasks = {t.member_id: t for t in FollowUpTask.objects.filter(campaign=campaign)}
    assert set(tasks) == {members[0].pk, members[1].pk}
    assert tasks[members[0].pk].summary == "礼盒 ×2，杯子 ×1"
    assert {t.assignee for t in tasks.values()} == {tenant_a.operator}
    assert {t.state for t in tasks.values()} == {"open"}
    assert WebhookDelivery.objects.filter(event_type="followup.created").count() == 2


def test_wrap_up_tags_each_member_claimed_clicked_or_silent(after_ignite):
    campaign, members = after_ignite

    run_until(campaign, "wrap_up").stop()

    assert [tags_of(m) for m in members] == [
        {"double11:claimed"},
        {"double11:claimed"},
        {"double11:clicked"},
        {"double11:clicked"},
        {"double11:silent"},
        {"double11:silent"},
    ]


def test_wrap_up_sends_the_thank_you_message_with_its_red_packet_once(after_ignite):
    campaign, _members = after_ignite

    run_until(campaign, "wrap_up").stop()
    run_until(campaign, "closed").stop()

    thanks = [
        d.payload["data"]
        for d in WebhookDelivery.objects.filter(event_type="message.scheduled")
        if d.payload["data"]["kind"] == "thank_you"
    ]
    assert len(thanks) == 1
    assert thanks[0]["message"]["text"] == "感谢参与，红包已发！"
    assert thanks[0]["message"]["red_packet"] == "88.00"
    assert thanks[0]["phase"] == "wrap_up"


def test_follow_up_tasks_are_finished_by_their_assignee_and_audited(tenant_a, after_ignite):
    campaign, members = after_ignite
    run_until(campaign, "wrap_up").stop()
    task = FollowUpTask.objects.get(campaign=campaign, member=members[0])

    services.followup_update(task=task, by=tenant_a.operator, state="done", note="已电话回访")

    task.refresh_from_db()
    assert (task.state, task.note) == ("done", "已电话回访")
    assert task.done_at is not None
    assert AuditRecord.objects.filter(verb="followup.updated", target_id=str(task.pk)).exists()


def test_a_follow_up_task_cannot_go_to_someone_outside_the_workspace(tenant_a, tenant_b, after_ignite):
    campaign, members = after_ignite
    run_until(campaign, "wrap_up").stop()
    task = FollowUpTask.objects.get(campaign=campaign, member=members[0])

    with pytest.raises(ValidationError):
        services.followup_update(task=task, assignee=tenant_b.operator)

    task.refresh_from_db()
    assert task.assignee == tenant_a.operator
