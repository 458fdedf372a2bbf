"""Phases happen on time by themselves: ETA tasks, the reconciler after an outage, rescheduling."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from groups.campaigns import services, tasks
from groups.campaigns.models import Campaign, PhaseTransition, ScheduledMessage
from groups.models import CommunityStateChange, Membership
from suo.models import AuditRecord, WebhookDelivery
from tests.campaigns.factories import flash_group, make_campaign, phases_from
from tests.groups.factories import CommunityFactory, MemberFactory

pytestmark = pytest.mark.django_db


def deliveries(event_type: str) -> list[dict]:
    return [d.payload["data"] for d in WebhookDelivery.objects.filter(event_type=event_type).order_by("pk")]


def with_messages(campaign: Campaign) -> None:
    for phase in ("preheat", "ignite", "wrap_up", "closed"):
        services.message_create(campaign=campaign, phase=phase, text=f"{phase} 消息")


def test_new_campaign_is_draft_with_one_due_transition_per_phase_when_created(tenant_a):
    campaign = make_campaign(tenant_a.workspace)

    rows = list(campaign.transitions.order_by("position"))
    assert campaign.phase == "draft"
    assert [(r.phase, r.state) for r in rows] == [
        ("preheat", "due"),
        ("ignite", "due"),
        ("wrap_up", "due"),
        ("closed", "due"),
    ]
    assert AuditRecord.objects.filter(verb="campaign.created", target_id=str(campaign.pk)).exists()


def test_each_transition_gets_an_eta_task_at_its_start_when_the_campaign_is_saved(
    tenant_a, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        campaign = make_campaign(tenant_a.workspace)

    planned = {row.pk: row.due_at for row in campaign.transitions.all()}
    sent = {q.args[0]: q.eta for q in queued if q.task == "groups.campaigns.tasks.campaign_advance_task"}
    assert sent == planned


def test_eta_task_moves_the_campaign_into_its_phase_and_sends_its_messages_when_due(tenant_a, hook):
    campaign = make_campaign(tenant_a.workspace)
    with_messages(campaign)
    preheat = campaign.transitions.get(phase="preheat")

    with time_machine.travel(preheat.due_at + timedelta(seconds=1), tick=False):
        assert tasks.campaign_advance_task(preheat.pk) == 1

    campaign.refresh_from_db()
    preheat.refresh_from_db()
    assert campaign.phase == "preheat"
    assert preheat.state == "done" and preheat.done_at >= preheat.due_at
    changed = deliveries("campaign.phase_changed")
    assert [(c["from"], c["to"]) for c in changed] == [("draft", "preheat")]
    assert [m["message"]["text"] for m in deliveries("message.scheduled")] == ["preheat 消息"]
    assert ScheduledMessage.objects.filter(phase="preheat", sent_at__isnull=False).count() == 1


def test_eta_task_does_nothing_when_it_fires_before_the_phase_starts(tenant_a):
    campaign = make_campaign(tenant_a.workspace)
    preheat = campaign.transitions.get(phase="preheat")

    with time_machine.travel(preheat.due_at - timedelta(seconds=1), tick=False):
        assert tasks.campaign_advance_task(preheat.pk) == 0

    assert Campaign.objects.get(pk=campaign.pk).phase == "draft"


def test_reconciler_catches_up_in_order_without_skipping_or_doubling_messages_after_an_outage(tenant_a, hook):
    campaign = make_campaign(tenant_a.workspace, step=timedelta(minutes=20))
    with_messages(campaign)
    wrap_up = campaign.transitions.get(phase="wrap_up")

    # The worker was down for an hour: three phase starts passed without their tasks.
    with time_machine.travel(wrap_up.due_at + timedelta(minutes=5), tick=False):
        assert services.campaigns_reconcile() == 3
        assert services.campaigns_reconcile() == 0  # a second beat finds nothing left

    campaign.refresh_from_db()
    assert campaign.phase == "wrap_up"
    assert [(c["from"], c["to"]) for c in deliveries("campaign.phase_changed")] == [
        ("draft", "preheat"),
        ("preheat", "ignite"),
        ("ignite", "wrap_up"),
    ]
    texts = [m["message"]["text"] for m in deliveries("message.scheduled")]
    assert texts == ["preheat 消息", "ignite 消息", "wrap_up 消息"]
    done = list(
        PhaseTransition.objects.filter(campaign=campaign, state="done").order_by("done_at", "position")
    )
    assert [row.phase for row in done] == ["preheat", "ignite", "wrap_up"]
    assert all(row.messages_sent == 1 for row in done)


def test_late_eta_tasks_after_the_reconciler_change_nothing(tenant_a, hook):
    campaign = make_campaign(tenant_a.workspace)
    with_messages(campaign)
    rows = list(campaign.transitions.order_by("position"))

    with time_machine.travel(rows[1].due_at + timedelta(seconds=5), tick=False):
        services.campaigns_reconcile()
        for row in rows[:2]:  # the broker delivers the old ETA tasks afterwards
            assert tasks.campaign_advance_task(row.pk) == 0

    assert len(deliveries("campaign.phase_changed")) == 2
    assert len(deliveries("message.scheduled")) == 2


def test_patching_a_time_reschedules_and_the_stale_eta_task_finds_nothing_to_do(
    tenant_a, queued, django_capture_on_commit_callbacks
):
    campaign = make_campaign(tenant_a.workspace)
    preheat = campaign.transitions.get(phase="preheat")
    old_due = preheat.due_at
    new_due = old_due + timedelta(minutes=30)

    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_update(campaign=campaign, phases=[{"phase": "preheat", "starts_at": new_due}])

    assert [(q.args[0], q.eta) for q in queued] == [(preheat.pk, new_due)]
    with time_machine.travel(old_due + timedelta(seconds=1), tick=False):
        assert tasks.campaign_advance_task(preheat.pk) == 0  # the stale task
    assert Campaign.objects.get(pk=campaign.pk).phase == "draft"
    with time_machine.travel(new_due + timedelta(seconds=1), tick=False):
        assert tasks.campaign_advance_task(preheat.pk) == 1
    assert Campaign.objects.get(pk=campaign.pk).phase == "preheat"
    update = AuditRecord.objects.get(verb="campaign.updated", target_id=str(campaign.pk))
    assert "preheat" in update.after["rescheduled"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phase": "ignite", "offset": timedelta(minutes=5)}, "phases.0.starts_at"),  # before preheat
        ({"phase": "preheat", "offset": timedelta(minutes=-20)}, "phases.0.starts_at"),  # in the past
    ],
)
def test_reschedule_is_refused_when_out_of_order_or_in_the_past(tenant_a, change, field):
    campaign = make_campaign(tenant_a.workspace)
    before = dict(campaign.transitions.values_list("phase", "due_at"))

    with pytest.raises(ValidationError) as refused:
        services.campaign_update(
            campaign=campaign,
            phases=[{"phase": change["phase"], "starts_at": timezone.now() + change["offset"]}],
        )

    assert field in refused.value.message_dict
    assert dict(campaign.transitions.values_list("phase", "due_at")) == before


def test_a_phase_that_already_started_cannot_be_moved(tenant_a):
    campaign = make_campaign(tenant_a.workspace)
    preheat = campaign.transitions.get(phase="preheat")
    with time_machine.travel(preheat.due_at + timedelta(seconds=1), tick=False):
        services.campaigns_reconcile()
        with pytest.raises(ValidationError) as refused:
            services.campaign_update(
                campaign=campaign,
                phases=[{"phase": "preheat", "starts_at": timezone.now() + timedelta(minutes=3)}],
            )

    assert "phases.0.starts_at" in refused.value.message_dict


def test_create_refuses_missing_out_of_order_and_past_phases(tenant_a):
    group = flash_group(tenant_a.workspace)
    start = timezone.now() + timedelta(hours=1)
    cases = {
        "missing": phases_from(start)[:3],
        "order": [{**p, "starts_at": start - timedelta(minutes=i)} for i, p in enumerate(phases_from(start))],
        "past": phases_from(timezone.now() - timedelta(minutes=5)),
    }
    for name, phases in cases.items():
        with pytest.raises(ValidationError):
            services.campaign_create(
                workspace=tenant_a.workspace, group=group, name=name, slug=name, phases=phases
            )

    assert not Campaign.objects.exists()
    assert not PhaseTransition.objects.exists()


def test_campaigns_are_refused_in_benefit_groups_and_overlapping_in_one_group(tenant_a):
    benefit = CommunityFactory(workspace=tenant_a.workspace, kind="benefit")
    with pytest.raises(ValidationError) as wrong_kind:
        make_campaign(tenant_a.workspace, group=benefit)
    first = make_campaign(tenant_a.workspace)
    with pytest.raises(ValidationError) as overlap:
        make_campaign(
            tenant_a.workspace, group=first.group, slug="again", start=timezone.now() + timedelta(hours=2)
        )

    assert "group" in wrong_kind.value.message_dict
    assert "phases" in overlap.value.message_dict


def test_two_workers_advancing_at_once_do_each_transition_once(tenant_a, hook):
    campaign = make_campaign(tenant_a.workspace)
    with_messages(campaign)
    preheat = campaign.transitions.get(phase="preheat")
    with time_machine.travel(preheat.due_at + timedelta(seconds=1), tick=False):
        first = services.campaign_advance(campaign_id=campaign.pk)
        second = services.campaign_advance(campaign_id=campaign.pk)

    assert [t.phase for t in first] == ["preheat"] and second == []
    assert len(deliveries("message.scheduled")) == 1


def test_a_flash_group_follows_the_campaign_and_cools_after_it_closes(tenant_a):
    campaign = make_campaign(tenant_a.workspace)  # its group is still planning
    closed = campaign.transitions.get(phase="closed")

    with time_machine.travel(closed.due_at + timedelta(seconds=1), tick=False):
        services.campaigns_reconcile()

    campaign.group.refresh_from_db()
    assert campaign.group.state == "cooling"
    moves = list(
        CommunityStateChange.objects.filter(community=campaign.group)
        .order_by("at", "pk")
        .values_list("to_state", flat=True)
    )
    assert moves == ["recruiting", "active", "cooling"]


def test_joins_during_the_campaign_are_attributed_to_it_unless_they_name_their_own(tenant_a):
    campaign = make_campaign(tenant_a.workspace)
    group = campaign.group
    ignite = campaign.transitions.get(phase="ignite")
    inside, named, before = (MemberFactory(workspace=tenant_a.workspace) for _ in range(3))
    Membership.objects.create(
        workspace=tenant_a.workspace, community=group, member=before, joined_at=timezone.now(), source="link"
    )
    for member, label in ((inside, ""), (named, "other-campaign")):
        Membership.objects.create(
            workspace=tenant_a.workspace,
            community=group,
            member=member,
            joined_at=ignite.due_at - timedelta(minutes=1),
            source="link",
            campaign=label,
        )

    with time_machine.travel(ignite.due_at + timedelta(seconds=1), tick=False):
        services.campaigns_reconcile()

    labels = dict(Membership.objects.filter(community=group).values_list("member_id", "campaign"))
    assert labels == {inside.pk: "double11", named.pk: "other-campaign", before.pk: ""}
