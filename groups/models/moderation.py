"""Moderation: the code of conduct, penalty ladders, violations, the penalties they caused, appeals."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models.community import Community, CommunityKind
from groups.models.fields import community_fk, member_fk
from suo import fields


class RuleCategory(models.TextChoices):
    ADS = "ads", _("Ads")
    SPAM = "spam", _("Spam / flooding")
    ABUSE = "abuse", _("Personal attacks")
    OFF_TOPIC = "off_topic", _("Off topic")
    FRAUD = "fraud", _("Fraud")
    OTHER = "other", _("Other")


class Severity(models.IntegerChoices):
    """How many ladder steps a violation of the rule skips; the result is capped at the last step."""

    NORMAL = 0, _("Normal: the ladder starts at its first step")
    SERIOUS = 1, _("Serious: skips one step")
    GRAVE = 2, _("Grave: skips two steps")
    GRAVEST = 99, _("Gravest: straight to the last step")


class Rule(models.Model):
    """One rule of the code of conduct (群规), for the whole workspace, a kind of group, or one group."""

    workspace = fields.workspace_fk()
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Shown to members where a template says {rules}.")
    )
    category = fields.choice_field(_("category"), RuleCategory)
    severity = models.PositiveSmallIntegerField(
        _("severity"), choices=Severity.choices, default=Severity.NORMAL
    )
    community_kind = fields.choice_field(
        _("only for groups of kind"), CommunityKind, blank=True, help_text=_("Empty: every kind.")
    )
    community = fields.parent_fk(
        Community,
        _("only for group"),
        "own_rules",
        null=True,
        blank=True,
        help_text=_("Empty: every group (of the kind above)."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=10)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Retire a rule instead of deleting it; its violations stay.")
    )
    created_at = fields.created_at_field()

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("code of conduct")
        ordering = ["workspace", "position", "pk"]
        indexes = [models.Index(fields=["workspace", "is_active"], name="rule_ws_active")]
        constraints = [
            fields.valid_choice("category", RuleCategory, "rule_category_valid"),
            fields.valid_choice("severity", Severity, "rule_severity_valid"),
            models.CheckConstraint(
                condition=models.Q(community_kind="") | models.Q(community_kind__in=CommunityKind.values),
                name="rule_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(community_kind="") | models.Q(community__isnull=True),
                name="rule_group_or_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_category_display()})"

    def clean(self):
        if self.community_kind and self.community_id:
            raise ValidationError(
                {"community": _("Choose a kind of group or one group, not both.")}, code="group_or_kind"
            )

    def applies_to(self, community: Community) -> bool:
        return (
            self.is_active
            and (not self.community_id or self.community_id == community.pk)
            and (not self.community_kind or self.community_kind == community.kind)
        )


class LadderScope(models.TextChoices):
    GROUP = "group", _("Violations in the same group")
    WORKSPACE = "workspace", _("Violations in any group of the workspace")


class PenaltyAction(models.TextChoices):
    WARN = "warn", _("Warn")
    MUTE = "mute", _("Mute")
    KICK = "kick", _("Kick")
    BAN = "ban", _("Ban")


class Ladder(models.Model):
    """Ordered penalty steps; the workspace default applies to every group without its own ladder."""

    workspace = fields.workspace_fk()
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(
        _("workspace default"), default=False, help_text=_("Used by groups that have no ladder of their own.")
    )
    window_days = models.PositiveSmallIntegerField(
        _("counting window (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Violations older than this no longer count towards the next step."),
    )
    scope = fields.choice_field(_("counts"), LadderScope, LadderScope.GROUP)
    created_at = fields.created_at_field()
    updated_at = fields.updated_at_field()

    class Meta:
        verbose_name = _("penalty ladder")
        verbose_name_plural = _("penalty ladders")
        ordering = ["workspace", "-is_default", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace"], condition=models.Q(is_default=True), name="ladder_one_default"
            ),
            models.CheckConstraint(
                condition=models.Q(window_days__gte=1, window_days__lte=3650), name="ladder_window_range"
            ),
            fields.valid_choice("scope", LadderScope, "ladder_scope_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({_('default')})" if self.is_default else self.name

    def validate_constraints(self, exclude=None):
        # Making a ladder the default takes the role from the previous one (ladder_save and the
        # admin do it in one transaction); the one-default constraint still guards the table.
        super().validate_constraints(exclude={*(exclude or ()), "is_default"})


class LadderStep(models.Model):
    """One step of a ladder. Steps are taken in `position` order; the step number is the rank."""

    workspace = fields.workspace_fk()
    ladder = fields.parent_fk(Ladder, _("ladder"), "steps")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    action = fields.choice_field(_("action"), PenaltyAction, max_length=8)
    mute_minutes = models.PositiveIntegerField(
        _("mute duration (minutes)"), null=True, blank=True, help_text=_("Only for mute: 1440 is 24 hours.")
    )

    class Meta:
        verbose_name = _("ladder step")
        verbose_name_plural = _("ladder steps")
        ordering = ["ladder", "position", "pk"]
        constraints = [
            fields.valid_choice("action", PenaltyAction, "ladder_step_action_valid"),
            models.CheckConstraint(
                condition=(
                    models.Q(action="mute", mute_minutes__gte=1, mute_minutes__lte=525600)
                    | (~models.Q(action="mute") & models.Q(mute_minutes__isnull=True))
                ),
                name="ladder_step_mute_duration",
            ),
        ]

    def __str__(self) -> str:
        return describe_action(self.action, self.mute_minutes)

    def clean(self):
        if self.action == PenaltyAction.MUTE and not self.mute_minutes:
            raise ValidationError({"mute_minutes": _("A mute needs a duration.")}, code="required")
        if self.action != PenaltyAction.MUTE:
            self.mute_minutes = None


def describe_duration(minutes: int | None) -> str:
    if not minutes:
        return ""
    if minutes % 1440 == 0:
        return str(_("%(n)s d") % {"n": minutes // 1440})
    if minutes % 60 == 0:
        return str(_("%(n)s h") % {"n": minutes // 60})
    return str(_("%(n)s min") % {"n": minutes})


def describe_action(action: str, mute_minutes: int | None = None) -> str:
    label = str(PenaltyAction(action).label) if action in PenaltyAction.values else action
    if action == PenaltyAction.MUTE and mute_minutes:
        return f"{label} {describe_duration(mute_minutes)}"
    return label


def screenshot_path(violation: "Violation", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    now = timezone.now()
    return (
        f"violations/{violation.workspace_id}/{now:%Y/%m}/{violation.member_id}-{now:%d%H%M%S%f}.{extension}"
    )


class Violation(models.Model):
    """A rule broken by a member in a group, logged by a moderator, with the ladder step it got.

    The step, its action and mute duration are copied at the time, so editing a ladder later
    never rewrites history. A revoked violation stops counting towards the next step.
    """

    workspace = fields.workspace_fk()
    member = member_fk("violations")
    community = community_fk("violations")
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="violations", verbose_name=_("rule")
    )
    ladder = fields.optional_fk(Ladder, _("ladder"))
    step = models.PositiveSmallIntegerField(_("step"))
    action = fields.choice_field(_("action"), PenaltyAction, max_length=8)
    mute_minutes = models.PositiveIntegerField(_("mute duration (minutes)"), null=True, blank=True)
    counted_before = models.PositiveIntegerField(
        _("violations counted before"),
        help_text=_("Earlier violations that still counted when this one was logged."),
    )
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices, default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)
    screenshot = models.ImageField(_("screenshot"), upload_to=screenshot_path, blank=True, max_length=200)
    logged_by = fields.user_fk(_("logged by"))
    created_at = models.DateTimeField(_("logged at"), default=timezone.now)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, blank=True, editable=False)
    revoked_at = fields.optional_time(_("revoked at"))
    revoked_by = fields.user_fk(_("revoked by"))
    revoke_reason = models.CharField(_("revoke reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["member", "created_at"], name="violation_member_at"),
            models.Index(fields=["member", "community", "created_at"], name="violation_member_group_at"),
            models.Index(fields=["workspace", "created_at"], name="violation_ws_at"),
            models.Index(fields=["community", "created_at"], name="violation_group_at"),
        ]
        constraints = [
            fields.at_least("step", 1, "violation_step_positive"),
            fields.valid_choice("action", PenaltyAction, "violation_action_valid"),
            models.CheckConstraint(
                condition=(
                    models.Q(action="mute", mute_minutes__gte=1)
                    | (~models.Q(action="mute") & models.Q(mute_minutes__isnull=True))
                ),
                name="violation_mute_duration",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revoke_reason="")
                | models.Q(revoked_at__isnull=False) & ~models.Q(revoke_reason=""),
                name="violation_revoke_consistent",
            ),
            models.UniqueConstraint(
                fields=["workspace", "logged_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="violation_unique_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.member.display_name} · {self.rule.title} → {self.action_display}"

    @property
    def action_display(self) -> str:
        return describe_action(self.action, self.mute_minutes)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class PenaltyState(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")
    LIFTED = "lifted", _("Lifted (revoked)")


class Penalty(models.Model):
    """What a violation did to the member: its state says whether it still holds.

    A warning ends at once; a mute is active until `ends_at` (lifted on time by a Celery ETA
    task, or by the periodic sweep); a kick blocks rejoining the group and a ban blocks joining
    any group of the workspace, both until the violation is revoked.
    """

    workspace = fields.workspace_fk()
    violation = models.OneToOneField(
        Violation, on_delete=models.CASCADE, related_name="penalty", verbose_name=_("violation")
    )
    member = member_fk("penalties")
    community = community_fk("penalties")
    action = fields.choice_field(_("action"), PenaltyAction, max_length=8)
    state = fields.choice_field(_("state"), PenaltyState, PenaltyState.ACTIVE, max_length=8)
    starts_at = models.DateTimeField(_("from"))
    ends_at = fields.optional_time(_("until"), help_text=_("Empty: until revoked."))
    ended_at = fields.optional_time(_("ended at"))

    class Meta:
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["member", "action", "state"], name="penalty_member_action_state"),
            models.Index(fields=["state", "action", "ends_at"], name="penalty_due"),
        ]
        constraints = [
            fields.valid_choice("action", PenaltyAction, "penalty_action_valid"),
            fields.valid_choice("state", PenaltyState, "penalty_state_valid"),
            models.CheckConstraint(
                condition=models.Q(state="active", ended_at__isnull=True)
                | ~models.Q(state="active") & models.Q(ended_at__isnull=False),
                name="penalty_state_consistent",
            ),
            models.CheckConstraint(
                condition=~models.Q(action="mute") | models.Q(ends_at__isnull=False),
                name="penalty_mute_has_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member.display_name}: {self.get_action_display()} ({self.get_state_display()})"


class AppealState(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed: the violation was revoked")


class Appeal(models.Model):
    """A member disputes a violation; an operator accepts it (the violation is revoked) or rejects it."""

    workspace = fields.workspace_fk()
    violation = fields.parent_fk(Violation, _("violation"), "appeals")
    statement = models.TextField(_("the member's statement"), max_length=2000)
    state = fields.choice_field(_("state"), AppealState, AppealState.PENDING, max_length=8)
    filed_by = fields.user_fk(_("recorded by"))
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    decided_by = fields.user_fk(_("decided by"))
    decided_at = fields.optional_time(_("decided at"))
    decision_reason = models.CharField(_("reason of the decision"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "state", "filed_at"], name="appeal_ws_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["violation"], condition=models.Q(state="pending"), name="appeal_one_pending"
            ),
            fields.valid_choice("state", AppealState, "appeal_state_valid"),
            models.CheckConstraint(
                condition=models.Q(state="pending", decided_at__isnull=True)
                | ~models.Q(state="pending") & models.Q(decided_at__isnull=False),
                name="appeal_decision_consistent",
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("Appeal #%(id)s on violation #%(violation)s") % {"id": self.pk, "violation": self.violation_id}
        )


__all__ = [
    "Appeal",
    "AppealState",
    "Ladder",
    "LadderScope",
    "LadderStep",
    "Penalty",
    "PenaltyAction",
    "PenaltyState",
    "Rule",
    "RuleCategory",
    "Severity",
    "Violation",
]
