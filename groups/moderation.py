"""Moderation writes: log a violation and apply the next step of the group's ladder, revoke it,
file and decide appeals, lift mutes on time, and keep the code of conduct and ladders (audited).

Every function here is one transaction. Logs, revokes and appeals of one member are serialised
by locking the member's row (`select_for_update` on PostgreSQL; SQLite's IMMEDIATE transactions
serialise every write), so two moderators logging at once get two consecutive steps.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.db.models.deletion import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import (
    Appeal,
    AppealState,
    Community,
    CommunityState,
    LadderScope,
    LeaveReason,
    Member,
    Membership,
    Penalty,
    PenaltyAction,
    PenaltyState,
    Rule,
    Violation,
)
from groups.models.moderation import Ladder, LadderStep, describe_action
from groups.payloads import group_payload, member_payload
from suo.audit import audit_build, audit_many, audit_record, snapshot
from suo.models import Workspace
from suo.webhooks import webhook_emit_many

DEFAULT_STEPS = [
    {"action": PenaltyAction.WARN, "mute_minutes": None},
    {"action": PenaltyAction.MUTE, "mute_minutes": 24 * 60},
    {"action": PenaltyAction.KICK, "mute_minutes": None},
]
NOTE_MAX = 500
REASON_MAX = 500
STATEMENT_MAX = 2000


def _refuse(field: str, message, code: str) -> ValidationError:
    """A field error with a machine-readable code (the API's `code`)."""
    return ValidationError({field: ValidationError(message, code=code)})


# --- ladders: which one, which step ----------------------------------------------------------


def ladder_default(workspace: Workspace | int) -> Ladder:
    """The workspace's default ladder; made on first need as warn → mute 24 h → kick, 30 days, per group."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    ladder = Ladder.objects.filter(workspace_id=workspace_id, is_default=True).first()
    if ladder is not None:
        return ladder
    try:
        with transaction.atomic():
            ladder = Ladder.objects.create(
                workspace_id=workspace_id,
                name=_("Default ladder"),
                is_default=True,
                window_days=30,
                scope=LadderScope.GROUP,
            )
            LadderStep.objects.bulk_create(
                [
                    LadderStep(workspace_id=workspace_id, ladder=ladder, position=index, **step)
                    for index, step in enumerate(DEFAULT_STEPS, start=1)
                ]
            )
    except IntegrityError:  # made at the same moment by another request
        ladder = Ladder.objects.get(workspace_id=workspace_id, is_default=True)
    return ladder


def ladder_for(community: Community) -> Ladder:
    if community.ladder_id:
        return Ladder.objects.get(pk=community.ladder_id)
    return ladder_default(community.workspace_id)


def _ladder_and_steps(community: Community) -> tuple[Ladder, tuple[LadderStep, ...]]:
    """The group's ladder and its steps in one query (the hot path of every log and preview)."""
    steps = LadderStep.objects.select_related("ladder").order_by("position", "pk")
    if community.ladder_id:
        steps = steps.filter(ladder_id=community.ladder_id)
    else:
        steps = steps.filter(ladder__workspace_id=community.workspace_id, ladder__is_default=True)
    found = tuple(steps)
    if found:
        return found[0].ladder, found
    ladder = ladder_for(community)  # no default yet (made now), or a ladder without steps (refused)
    return ladder, tuple(ladder_steps(ladder))


def ladder_steps(ladder: Ladder) -> list[LadderStep]:
    steps = list(LadderStep.objects.filter(ladder=ladder).order_by("position", "pk"))
    if not steps:
        raise _refuse(
            "group",
            _("The penalty ladder “%(ladder)s” has no steps; add one first.") % {"ladder": ladder.name},
            "empty_ladder",
        )
    return steps


def counting_violations(*, member: Member, community: Community, ladder: Ladder, at: datetime):
    """Violations of the member that still count for the ladder: inside its window, not revoked."""
    queryset = Violation.objects.filter(
        member=member,
        revoked_at__isnull=True,
        created_at__gt=at - timedelta(days=ladder.window_days),
        created_at__lte=at,
    )
    if ladder.scope == LadderScope.GROUP:
        queryset = queryset.filter(community=community)
    return queryset


@dataclass(frozen=True)
class NextStep:
    """The step a violation gets: `number` of `total` (1-based), decided by `counted` + `severity`."""

    ladder: Ladder
    steps: tuple[LadderStep, ...]
    number: int
    counted: int
    severity: int

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def step(self) -> LadderStep:
        return self.steps[self.number - 1]

    @property
    def action(self) -> str:
        return self.step.action

    @property
    def mute_minutes(self) -> int | None:
        return self.step.mute_minutes

    def after(self) -> LadderStep:
        """The step the member's following violation (of a normal rule) would get."""
        return self.steps[min(self.counted + 1, self.total - 1)]


def ladder_next_step(
    *, member: Member, community: Community, rule: Rule | None = None, at: datetime | None = None
) -> NextStep:
    """The next step for `member` in `community`: violations that still count, plus the rule's
    severity, capped at the last step."""
    at = at or timezone.now()
    ladder, steps = _ladder_and_steps(community)
    counted = counting_violations(member=member, community=community, ladder=ladder, at=at).count()
    severity = rule.severity if rule is not None else 0
    index = min(counted + severity, len(steps) - 1)
    return NextStep(ladder=ladder, steps=steps, number=index + 1, counted=counted, severity=severity)


# --- payloads --------------------------------------------------------------------------------


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


# --- logging a violation ---------------------------------------------------------------------


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
) -> Violation:
    """Record a violation and apply the next step of the group's ladder.

    The returned violation carries `counted_violations` (violations that count now, this one
    included), `next_action` (what the following violation would get), `muted_until` and
    `replayed` (True when `idempotency_key` named a violation this user already logged).
    `at` backdates the log; only imports of history and the demo use it.
    """
    errors = {}
    if member.workspace_id != community.workspace_id:
        errors["member"] = _("The member does not belong to this workspace.")
    if rule.workspace_id != community.workspace_id:
        errors["rule"] = _("The rule does not belong to this workspace.")
    elif not rule.applies_to(community):
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
            return violation_outcome(existing, replayed=True)

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
            workspace=community.workspace_id,
        )
    ]
    penalty = penalty_apply(violation=violation, by=by, audit_into=records)
    audit_many(records)
    violation.counted_violations = nxt.counted + 1
    violation.next_action = nxt.after().action
    violation.next_step = min(nxt.counted + 2, nxt.total)
    violation.muted_until = penalty.ends_at if penalty.action == PenaltyAction.MUTE else None
    violation.replayed = False
    return violation


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
        from groups.tasks import mute_expire

        penalty_id, eta = penalty.pk, penalty.ends_at
        transaction.on_commit(lambda: mute_expire.apply_async(args=[penalty_id], eta=eta))
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
    from groups import services

    services.membership_leave(
        community=membership.community,
        member=membership.member,
        reason=reason,
        at=max(at, membership.joined_at),
        by=by,
    )


def violation_outcome(violation: Violation, *, replayed: bool = False) -> Violation:
    """Attach what the API reports after a log (for a violation read back from the database)."""
    nxt = ladder_next_step(member=violation.member, community=violation.community)
    violation.counted_violations = nxt.counted
    violation.next_action = nxt.action
    violation.next_step = nxt.number
    membership = Membership.objects.filter(
        community_id=violation.community_id, member_id=violation.member_id, is_active=True
    ).first()
    penalty = Penalty.objects.filter(violation=violation).first()
    violation.muted_until = (
        penalty.ends_at if penalty is not None and penalty.action == PenaltyAction.MUTE else None
    )
    if membership is not None and violation.muted_until and membership.muted_until:
        violation.muted_until = max(violation.muted_until, membership.muted_until)
    violation.replayed = replayed
    return violation


# --- mutes: lifted on time (ETA task) or by the sweep ------------------------------------------


def _mute_recompute(*, member_id: int, community_id: int, now: datetime) -> Membership | None:
    """Set the active membership's muted_until to the longest mute still running (or clear it)."""
    membership = (
        Membership.objects.select_for_update()
        .filter(community_id=community_id, member_id=member_id, is_active=True)
        .first()
    )
    if membership is None:
        return None
    longest = Penalty.objects.filter(
        member_id=member_id,
        community_id=community_id,
        action=PenaltyAction.MUTE,
        state=PenaltyState.ACTIVE,
        ends_at__gt=now,
    ).aggregate(until=Max("ends_at"))["until"]
    if membership.muted_until != longest:
        membership.muted_until = longest
        membership.save(update_fields=["muted_until"])
    return membership


def _lifted_event(penalty: Penalty, reason: str, membership: Membership | None) -> tuple[str, dict]:
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
    membership = _mute_recompute(member_id=penalty.member_id, community_id=penalty.community_id, now=now)
    webhook_emit_many(
        workspace=penalty.community.workspace, events=[_lifted_event(penalty, "expired", membership)]
    )
    audit_record(
        actor=None,
        verb="penalty.expired",
        target=penalty,
        before={"state": PenaltyState.ACTIVE},
        after={"state": PenaltyState.ENDED, "muted_until": membership.muted_until if membership else None},
        workspace=penalty.workspace_id,
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


# --- revoking, appeals -------------------------------------------------------------------------


def _required_text(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise _refuse(field, _("This field is required."), "required")
    if len(value) > limit:
        raise _refuse(field, _("At most %(n)s characters.") % {"n": limit}, "max_length")
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
        raise _refuse("violation", _("This violation was already revoked."), "already_revoked")
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
        workspace=violation.workspace_id,
    )
    penalty = Penalty.objects.select_for_update().filter(violation=violation).first()
    if penalty is not None and penalty.state == PenaltyState.ACTIVE:
        penalty.state, penalty.ended_at = PenaltyState.LIFTED, now
        penalty.save(update_fields=["state", "ended_at"])
        membership = None
        if penalty.action == PenaltyAction.MUTE:
            membership = _mute_recompute(
                member_id=penalty.member_id, community_id=penalty.community_id, now=now
            )
        penalty.member, penalty.community = violation.member, violation.community
        events.append(_lifted_event(penalty, "revoked", membership))
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
        raise _refuse("violation", _("This violation was already revoked."), "already_revoked")
    states = set(Appeal.objects.filter(violation=violation).values_list("state", flat=True))
    if AppealState.PENDING in states:
        raise _refuse(
            "violation", _("An appeal against this violation is already waiting."), "appeal_pending"
        )
    if AppealState.REJECTED in states:
        raise _refuse(
            "violation",
            _("An appeal against this violation was already rejected; an operator may still revoke it."),
            "appeal_rejected",
        )
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                workspace_id=violation.workspace_id, violation=violation, statement=statement, filed_by=by
            )
    except IntegrityError as exc:
        raise _refuse(
            "violation", _("An appeal against this violation is already waiting."), "appeal_pending"
        ) from exc
    audit_record(
        actor=by,
        verb="appeal.filed",
        target=appeal,
        after={"violation": violation.pk, "statement": statement},
        workspace=violation.workspace_id,
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
        raise _refuse("appeal", _("This appeal was already decided."), "already_decided")
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
        workspace=appeal.workspace_id,
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


# --- the code of conduct and ladders (configuration, audited) ---------------------------------

RULE_FIELDS = [
    "title",
    "description",
    "category",
    "severity",
    "community_kind",
    "community",
    "position",
    "is_active",
]
LADDER_FIELDS = ["name", "is_default", "window_days", "scope"]


def _rule_check(rule: Rule) -> None:
    rule.full_clean(exclude=["workspace"])
    if rule.community_id and rule.community.workspace_id != rule.workspace_id:
        raise ValidationError({"community": _("The group does not belong to this workspace.")})


@transaction.atomic
def rule_save(*, rule: Rule, by, **fields) -> Rule:
    """Create (no pk yet) or change a rule of the code of conduct."""
    before = snapshot(Rule.objects.get(pk=rule.pk), RULE_FIELDS) if rule.pk else None
    for name, value in fields.items():
        setattr(rule, name, value)
    _rule_check(rule)
    rule.save()
    after = snapshot(rule, RULE_FIELDS)
    if before != after:
        audit_record(
            actor=by,
            verb="rule.created" if before is None else "rule.changed",
            target=rule,
            before=before,
            after=after,
            workspace=rule.workspace_id,
        )
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule, by) -> None:
    before = snapshot(rule, RULE_FIELDS)
    pk = rule.pk
    try:
        with transaction.atomic():
            rule.delete()
    except ProtectedError as exc:
        raise _refuse(
            "rule",
            _("Violations were logged under this rule: retire it (active off) instead of deleting it."),
            "protected",
        ) from exc
    rule.pk = pk
    audit_record(actor=by, verb="rule.deleted", target=rule, before=before, workspace=rule.workspace_id)


def ladder_snapshot(ladder: Ladder) -> dict:
    data = snapshot(ladder, LADDER_FIELDS)
    data["steps"] = [
        {"action": step.action, "mute_minutes": step.mute_minutes}
        for step in LadderStep.objects.filter(ladder=ladder).order_by("position", "pk")
    ]
    return data


def _steps_check(steps: list[dict]) -> list[LadderStep]:
    if not steps:
        raise _refuse("steps", _("A ladder needs at least one step."), "required")
    if len(steps) > 20:
        raise _refuse("steps", _("At most %(n)s steps.") % {"n": 20}, "max_length")
    rows = []
    for index, spec in enumerate(steps):
        action = spec.get("action")
        minutes = spec.get("mute_minutes")
        if action not in PenaltyAction.values:
            raise ValidationError({f"steps.{index}.action": _("Unknown action “%(a)s”.") % {"a": action}})
        if action == PenaltyAction.MUTE and not minutes:
            raise ValidationError(
                {f"steps.{index}.mute_minutes": _("A mute needs a duration.")}, code="required"
            )
        if action == PenaltyAction.MUTE and not 1 <= minutes <= 525600:
            raise ValidationError({f"steps.{index}.mute_minutes": _("Between 1 minute and 365 days.")})
        rows.append(
            LadderStep(position=index + 1, action=action, mute_minutes=minutes if action == "mute" else None)
        )
    return rows


@transaction.atomic
def ladder_save(*, ladder: Ladder, by, steps: list[dict] | None = None, **fields) -> Ladder:
    """Create or change a ladder; `steps` (in order) replace the old ones. Making a ladder the
    default takes that role from the previous default."""
    creating = ladder.pk is None
    if creating and steps is None:
        steps = DEFAULT_STEPS
    before = None if creating else ladder_snapshot(Ladder.objects.select_for_update().get(pk=ladder.pk))
    for name, value in fields.items():
        setattr(ladder, name, value)
    rows = _steps_check(list(steps)) if steps is not None else None
    if not creating and before["is_default"] and not ladder.is_default:
        raise ValidationError(
            {"is_default": _("Make another ladder the default instead: a workspace always has one.")}
        )
    ladder.full_clean(exclude=["workspace"], validate_constraints=False)
    if ladder.is_default:
        Ladder.objects.filter(workspace_id=ladder.workspace_id, is_default=True).exclude(pk=ladder.pk).update(
            is_default=False
        )
    ladder.save()
    if rows is not None:
        LadderStep.objects.filter(ladder=ladder).delete()
        for row in rows:
            row.workspace_id, row.ladder = ladder.workspace_id, ladder
        LadderStep.objects.bulk_create(rows)
    after = ladder_snapshot(ladder)
    if before != after:
        audit_record(
            actor=by,
            verb="ladder.created" if creating else "ladder.changed",
            target=ladder,
            before=before,
            after=after,
            workspace=ladder.workspace_id,
        )
    return ladder


@transaction.atomic
def ladder_delete(*, ladder: Ladder, by) -> None:
    ladder = Ladder.objects.select_for_update().get(pk=ladder.pk)
    if ladder.is_default:
        raise ValidationError(
            {"is_default": _("The default ladder cannot be deleted: make another ladder the default first.")}
        )
    before = ladder_snapshot(ladder)
    pk = ladder.pk
    ladder.delete()
    ladder.pk = pk
    audit_record(actor=by, verb="ladder.deleted", target=ladder, before=before, workspace=ladder.workspace_id)


def member_is_banned(member: Member) -> bool:
    return Penalty.objects.filter(member=member, action=PenaltyAction.BAN, state=PenaltyState.ACTIVE).exists()


def join_blocks(*, member: Member, community: Community) -> list[tuple[str, str]]:
    """(code, message) for each penalty that keeps the member out of the group (for membership_join)."""
    actions = set(
        Penalty.objects.filter(member=member, state=PenaltyState.ACTIVE)
        .filter(Q(action=PenaltyAction.BAN) | Q(action=PenaltyAction.KICK, community=community))
        .values_list("action", flat=True)
    )
    blocks = []
    if PenaltyAction.BAN in actions:
        blocks.append(("banned", _("The member is banned from the groups of this workspace.")))
    elif PenaltyAction.KICK in actions:
        blocks.append(
            (
                "kicked",
                _(
                    "The member was kicked from this group and may not rejoin unless the violation is revoked."  # noqa: E501
                ),
            )
        )
    return blocks


def mute_remaining(*, member: Member, community: Community, at: datetime) -> datetime | None:
    """The end of the longest mute still running for the member in the group (for a rejoin)."""
    return Penalty.objects.filter(
        member=member,
        community=community,
        action=PenaltyAction.MUTE,
        state=PenaltyState.ACTIVE,
        ends_at__gt=at,
    ).aggregate(until=Max("ends_at"))["until"]


__all__ = [
    "NextStep",
    "appeal_decide",
    "appeal_file",
    "describe_action",
    "join_blocks",
    "ladder_default",
    "ladder_delete",
    "ladder_for",
    "ladder_next_step",
    "ladder_save",
    "mute_lift",
    "mutes_sweep",
    "penalty_apply",
    "rule_delete",
    "rule_save",
    "violation_log",
    "violation_outcome",
    "violation_revoke",
]
