"""Referrals: an invitation counts for the inviter once the invitee stayed N days in the group;
self-invites and loops are refused, early leavers and kicked invitees disqualified, and every N
qualified invitees make one reward, granted once by the scheduled check (ETA task or reconciler)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from groups.campaigns.models import (
    Campaign,
    CampaignPhase,
    Referral,
    ReferralReason,
    ReferralReward,
    ReferralState,
)
from groups.campaigns.payloads import campaign_brief
from groups.models import LeaveReason, Member, Membership
from groups.payloads import member_payload
from suo.audit import audit_record
from suo.db import save_unless_taken
from suo.queue import enqueue_on_commit
from suo.webhooks import webhook_emit_many

CHAIN_DEPTH = 50


def campaign_window(campaign: Campaign) -> tuple[datetime, datetime] | None:
    times = dict(
        campaign.transitions.filter(phase__in=[CampaignPhase.PREHEAT, CampaignPhase.CLOSED]).values_list(
            "phase", "due_at"
        )
    )
    if len(times) < 2:
        return None
    return times[CampaignPhase.PREHEAT], times[CampaignPhase.CLOSED]


# --- joins and referrals --------------------------------------------------------------------------


def _inviter_of(community_id: int, member_id: int) -> int | None:
    return (
        Membership.objects.filter(community_id=community_id, member_id=member_id, inviter__isnull=False)
        .order_by("joined_at", "pk")
        .values_list("inviter_id", flat=True)
        .first()
    )


def invitation_problem(*, campaign: Campaign, member_id: int, inviter_id: int) -> str:
    """ "self_invite", "loop" (the inviter was, directly or not, invited by the member) or ""."""
    if member_id == inviter_id:
        return ReferralReason.SELF_INVITE
    current, seen = inviter_id, set()
    for _step in range(CHAIN_DEPTH):
        current = _inviter_of(campaign.group_id, current)
        if current is None or current in seen:
            return ""
        if current == member_id:
            return ReferralReason.LOOP
        seen.add(current)
    return ""


def _enqueue_check(referral: Referral) -> None:
    enqueue_on_commit("groups.campaigns.tasks.referral_check_task", referral.pk, eta=referral.qualifies_at)


def referral_track(*, campaign: Campaign, membership: Membership) -> Referral | None:
    """Start counting an invitation (inside the caller's transaction); once per invitee and campaign."""
    problem = invitation_problem(
        campaign=campaign, member_id=membership.member_id, inviter_id=membership.inviter_id
    )
    referral = Referral(
        workspace_id=campaign.workspace_id,
        campaign=campaign,
        membership=membership,
        invitee_id=membership.member_id,
        inviter_id=membership.inviter_id,
        joined_at=membership.joined_at,
        qualifies_at=membership.joined_at + timedelta(days=campaign.referral_stay_days),
        state=ReferralState.REFUSED if problem else ReferralState.PENDING,
        reason=problem,
        checked_at=timezone.now() if problem else None,
    )
    if save_unless_taken(referral) is None:
        return None
    if not problem and referral.qualifies_at > timezone.now():
        _enqueue_check(referral)
    # A join found after its stay was already over (imports, late discovery): the caller or the
    # reconciler checks it at once; a task with a past ETA would only queue up behind others.
    return referral


def referrals_discover(*, campaign: Campaign, limit: int = 1000) -> int:
    """Track invitations into the group during the campaign that arrived by the groups API or events."""
    window = campaign_window(campaign)
    if window is None:
        return 0
    found = list(
        Membership.objects.filter(
            community_id=campaign.group_id,
            inviter__isnull=False,
            joined_at__gte=window[0],
            joined_at__lt=window[1],
        )
        .exclude(Exists(Referral.objects.filter(campaign=campaign, invitee=OuterRef("member"))))
        .order_by("joined_at", "pk")[:limit]
    )
    tracked = 0
    for membership in found:
        with transaction.atomic():
            tracked += referral_track(campaign=campaign, membership=membership) is not None
    return tracked


def referral_check(*, referral_id: int) -> Referral | None:
    """Decide a pending referral once: qualified after the stay, disqualified if the invitee left
    early or was kicked; a qualification may complete a reward for the inviter."""
    with transaction.atomic():
        now = timezone.now()
        referral = (
            Referral.objects.select_related(
                "membership", "campaign__workspace", "campaign__group", "invitee", "inviter"
            )
            .filter(pk=referral_id, state=ReferralState.PENDING)
            .first()
        )
        if referral is None:
            return None
        stay = referral.membership
        if not stay.is_active and stay.leave_reason in (LeaveReason.KICKED, LeaveReason.BANNED):
            state, reason = ReferralState.DISQUALIFIED, ReferralReason.KICKED
        elif not stay.is_active and stay.left_at < referral.qualifies_at:
            state, reason = ReferralState.DISQUALIFIED, ReferralReason.LEFT_EARLY
        elif now < referral.qualifies_at:
            return None
        else:
            state, reason = ReferralState.QUALIFIED, ReferralReason.NONE
        if not Referral.objects.filter(pk=referral.pk, state=ReferralState.PENDING).update(
            state=state, reason=reason, checked_at=now
        ):
            return None
        referral.state, referral.reason, referral.checked_at = state, reason, now
        if state == ReferralState.QUALIFIED:
            events = _grant_rewards(referral.campaign, referral.inviter, now)
            webhook_emit_many(workspace=referral.campaign.workspace, events=events)
    return referral


def _grant_rewards(campaign: Campaign, inviter: Member, now: datetime) -> list:
    """Turn the inviter's unrewarded qualified invitees into rewards, N at a time, each granted once."""
    Member.objects.select_for_update().filter(pk=inviter.pk).values_list("pk", flat=True).first()
    waiting = list(
        Referral.objects.filter(
            campaign=campaign, inviter=inviter, state=ReferralState.QUALIFIED, reward__isnull=True
        )
        .order_by("checked_at", "pk")
        .values_list("pk", flat=True)
    )
    per_reward = campaign.referral_invitees_per_reward
    number = ReferralReward.objects.filter(campaign=campaign, inviter=inviter).count()
    events = []
    while len(waiting) >= per_reward:
        batch, waiting = waiting[:per_reward], waiting[per_reward:]
        number += 1
        reward = ReferralReward.objects.create(
            workspace_id=campaign.workspace_id,
            campaign=campaign,
            inviter=inviter,
            number=number,
            reward=campaign.referral_reward,
            granted_at=now,
        )
        Referral.objects.filter(pk__in=batch).update(reward=reward)
        audit_record(
            actor=None,
            verb="referral.rewarded",
            target=reward,
            after={"referrals": batch, "number": number},
            workspace=campaign.workspace_id,
        )
        events.append(
            (
                "referral.rewarded",
                {
                    "campaign": campaign_brief(campaign),
                    "inviter": member_payload(inviter),
                    "reward": {"id": reward.pk, "number": number, "text": reward.reward},
                    "qualified_invitees": batch,
                },
            )
        )
    return events
