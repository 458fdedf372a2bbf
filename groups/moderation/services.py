"""Moderation writes: log a violation and apply the next step of the group's ladder, revoke it,
file and decide appeals.

Every function here is one transaction. Logs, revokes and appeals of one member are serialised
by locking the member's row (`select_for_update` on PostgreSQL; SQLite's IMMEDIATE transactions
serialise every write), so two moderators logging at once get two consecutive steps.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups import services as group_services
from groups.models import (
    Appeal,
    AppealState,
    Community,
    CommunityState,
    LeaveReason,
    Member,
    Membership,
    Penalty,
    PenaltyAction,
    PenaltyState,
    Rule,
    Violation,
)
from groups.moderation.ladders import ladder_next_step, refuse
from groups.moderation.mutes import mute_recompute, penalty_lifted_event
from groups.payloads import group_payload, member_payload
from suo.audit import audit_build, audit_many, audit_record, snapshot
from suo.db import save_unless_taken
from suo.queue import enqueue_on_commit
from suo.webhooks import webhook_emit_many

NOTE_MAX = 500


REASON_MAX = 500


STATEMENT_MAX = 2000


@dataclass(frozen=True)
class ViolationLogged:
    """What logging a violation did, as the desk and the API report it."""

    violation: Violation
    counted_violations: int  # violations that count now, this one included
    next_action: str  # what the member's following violation (of a normal rule) would get
    next_step: int
    muted_until: datetime | None
    replayed: bool = False  # the idempotency key named a violation this user had already logged


def _penalty_payload(penalty: Penalty, violation: Violation) -> dict:
    return {
        "penalty_id": penalty.pk,
        "violation_id": violation.pk,
        "action": penalty.action,
        "step": violation.step,
        "mute_minutes": violation.mute_minutes,
        "starts_at": penalty.starts_at,
        "ends_at": penalty.ends_at,
        "group": group_payload(violation.community),
        "member": member_payload(violation.member),
        "rule": {"id": violation.rule_id, "title": violation.rule.title, "category": violation.rule.category},
    }


def _lock_member(member: Member | int) -> None:
    """Serialise moderation of one member (logs, revokes, appeals)."""
    member_id = member if isinstance(member, int) else member.pk
    Member.objects.select_for_update().filter(pk=member_id).values_list("pk", flat=True).first()


@transaction.atomic
def violation_log(
    *,
    community: Community,
    member: Member,
    rule: Rule,
    by,
    note: str = "",
    screenshot=None,
    idempotency_key: str = "",
    at: datetime | None = None,
) -> ViolationLogged:
    """Record a violation and apply the next step of the group's ladder.

    `idempotency_key` names a log of this user: sent again, it returns the violation already
    logged (`replayed`). `at` backdates the log; only imports of history and the demo use it.
    """
    errors = {}
    if not rule.applies_to(community):
        errors["rule"] = (
            _("The rule “%(rule)s” is retired.") % {"rule": rule.title}
            if not rule.is_active
            else _("The rule “%(rule)s” does not apply to this group.") % {"rule": rule.title}
        )
    if community.state == CommunityState.ARCHIVED:
        errors["group"] = _("The group is archived.")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = _("At most %(n)s characters.") % {"n": NOTE_MAX}
    if len(idempotency_key) > 64:
        errors["idempotency_key"] = _("At most %(n)s characters.") % {"n": 64}
    if errors:
        raise ValidationError(errors)

    _lock_member(member)
    if idempotency_key and by is not None:
        existing = Violation.objects.filter(
            workspace_id=community.workspace_id, logged_by=by, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return _replayed(existing)

    now = at or timezone.now()
    nxt = ladder_next_step(member=member, community=community, rule=rule, at=now)
    violation = Violation(
        workspace_id=community.workspace_id,
        member=member,
        community=community,
        rule=rule,
        ladder=nxt.ladder,
        step=nxt.number,
        action=nxt.action,
        mute_minutes=nxt.mute_minutes if nxt.action == PenaltyAction.MUTE else None,
        counted_before=nxt.counted,
        severity=rule.severity,
        note=note,
        logged_by=by,
        created_at=now,
        idempotency_key=idempotency_key if by is not None else "",
    )
    if screenshot:
        violation.screenshot = screenshot
    violation.save()
    records = [
        audit_build(
            actor=by,
            verb="violation.logged",
            target=violation,
            after=snapshot(
                violation, ["member", "community", "rule", "step", "action", "mute_minutes", "note"]
            ),
        )
    ]
    penalty = penalty_apply(violation=violation, by=by, audit_into=records)
    audit_many(records)
    return ViolationLogged(
        violation=violation,
        counted_violations=nxt.counted + 1,
        next_action=nxt.after().action,
        next_step=min(nxt.counted + 2, nxt.total),
        muted_until=penalty.ends_at if penalty.action == PenaltyAction.MUTE else None,
    )


def penalty_apply(*, violation: Violation, by=None, audit_into: list | None = None) -> Penalty:
    """Do what the violation's step says, record it as a Penalty and tell the bot (`penalty.applied`)."""
    now = violation.created_at
    community, member = violation.community, violation.member
    penalty = Penalty(
        workspace_id=violation.workspace_id,
        violation=violation,
        member=member,
        community=community,
        action=violation.action,
        starts_at=now,
    )
    membership = None
    if violation.action in (PenaltyAction.MUTE, PenaltyAction.KICK):
        membership = (
            Membership.objects.select_for_update()
            .filter(community=community, member=member, is_active=True)
            .first()
        )
    groups_left: list[Community] = []
    if violation.action == PenaltyAction.WARN:
        penalty.state, penalty.ended_at = PenaltyState.ENDED, now
    elif violation.action == PenaltyAction.MUTE:
        penalty.ends_at = now + timedelta(minutes=violation.mute_minutes)
        if membership is not None:
            current = membership.muted_until
            # A longer mute is never shortened by a shorter one.
            membership.muted_until = max(current, penalty.ends_at) if current else penalty.ends_at
            membership.save(update_fields=["muted_until"])
    elif violation.action == PenaltyAction.KICK:
        if membership is not None:
            _leave(membership, LeaveReason.KICKED, now, by)
            groups_left.append(community)
    elif violation.action == PenaltyAction.BAN:
        for stay in (
            Membership.objects.select_for_update()
            .select_related("community")
            .filter(member=member, is_active=True)
            .order_by("pk")
        ):
            _leave(stay, LeaveReason.BANNED, now, by)
            groups_left.append(stay.community)
    penalty.save()
    if penalty.action == PenaltyAction.MUTE and penalty.ends_at > timezone.now():
        enqueue_on_commit("groups.tasks.mute_expire", penalty.pk, eta=penalty.ends_at)
    payload = _penalty_payload(penalty, violation)
    payload["muted_until"] = membership.muted_until if membership is not None else None
    payload["groups_left"] = [group_payload(group) for group in groups_left]
    payload["logged_by"] = by.get_username() if by is not None else None
    payload["note"] = violation.note
    webhook_emit_many(workspace=community.workspace, events=[("penalty.applied", payload)])
    record = audit_build(
        actor=by,
        verb="penalty.applied",
        target=penalty,
        after=snapshot(penalty, ["violation", "action", "state", "starts_at", "ends_at"])
        | {"groups_left": [group.pk for group in groups_left]},
        workspace=violation.workspace_id,
    )
    if audit_into is not None:
        audit_into.append(record)
    else:
        record.save()
    return penalty


def _leave(membership: Membership, reason: str, at: datetime, by) -> None:
    group_services.membership_leave(
        community=membership.community,
        member=membership.member,
        reason=reason,
        at=max(at, membership.joined_at),
        by=by,
    )


def _replayed(violation: Violation) -> ViolationLogged:
    """The outcome of a log sent again: the violation already logged, the standing now."""
    nxt = ladder_next_step(member=violation.member, community=violation.community)
    membership = Membership.objects.filter(
        community_id=violation.community_id, member_id=violation.member_id, is_active=True
    ).first()
    penalty = Penalty.objects.filter(violation=violation).first()
    muted_until = penalty.ends_at if penalty is not None and penalty.action == PenaltyAction.MUTE else None
    if membership is not None and muted_until and membership.muted_until:
        muted_until = max(muted_until, membership.muted_until)
    return ViolationLogged(
        violation=violation,
        counted_violations=nxt.counted,
        next_action=nxt.action,
        next_step=nxt.number,
        muted_until=muted_until,
        replayed=True,
    )


def _required_text(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise refuse(field, _("This field is required."), "required")
    if len(value) > limit:
        raise refuse(field, _("At most %(n)s characters.") % {"n": limit}, "max_length")
    return value


@transaction.atomic
def violation_revoke(*, violation: Violation, by, reason: str, appeal: Appeal | None = None) -> Violation:
    """The violation stops counting and the penalty it caused, if still active, is lifted: a mute
    ends now, a kick or a ban no longer blocks rejoining."""
    reason = _required_text(reason, "reason", REASON_MAX)
    _lock_member(violation.member_id)
    violation = (
        Violation.objects.select_for_update()
        .select_related("member", "community__workspace", "rule")
        .get(pk=violation.pk)
    )
    if violation.revoked_at is not None:
        raise refuse("violation", _("This violation was already revoked."), "already_revoked")
    now = timezone.now()
    violation.revoked_at, violation.revoked_by, violation.revoke_reason = now, by, reason
    violation.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    events = [
        (
            "violation.revoked",
            {
                "violation_id": violation.pk,
                "reason": reason,
                "revoked_by": by.get_username() if by is not None else None,
                "group": group_payload(violation.community),
                "member": member_payload(violation.member),
            },
        )
    ]
    audit_record(
        actor=by,
        verb="violation.revoked",
        target=violation,
        before={"revoked": False},
        after={"revoked": True, "reason": reason, "appeal": appeal.pk if appeal else None},
    )
    penalty = Penalty.objects.select_for_update().filter(violation=violation).first()
    if penalty is not None and penalty.state == PenaltyState.ACTIVE:
        penalty.state, penalty.ended_at = PenaltyState.LIFTED, now
        penalty.save(update_fields=["state", "ended_at"])
        membership = None
        if penalty.action == PenaltyAction.MUTE:
            membership = mute_recompute(
                member_id=penalty.member_id, community_id=penalty.community_id, now=now
            )
        penalty.member, penalty.community = violation.member, violation.community
        events.append(penalty_lifted_event(penalty, "revoked", membership))
        audit_record(
            actor=by,
            verb="penalty.lifted",
            target=penalty,
            before={"state": PenaltyState.ACTIVE},
            after={"state": PenaltyState.LIFTED},
            workspace=violation.workspace_id,
        )
    pending = Appeal.objects.filter(violation=violation, state=AppealState.PENDING)
    if appeal is not None:
        pending = pending.exclude(pk=appeal.pk)
    pending.update(
        state=AppealState.CLOSED, decided_at=now, decided_by=by, decision_reason=reason[:REASON_MAX]
    )
    webhook_emit_many(workspace=violation.community.workspace, events=events)
    return violation


@transaction.atomic
def appeal_file(*, violation: Violation, statement: str, by) -> Appeal:
    """Queue a member's appeal against a violation for an operator to decide."""
    statement = _required_text(statement, "statement", STATEMENT_MAX)
    _lock_member(violation.member_id)
    violation = Violation.objects.select_for_update().get(pk=violation.pk)
    if violation.revoked_at is not None:
        raise refuse("violation", _("This violation was already revoked."), "already_revoked")
    states = set(Appeal.objects.filter(violation=violation).values_list("state", flat=True))
    if AppealState.PENDING in states:
        raise refuse("violation", _("An appeal against this violation is already waiting."), "appeal_pending")
    if AppealState.REJECTED in states:
        raise refuse(
            "violation",
            _("An appeal against this violation was already rejected; an operator may still revoke it."),
            "appeal_rejected",
        )
    appeal = Appeal(
        workspace_id=violation.workspace_id, violation=violation, statement=statement, filed_by=by
    )
    if save_unless_taken(appeal) is None:
        raise refuse("violation", _("An appeal against this violation is already waiting."), "appeal_pending")
    audit_record(
        actor=by,
        verb="appeal.filed",
        target=appeal,
        after={"violation": violation.pk, "statement": statement},
    )
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, accept: bool, reason: str, by) -> Appeal:
    """Accept (the violation is revoked, its penalty lifted) or reject an appeal, with a reason."""
    reason = _required_text(reason, "reason", REASON_MAX)
    violation = Violation.objects.get(pk=appeal.violation_id)
    _lock_member(violation.member_id)
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.state != AppealState.PENDING:
        raise refuse("appeal", _("This appeal was already decided."), "already_decided")
    if accept:
        violation_revoke(violation=violation, by=by, reason=reason, appeal=appeal)
    now = timezone.now()
    appeal.state = AppealState.ACCEPTED if accept else AppealState.REJECTED
    appeal.decided_by, appeal.decided_at, appeal.decision_reason = by, now, reason
    appeal.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    audit_record(
        actor=by,
        verb="appeal.accepted" if accept else "appeal.rejected",
        target=appeal,
        before={"state": AppealState.PENDING},
        after={"state": appeal.state, "reason": reason},
    )
    violation = Violation.objects.select_related("member", "community__workspace").get(pk=violation.pk)
    webhook_emit_many(
        workspace=violation.community.workspace,
        events=[
            (
                "appeal.decided",
                {
                    "appeal_id": appeal.pk,
                    "violation_id": violation.pk,
                    "decision": appeal.state,
                    "reason": reason,
                    "group": group_payload(violation.community),
                    "member": member_payload(violation.member),
                },
            )
        ],
    )
    return appeal
