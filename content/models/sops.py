"""SOPs: ordered, dated, role-assigned routines applied to groups, and the tasks they make."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from content.models.library import AbcScript, ContentItem
from groups.models import CommunityKind, GroupRole
from groups.models.fields import community_fk
from suo.fields import (
    choice_field,
    created_at_field,
    optional_fk,
    optional_time,
    user_fk,
    valid_choice,
    workspace_fk,
)

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
    workspace = workspace_fk()
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
    created_at = created_at_field()

    class Meta:
        verbose_name = _("SOP")
        verbose_name_plural = _("SOPs")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="content_sop_unique_name")]

    def __str__(self) -> str:
        return self.name


class SopStep(models.Model):
    """Day `day_offset` after the start (or the first `weekday` on or after it), at `time`."""

    workspace = workspace_fk(labelled=False)
    sop = models.ForeignKey(Sop, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    day_offset = models.PositiveSmallIntegerField(_("day"), default=0)
    weekday = models.PositiveSmallIntegerField(_("weekday"), null=True, blank=True, choices=WEEKDAY_CHOICES)
    time = models.TimeField(_("time"))
    role = choice_field(_("role"), GroupRole)
    action = models.CharField(_("action"), max_length=500)
    item = optional_fk(ContentItem, _("content item"))
    script = optional_fk(AbcScript, _("ABC script"))

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

    workspace = workspace_fk(labelled=False)
    sop = models.ForeignKey(Sop, on_delete=models.CASCADE, related_name="applications", verbose_name=_("SOP"))
    community = community_fk()
    start_date = models.DateField(_("start date"))
    automatic = models.BooleanField(_("applied automatically"), default=False)
    applied_by = user_fk()
    created_at = created_at_field(_("applied at"))

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

    workspace = workspace_fk()
    application = models.ForeignKey(SopApplication, on_delete=models.CASCADE, related_name="tasks")
    step = optional_fk(SopStep)
    community = community_fk()
    role = choice_field(_("role"), GroupRole)
    role_assignment = optional_fk("groups.RoleAssignment")
    assignee = user_fk(_("assignee"))
    assignee_member = optional_fk("groups.Member", _("assignee (group member)"))
    assignee_name = models.CharField(_("assignee name"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=500)
    item = optional_fk(ContentItem, _("content item"))
    script = optional_fk(AbcScript, _("ABC script"))
    due_at = models.DateTimeField(_("due at"))
    status = choice_field(_("status"), TaskStatus, TaskStatus.OPEN)
    reminder = choice_field(_("reminder"), ReminderState, ReminderState.DUE)
    reminded_at = optional_time(_("reminded at"))
    closed_at = optional_time(_("ticked at"))
    closed_by = user_fk()

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
            valid_choice("status", TaskStatus, "content_task_status_valid"),
            models.CheckConstraint(
                condition=models.Q(status=TaskStatus.OPEN, closed_at__isnull=True)
                | (~models.Q(status=TaskStatus.OPEN) & models.Q(closed_at__isnull=False)),
                name="content_task_closed_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.due_at:%Y-%m-%d %H:%M} {self.assignee_name or self.role}: {self.action}"
