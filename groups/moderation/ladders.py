"""Which ladder applies to a group and which of its steps a violation gets: the ladder
arithmetic shared by the services (logging) and the selectors (the desk's preview).

A workspace always has a default ladder; `ladder_default` makes it on first need."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Community, LadderScope, Member, PenaltyAction, Rule, Violation
from groups.models.moderation import Ladder, LadderStep
from suo.models import Workspace

DEFAULT_STEPS = [
    {"action": PenaltyAction.WARN, "mute_minutes": None},
    {"action": PenaltyAction.MUTE, "mute_minutes": 24 * 60},
    {"action": PenaltyAction.KICK, "mute_minutes": None},
]


def refuse(field: str, message, code: str) -> ValidationError:
    """A field error with a machine-readable code (the API's `code`)."""
    return ValidationError({field: ValidationError(message, code=code)})


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
        raise refuse(
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
