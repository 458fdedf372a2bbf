"""Mutes end on time: the ETA task and the periodic sweep both call `mute_lift`, which claims
the penalty with a conditional update so that only one of them lifts it."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from groups.models import Membership, Penalty, PenaltyAction, PenaltyState
from groups.moderation.selectors import mute_remaining
from groups.payloads import group_payload, member_payload
from suo.audit import audit_record
from suo.webhooks import webhook_emit_many


def mute_recompute(*, member_id: int, community_id: int, now: datetime) -> Membership | None:
    """Set the active membership's muted_until to the longest mute still running (or clear it)."""
    membership = (
        Membership.objects.select_for_update()
        .filter(community_id=community_id, member_id=member_id, is_active=True)
        .first()
    )
    if membership is None:
        return None
    longest = mute_remaining(member=member_id, community=community_id, at=now)
    if membership.muted_until != longest:
        membership.muted_until = longest
        membership.save(update_fields=["muted_until"])
    return membership


def penalty_lifted_event(penalty: Penalty, reason: str, membership: Membership | None) -> tuple[str, dict]:
    return (
        "penalty.lifted",
        {
            "penalty_id": penalty.pk,
            "violation_id": penalty.violation_id,
            "action": penalty.action,
            "reason": reason,
            "group": group_payload(penalty.community),
            "member": member_payload(penalty.member),
            "muted_until": membership.muted_until if membership is not None else None,
        },
    )


@transaction.atomic
def mute_lift(*, penalty_id: int, now: datetime | None = None) -> Penalty | None:
    """Lift a mute whose time is up. The conditional update claims it: the ETA task and the sweep
    may both run for the same mute, only one lifts it. Returns None when there was nothing to do."""
    now = now or timezone.now()
    claimed = Penalty.objects.filter(
        pk=penalty_id,
        action=PenaltyAction.MUTE,
        state=PenaltyState.ACTIVE,
        ends_at__lte=now + timedelta(seconds=1),
    ).update(state=PenaltyState.ENDED, ended_at=now)
    if not claimed:
        return None
    penalty = Penalty.objects.select_related("member", "community__workspace").get(pk=penalty_id)
    membership = mute_recompute(member_id=penalty.member_id, community_id=penalty.community_id, now=now)
    webhook_emit_many(
        workspace=penalty.community.workspace, events=[penalty_lifted_event(penalty, "expired", membership)]
    )
    audit_record(
        actor=None,
        verb="penalty.expired",
        target=penalty,
        before={"state": PenaltyState.ACTIVE},
        after={"state": PenaltyState.ENDED, "muted_until": membership.muted_until if membership else None},
    )
    return penalty


def mutes_sweep(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Lift every mute whose time passed and that is still active (a worker was down). Returns how many."""
    now = now or timezone.now()
    due = list(
        Penalty.objects.filter(action=PenaltyAction.MUTE, state=PenaltyState.ACTIVE, ends_at__lte=now)
        .order_by("ends_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for penalty_id in due if mute_lift(penalty_id=penalty_id, now=now) is not None)
