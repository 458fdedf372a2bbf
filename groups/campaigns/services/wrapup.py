"""What a flash campaign does to its group as it runs, and what the wrap-up (收尾) leaves behind:
follow-up tasks for customer service and member tags for later segmentation."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.campaigns.models import (
    Campaign,
    CampaignPhase,
    CampaignVisit,
    Claim,
    FollowUpState,
    FollowUpTask,
    PhaseTransition,
)
from groups.campaigns.payloads import campaign_brief
from groups.models import CommunityKind, CommunityState, Member, Membership
from groups.payloads import member_payload
from groups.selectors import community_lead
from groups.services import community_transition, tags_for_names
from suo.audit import audit_record, snapshot
from suo.models import WorkspaceMembership

# Where a flash group should be once its campaign enters a phase, and the forward path to get there.
GROUP_STATE_FOR_PHASE = {
    CampaignPhase.PREHEAT: CommunityState.RECRUITING,
    CampaignPhase.IGNITE: CommunityState.ACTIVE,
    CampaignPhase.CLOSED: CommunityState.COOLING,
}
FORWARD = [CommunityState.PLANNING, CommunityState.RECRUITING, CommunityState.ACTIVE, CommunityState.COOLING]
OUTCOME_TAGS = ("claimed", "clicked", "silent")
# What a follow-up task's audit records show of it.
FOLLOW_UP_AUDITED = ["state", "assignee", "note"]


def outcome_tag(campaign: Campaign, outcome: str) -> str:
    """The tag a wrap-up puts on members, e.g. "double11:claimed"."""
    return f"{campaign.slug}:{outcome}"


def lifecycle_follow(*, campaign: Campaign, phase: str) -> str:
    """Move a flash group forward along its lifecycle with the campaign (recruiting at preheat,
    active at ignite, cooling once closed). Returns a note for the transition."""
    target = GROUP_STATE_FOR_PHASE.get(phase)
    group = campaign.group
    if target is None or group.kind != CommunityKind.FLASH or group.state not in FORWARD:
        return ""
    moved = []
    for state in FORWARD[FORWARD.index(group.state) + 1 : FORWARD.index(target) + 1]:
        try:
            group = community_transition(
                community=group,
                to_state=state,
                note=_("Campaign “%(name)s”: %(phase)s") % {"name": campaign.name, "phase": phase},
            )
        except ValidationError as exc:
            return _("group stays %(state)s: %(why)s") % {"state": group.state, "why": " ".join(exc.messages)}
        moved.append(state)
    campaign.group = group
    return _("group → %(states)s") % {"states": " → ".join(moved)} if moved else ""


def wrap_up_run(*, campaign: Campaign, now: datetime, events: list) -> str:
    """Follow-up tasks for claimers and claimed / clicked / silent tags; webhooks go into `events`."""
    created = _follow_ups(campaign, events)
    counts = _tag_members(campaign, now)
    return _(
        "%(tasks)s follow-up task(s); tagged %(claimed)s claimed, %(clicked)s clicked, %(silent)s silent"
    ) % {
        "tasks": created,
        **counts,
    }


def _follow_ups(campaign: Campaign, events: list) -> int:
    rows = (
        Claim.objects.filter(campaign=campaign)
        .values("member_id", "offer__name", "offer__position", "offer_id")
        .annotate(units=Count("pk"))
        .order_by("member_id", "offer__position", "offer_id")
    )
    summaries: dict[int, list[str]] = {}
    for row in rows:
        summaries.setdefault(row["member_id"], []).append(f"{row['offer__name']} ×{row['units']}")
    if not summaries:
        return 0
    lead = community_lead(campaign.group)
    assignee = lead.user if lead is not None and lead.user_id else None
    existing = set(
        FollowUpTask.objects.filter(campaign=campaign, member_id__in=list(summaries)).values_list(
            "member_id", flat=True
        )
    )
    tasks = FollowUpTask.objects.bulk_create(
        [
            FollowUpTask(
                workspace_id=campaign.workspace_id,
                campaign=campaign,
                member_id=member_id,
                summary="，".join(parts)[:300],
                assignee=assignee,
            )
            for member_id, parts in summaries.items()
            if member_id not in existing
        ]
    )
    members = Member.objects.in_bulk([task.member_id for task in tasks])
    brief = campaign_brief(campaign)
    events.extend(
        (
            "followup.created",
            {
                "campaign": brief,
                "member": member_payload(members[task.member_id]),
                "summary": task.summary,
                "assignee": assignee.get_username() if assignee else None,
            },
        )
        for task in tasks
    )
    return len(tasks)


def _tag_members(campaign: Campaign, now: datetime) -> dict[str, int]:
    """Each member who was in the group during the campaign gets exactly one of the three tags."""
    start = (
        PhaseTransition.objects.filter(campaign=campaign, phase=CampaignPhase.PREHEAT)
        .values_list("due_at", flat=True)
        .first()
    ) or now
    present = set(
        Membership.objects.filter(community_id=campaign.group_id, joined_at__lte=now)
        .filter(Q(is_active=True) | Q(left_at__gte=start))
        .values_list("member_id", flat=True)
    )
    claimed = set(Claim.objects.filter(campaign=campaign).values_list("member_id", flat=True))
    clicked = (
        set(CampaignVisit.objects.filter(campaign=campaign).values_list("member_id", flat=True)) - claimed
    )
    silent = present - claimed - clicked
    groups = {"claimed": claimed, "clicked": clicked, "silent": silent}
    tags = {
        tag.name: tag
        for tag in tags_for_names(
            workspace=campaign.workspace, names=[outcome_tag(campaign, name) for name in OUTCOME_TAGS]
        )
    }
    through = Member.tags.through
    through.objects.bulk_create(
        [
            through(member_id=member_id, tag_id=tags[outcome_tag(campaign, name)].pk)
            for name, member_ids in groups.items()
            for member_id in sorted(member_ids)
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    return {name: len(member_ids) for name, member_ids in groups.items()}


@transaction.atomic
def followup_update(
    *, task: FollowUpTask, by=None, state: str | None = None, assignee=..., note: str | None = None
) -> FollowUpTask:
    """Assign, annotate or finish a follow-up task. `assignee=None` unassigns it."""
    task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    before = snapshot(task, FOLLOW_UP_AUDITED)
    if state is not None:
        if state not in FollowUpState.values:
            raise ValidationError({"state": _("Unknown state “%(state)s”.") % {"state": state}})
        task.state = state
        task.done_at = timezone.now() if state != FollowUpState.OPEN else None
    if assignee is not ...:
        if (
            assignee is not None
            and not WorkspaceMembership.objects.filter(workspace_id=task.workspace_id, user=assignee).exists()
        ):
            raise ValidationError({"assignee": _("The user does not work in this workspace.")})
        task.assignee = assignee
    if note is not None:
        task.note = note.strip()
    task.save()
    audit_record(
        actor=by,
        verb="followup.updated",
        target=task,
        before=before,
        after=snapshot(task, FOLLOW_UP_AUDITED),
    )
    return task
