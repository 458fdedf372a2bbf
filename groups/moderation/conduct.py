"""The code of conduct and the penalty ladders: configuration writes, each one transaction and
audited (before / after)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.deletion import ProtectedError
from django.utils.translation import gettext as _

from groups.models import PenaltyAction, Rule
from groups.models.moderation import Ladder, LadderStep
from groups.moderation.ladders import DEFAULT_STEPS, refuse
from suo.audit import audit_record, snapshot

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


@transaction.atomic
def rule_save(*, rule: Rule, by, **fields) -> Rule:
    """Create (no pk yet) or change a rule of the code of conduct."""
    before = snapshot(Rule.objects.get(pk=rule.pk), RULE_FIELDS) if rule.pk else None
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.full_clean(exclude=["workspace"])
    rule.save()
    after = snapshot(rule, RULE_FIELDS)
    if before != after:
        audit_record(
            actor=by,
            verb="rule.created" if before is None else "rule.changed",
            target=rule,
            before=before,
            after=after,
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
        raise refuse(
            "rule",
            _("Violations were logged under this rule: retire it (active off) instead of deleting it."),
            "protected",
        ) from exc
    rule.pk = pk
    audit_record(actor=by, verb="rule.deleted", target=rule, before=before)


def ladder_snapshot(ladder: Ladder) -> dict:
    data = snapshot(ladder, LADDER_FIELDS)
    data["steps"] = [
        {"action": step.action, "mute_minutes": step.mute_minutes}
        for step in LadderStep.objects.filter(ladder=ladder).order_by("position", "pk")
    ]
    return data


def ladder_steps_check(steps: list[dict]) -> list[LadderStep]:
    if not steps:
        raise refuse("steps", _("A ladder needs at least one step."), "required")
    if len(steps) > 20:
        raise refuse("steps", _("At most %(n)s steps.") % {"n": 20}, "max_length")
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
    rows = ladder_steps_check(list(steps)) if steps is not None else None
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
        )
    return ladder


def ladder_delete_refusal(ladder: Ladder) -> str | None:
    """Why the ladder may not be deleted, or None: a workspace always keeps its default ladder."""
    if ladder.is_default:
        return _("The default ladder cannot be deleted: make another ladder the default first.")
    return None


@transaction.atomic
def ladder_delete(*, ladder: Ladder, by) -> None:
    ladder = Ladder.objects.select_for_update().get(pk=ladder.pk)
    refusal = ladder_delete_refusal(ladder)
    if refusal:
        raise ValidationError({"is_default": refusal})
    before = ladder_snapshot(ladder)
    pk = ladder.pk
    ladder.delete()
    ladder.pk = pk
    audit_record(actor=by, verb="ladder.deleted", target=ladder, before=before)
