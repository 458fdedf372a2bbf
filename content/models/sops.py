"""SOPs: ordered, dated, role-assigned routines applied to groups, and the tasks they make."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from content.models.library import AbcScript, ContentItem
from groups.models import CommunityKind, GroupRole
from suo.models import Workspace

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class Sop(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", verbose_name=_("workspace")
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    auto_kind = models.CharField(
        _("apply to new groups of kind"),
        max_length=16,
        blank=True,
        choices=CommunityKind.choices,
        help_text=_(
            "Every group of this kind created from now on gets the SOP (day 0 = the day it was created)."
        ),
    )
    auto_since = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SOP")
        verbose_name_plural = _("SOPs")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="content_sop_unique_name")]

    def __str__(self) -> str:
        return self.name


class SopStep(models.Model):
    """Day `day_offset` after the start (or the first `weekday` on or after it), at `time`."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    sop = models.ForeignKey(Sop, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    day_offset = models.PositiveSmallIntegerField(_("day"), default=0)
    weekday = models.PositiveSmallIntegerField(_("weekday"), null=True, blank=True, choices=WEEKDAY_CHOICES)
    time = models.TimeField(_("time"))
    role = models.CharField(_("role"), max_length=16, choices=GroupRole.choices)
    action = models.CharField(_("action"), max_length=500)
    item = models.ForeignKey(
        ContentItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("content item"),
    )
    script = models.ForeignKey(
        AbcScript,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ABC script"),
    )

    class Meta:
        verbose_name = _("SOP step")
        verbose_name_plural = _("SOP steps")
        ordering = ["sop", "order"]
        constraints = [
            models.UniqueConstraint(fields=["sop", "order"], name="content_sop_step_unique_order"),
            models.CheckConstraint(
                condition=models.Q(weekday__isnull=True) | models.Q(weekday__lte=6),
                name="content_sop_step_weekday",
            ),
        ]

    def __str__(self) -> str:
        return f"D{self.day_offset} {self.time:%H:%M} {self.role}: {self.action}"


class SopApplication(models.Model):
    """An SOP applied to a group from a start date (day 0)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    sop = models.ForeignKey(Sop, on_delete=models.CASCADE, related_name="applications", verbose_name=_("SOP"))
    community = models.ForeignKey(
        "groups.Community", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    start_date = models.DateField(_("start date"))
    automatic = models.BooleanField(_("applied automatically"), default=False)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SOP application")
        verbose_name_plural = _("SOP applications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sop", "community", "start_date"], name="content_sop_application_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sop_id} → {self.community_id} ({self.start_date})"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")


class ReminderState(models.TextChoices):
    DUE = "due", _("Reminder due")
    SENT = "sent", _("Reminder sent")
    CANCELLED = "cancelled", _("No reminder needed")


class SopTask(models.Model):
    """One dated step of an applied SOP for one role holder; reminded when due (scheduled work)."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", verbose_name=_("workspace")
    )
    application = models.ForeignKey(SopApplication, on_delete=models.CASCADE, related_name="tasks")
    step = models.ForeignKey(SopStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    community = models.ForeignKey(
        "groups.Community", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    role = models.CharField(_("role"), max_length=16, choices=GroupRole.choices)
    role_assignment = models.ForeignKey(
        "groups.RoleAssignment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    assignee_member = models.ForeignKey(
        "groups.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee (group member)"),
    )
    assignee_name = models.CharField(_("assignee name"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=500)
    item = models.ForeignKey(
        ContentItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("content item"),
    )
    script = models.ForeignKey(
        AbcScript,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ABC script"),
    )
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(_("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    reminder = models.CharField(
        _("reminder"), max_length=16, choices=ReminderState.choices, default=ReminderState.DUE
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("ticked at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("SOP task")
        verbose_name_plural = _("SOP tasks")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["reminder", "due_at"], name="content_task_reminder_due"),
            models.Index(fields=["workspace", "due_at"], name="content_task_ws_due"),
            models.Index(fields=["assignee", "status"], name="content_task_assignee"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=TaskStatus.values), name="content_task_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status=TaskStatus.OPEN, closed_at__isnull=True)
                | (~models.Q(status=TaskStatus.OPEN) & models.Q(closed_at__isnull=False)),
                name="content_task_closed_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.due_at:%Y-%m-%d %H:%M} {self.assignee_name or self.role}: {self.action}"
