"""Lifecycle rows of the dashboards: per-workspace thresholds, cold-group flags, migrations."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from groups.models import Community
from groups.models.fields import community_fk
from suo.fields import at_least, one_per_workspace, user_fk, workspace_fk

DEFAULT_COLD_RATE = Decimal("0.2")
DEFAULT_COLD_WEEKS = 3
DEFAULT_MIGRATION_DAYS = 14


class LifecycleSettings(models.Model):
    """When a group counts as cold, per workspace (a workspace without a row uses the defaults)."""

    workspace = one_per_workspace("lifecycle_settings")
    cold_messages_per_member = models.DecimalField(
        _("cold below (messages per member per week)"),
        max_digits=6,
        decimal_places=2,
        default=DEFAULT_COLD_RATE,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))],
    )
    cold_weeks = models.PositiveSmallIntegerField(
        _("for how many weeks in a row"),
        default=DEFAULT_COLD_WEEKS,
        validators=[MinValueValidator(1), MaxValueValidator(26)],
    )
    migration_active_days = models.PositiveSmallIntegerField(
        _("migration: active in the last N days"),
        default=DEFAULT_MIGRATION_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    class Meta:
        verbose_name = _("group lifecycle settings")
        verbose_name_plural = _("group lifecycle settings")
        ordering = ["workspace"]
        constraints = [
            at_least("cold_weeks", 1, "lifecycle_cold_weeks_positive"),
            at_least("cold_messages_per_member", 0, "lifecycle_cold_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return str(_("Lifecycle settings of %(workspace)s") % {"workspace": self.workspace})


class ColdGroupFlag(models.Model):
    """A group found cold by the sweep; it stays open until the group warms up again or is archived."""

    workspace = workspace_fk()
    community = community_fk("cold_flags")
    flagged_at = models.DateTimeField(_("flagged at"))
    weeks = models.JSONField(
        _("weekly activity"),
        default=list,
        help_text=_("The weeks that made it cold: week start, messages, members, messages per member."),
    )
    threshold = models.DecimalField(_("threshold"), max_digits=6, decimal_places=2)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("cold group")
        verbose_name_plural = _("cold groups")
        ordering = ["-flagged_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "resolved_at"], name="coldflag_ws_resolved")]
        constraints = [
            models.UniqueConstraint(
                fields=["community"], condition=models.Q(resolved_at__isnull=True), name="coldflag_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.community.name} · {self.flagged_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class GroupMigration(models.Model):
    """Active members moved from a (cold) group to another one; the memberships keep the history."""

    workspace = workspace_fk()
    source = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="migrations_out", verbose_name=_("from group")
    )
    target = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="migrations_in", verbose_name=_("to group")
    )
    active_days = models.PositiveSmallIntegerField(_("active in the last N days"))
    moved = models.PositiveIntegerField(_("members moved"), default=0)
    already_in_target = models.PositiveIntegerField(_("already in the target group"), default=0)
    archived_source = models.BooleanField(_("source group archived"), default=False)
    by = user_fk(_("by"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("group migration")
        verbose_name_plural = _("group migrations")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="migration_source_is_not_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source.name} → {self.target.name} ({self.moved})"


# --- the retention summary (summary.py keeps it; a task refreshes it incrementally) ---------------


class SummaryQueue(models.Model):
    """Members whose memberships changed since the summary last counted them. Database triggers
    (migration 0002) add a row on every insert, update of the dates/group, or delete of a membership,
    so any write path is seen, bulk ones included; plain ids, no foreign keys, since rows are added
    while a workspace's memberships are being deleted."""

    id = models.BigAutoField(primary_key=True)
    workspace_id = models.BigIntegerField()
    member_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("retention summary queue entry")
        verbose_name_plural = _("retention summary queue")
        indexes = [models.Index(fields=["workspace_id", "member_id"], name="dash_queue_ws_member")]

    def __str__(self) -> str:
        return f"{self.workspace_id}/{self.member_id}"


class SummaryStay(models.Model):
    """The memberships as the summary last counted them (days and weeks in the workspace's time
    zone), so a member's old share can be taken out of the cells before the new one goes in."""

    id = models.BigAutoField(primary_key=True)
    workspace = workspace_fk(labelled=False)
    member_id = models.BigIntegerField()
    community_id = models.BigIntegerField()
    kind = models.CharField(max_length=16)
    join_day = models.IntegerField()
    left_week = models.IntegerField(null=True)
    left_day = models.IntegerField(null=True)  # the overview's open-membership cells count by day
    source = models.CharField(max_length=16, default="")  # and by join source
    channel = models.CharField(max_length=64, default="")  # the day cells by join channel

    class Meta:
        verbose_name = _("retention summary stay")
        verbose_name_plural = _("retention summary stays")
        indexes = [models.Index(fields=["workspace", "member_id"], name="dash_stay_ws_member")]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.community_id}"


class RetentionCounts(models.Model):
    """Counts of a retention triangle, summed over members: for the cohort entries joining on
    `day` (a member's first join day in the scope after `prev`, their previous join day there),
    `size` entries start at the cohort week and `change` is +1/-1 where a held span starts/ends at
    `week`. Scope: all groups (kind "" and group 0), one kind, or one group."""

    id = models.BigAutoField(primary_key=True)
    workspace = workspace_fk(labelled=False)
    kind = models.CharField(max_length=16)
    group = models.BigIntegerField()
    day = models.IntegerField()
    prev = models.IntegerField()
    week = models.IntegerField()
    change = models.IntegerField(default=0)
    size = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day}/{self.prev}/{self.week}"


class RetentionCell(RetentionCounts):
    """Mode `membership`: a week is held while a membership in the scope lasts."""

    class Meta:
        verbose_name = _("retention summary cell")
        verbose_name_plural = _("retention summary cells")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "group", "day", "prev", "week"], name="dash_cell_key"
            )
        ]
        indexes = [  # cells back to 0 are deleted after each refresh step
            models.Index(fields=["workspace"], condition=models.Q(change=0, size=0), name="dash_cell_zero")
        ]


class ActiveRetentionCell(RetentionCounts):
    """Mode `active`: a week is held when the member posted or took part in an activity in the
    scope (all groups or one kind; one group's triangle is counted live)."""

    class Meta:
        verbose_name = _("active retention summary cell")
        verbose_name_plural = _("active retention summary cells")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "group", "day", "prev", "week"], name="dash_active_cell_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["workspace"], condition=models.Q(change=0, size=0), name="dash_active_cell_zero"
            )
        ]


class OpenCell(models.Model):
    """Memberships of a scope (all groups, one kind, one group; every join source or one) that
    opened (+1, on the join day) and ended (-1, on the day they ended) per day: the cells before a
    day add up to the memberships active at its start, the exit rate's denominator, without
    visiting every open membership. Kept with the retention cells, from the same stays, by the same
    refresh."""

    id = models.BigAutoField(primary_key=True)
    workspace = workspace_fk(labelled=False)
    kind = models.CharField(max_length=16)
    group = models.BigIntegerField()
    source = models.CharField(max_length=16, default="")  # "": every source
    day = models.IntegerField()
    change = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("open memberships summary cell")
        verbose_name_plural = _("open memberships summary cells")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "group", "source", "day"], name="dash_open_cell_key"
            )
        ]
        indexes = [  # cells back to 0 are deleted after each refresh step
            models.Index(fields=["workspace"], condition=models.Q(change=0), name="dash_open_cell_zero")
        ]

    def __str__(self) -> str:
        return f"{self.kind or '*'}/{self.group}/{self.source or '*'}/{self.day}: {self.change:+d}"


class DayCell(models.Model):
    """Distinct members per day, kept so that "how many members, each counted once, joined (or were
    active) in a period" adds up cells instead of hashing every row of the period (the overview over
    a year, issue 15). Each member contributes, per scope (all groups or one kind; for joins also per
    join source) and per distinct day `day` on which they joined (or were active) there, one entry
    keyed by `prev`, their previous such day: the members of a period [first, last) are then the
    entries with first <= day < last and prev < first, whatever the period. Kept by summary.py's
    refresh, with the retention and open cells, from the same queue."""

    JOINED, ACTIVE, CHANNEL = "joined", "active", "channel"  # CHANNEL: joins per join channel

    id = models.BigAutoField(primary_key=True)
    workspace = workspace_fk(labelled=False)
    measure = models.CharField(max_length=8)  # JOINED, ACTIVE or CHANNEL
    kind = models.CharField(max_length=16)  # "": all groups
    source = models.CharField(max_length=16, default="")  # "": every join source (always, for ACTIVE)
    channel = models.CharField(max_length=64, default="")  # CHANNEL only: the join channel ("" is none)
    day = models.IntegerField()
    prev = models.IntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("distinct members summary cell")
        verbose_name_plural = _("distinct members summary cells")
        # The day before the source: reads take a range of days, of every source. On PostgreSQL the
        # key also carries the count (migration 0006), so a year's cells are read from the index.
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "measure", "kind", "day", "source", "channel", "prev"],
                name="dash_day_cell_key",
            )
        ]
        indexes = [  # cells back to 0 are deleted after each refresh step
            models.Index(fields=["workspace"], condition=models.Q(n=0), name="dash_day_cell_zero")
        ]

    def __str__(self) -> str:
        return f"{self.measure}/{self.kind or '*'}/{self.source or '*'}/{self.day}<{self.prev}: {self.n}"


class SummaryActiveDay(models.Model):
    """The days a member was active (a message or an activity event) per kind of group ("" for an
    activity outside any group), as the summary last counted them: their old share of the day cells
    is taken out from these before the new one goes in (as SummaryStay does for memberships)."""

    id = models.BigAutoField(primary_key=True)
    workspace = workspace_fk(labelled=False)
    member_id = models.BigIntegerField()
    kind = models.CharField(max_length=16)
    day = models.IntegerField()

    class Meta:
        verbose_name = _("active days summary row")
        verbose_name_plural = _("active days summary rows")
        indexes = [models.Index(fields=["workspace", "member_id"], name="dash_active_ws_member")]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.kind or '*'}/{self.day}"
