"""SOPs: save them, apply them to groups (dated tasks for the role holders, in the workspace's
time zone), remind on time (scheduled work: task row + ETA task + conditional UPDATE + the
reconciler), tick tasks done or skipped, and apply auto-SOPs to new groups of a kind."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from content.models import ReminderState, Sop, SopApplication, SopStep, SopTask, TaskStatus
from content.services.common import locked_or_new, sweep, user_or_none
from groups.models import Community, CommunityKind, CommunityState, GroupRole, RoleAssignment
from suo.audit import audit_record
from suo.db import save_or_field_error
from suo.models import Workspace
from suo.queue import enqueue_on_commit
from suo.webhooks import webhook_emit_many

MAX_STEPS = 200
MAX_DAY_OFFSET = 366
# Tasks already this overdue when an SOP is applied (a start date in the past) get no reminder.
NO_REMINDER_AFTER = dt.timedelta(days=1)
# A start date this far from today is a typo (and year 9999 overflows the due times).
MAX_START_YEARS = 10


def _clean_steps(workspace: Workspace, steps: list[dict]) -> list[dict]:
    if not steps:
        raise ValidationError({"steps": _("An SOP has at least one step.")})
    if len(steps) > MAX_STEPS:
        raise ValidationError({"steps": _("At most %(max)d steps.") % {"max": MAX_STEPS}})
    clean = []
    for index, step in enumerate(steps):
        errors = {}
        day_offset, weekday = step.get("day_offset", 0), step.get("weekday")
        if not isinstance(day_offset, int) or not 0 <= day_offset <= MAX_DAY_OFFSET:
            errors["day_offset"] = _("A day from 0 to %(max)d.") % {"max": MAX_DAY_OFFSET}
        if weekday is not None and weekday not in range(7):
            errors["weekday"] = _("A weekday from 0 (Monday) to 6 (Sunday).")
        if not isinstance(step.get("time"), dt.time):
            errors["time"] = _("A time of day such as 09:00.")
        if step.get("role") not in GroupRole.values:
            errors["role"] = _("One of: %(roles)s.") % {"roles": ", ".join(GroupRole.values)}
        action = (step.get("action") or "").strip()
        if not action or len(action) > 500:
            errors["action"] = _("Say what to do, in at most 500 characters.")
        for name in ("item", "script"):
            related = step.get(name)
            if related is not None and related.workspace_id != workspace.pk:
                errors[name] = _("It belongs to another workspace.")
        if errors:
            raise ValidationError({f"steps.{index}.{name}": message for name, message in errors.items()})
        clean.append(
            {
                "day_offset": day_offset,
                "weekday": weekday,
                "time": step["time"],
                "role": step["role"],
                "action": action,
                "item": step.get("item"),
                "script": step.get("script"),
            }
        )
    return clean


@transaction.atomic
def sop_save(
    *,
    workspace: Workspace,
    sop: Sop | None = None,
    steps: list[dict] | None = None,
    by=None,
    **fields,
) -> Sop:
    """Create or change an SOP; `steps`, when given, replace its steps (in the order given)."""
    unknown = set(fields) - {"name", "description", "auto_kind", "is_active"}
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    sop = locked_or_new(Sop, sop, workspace=workspace)
    auto_before = sop.auto_kind
    for name, value in fields.items():
        setattr(sop, name, value.strip() if isinstance(value, str) and name != "auto_kind" else value)
    if sop.auto_kind and sop.auto_kind not in CommunityKind.values:
        raise ValidationError(
            {"auto_kind": _("A group kind: %(kinds)s.") % {"kinds": ", ".join(CommunityKind.values)}}
        )
    if sop.auto_kind != auto_before or (sop.auto_kind and sop.auto_since is None):
        sop.auto_since = timezone.now() if sop.auto_kind else None
    if steps is None and sop.pk is None:
        raise ValidationError({"steps": _("An SOP has at least one step.")})
    clean = _clean_steps(workspace, steps) if steps is not None else None
    sop.full_clean(exclude=["workspace"], validate_unique=False, validate_constraints=False)
    save_or_field_error(sop, field="name", message=_("Another SOP already has this name."))
    if clean is not None:
        SopStep.objects.filter(sop=sop).delete()
        SopStep.objects.bulk_create(
            [SopStep(workspace=workspace, sop=sop, order=i, **step) for i, step in enumerate(clean, start=1)]
        )
    audit_record(
        actor=by, verb="content.sop_saved", target=sop, after={"name": sop.name}, workspace=workspace
    )
    return sop


def step_due_at(step: SopStep, start_date: dt.date, zone: ZoneInfo) -> dt.datetime:
    """Day `day_offset` after the start (day 0 = the start date), moved on to `weekday` when the step
    names one, at the step's time in the workspace's time zone."""
    day = start_date + dt.timedelta(days=step.day_offset)
    if step.weekday is not None:
        day += dt.timedelta(days=(step.weekday - day.weekday()) % 7)
    return dt.datetime.combine(day, step.time, tzinfo=zone)


@transaction.atomic
def sop_apply(
    *,
    sop: Sop,
    community: Community,
    start_date: dt.date | None = None,
    by=None,
    automatic: bool = False,
) -> SopApplication:
    """Apply the SOP to a group: one task per step and current holder of the step's role (one
    unassigned task when nobody holds it), due in the workspace's time zone."""
    if community.workspace_id != sop.workspace_id:
        raise ValidationError({"group": _("The group belongs to another workspace.")})
    if not sop.is_active:
        raise ValidationError({"sop": _("The SOP is switched off.")})
    if community.state == CommunityState.ARCHIVED:
        raise ValidationError({"group": _("The group is archived.")})
    workspace = sop.workspace
    zone = ZoneInfo(workspace.timezone)
    now = timezone.now()
    today = now.astimezone(zone).date()
    start_date = start_date or today
    if abs((start_date - today).days) > MAX_START_YEARS * 366:
        raise ValidationError(
            {
                "start_date": _("Pick a start date within %(years)d years of today.")
                % {"years": MAX_START_YEARS}
            }
        )
    application = SopApplication(
        workspace=workspace,
        sop=sop,
        community=community,
        start_date=start_date,
        automatic=automatic,
        applied_by=user_or_none(by),
    )
    save_or_field_error(
        application, field="start_date", message=_("This SOP is already applied to the group from this date.")
    )
    holders: dict[str, list[RoleAssignment]] = {}
    for assignment in (
        RoleAssignment.objects.filter(community=community, is_active=True)
        .select_related("member", "user")
        .order_by("role", "pk")
    ):
        holders.setdefault(assignment.role, []).append(assignment)
    tasks = []
    for step in sop.steps.order_by("order"):
        due_at = step_due_at(step, start_date, zone)
        for assignment in holders.get(step.role) or [None]:
            tasks.append(
                SopTask(
                    workspace=workspace,
                    application=application,
                    step=step,
                    community=community,
                    role=step.role,
                    role_assignment=assignment,
                    assignee=assignment.user if assignment else None,
                    assignee_member=assignment.member if assignment else None,
                    assignee_name=assignment.holder_name[:200] if assignment else "",
                    action=step.action,
                    item_id=step.item_id,
                    script_id=step.script_id,
                    due_at=due_at,
                    reminder=ReminderState.CANCELLED
                    if due_at < now - NO_REMINDER_AFTER
                    else ReminderState.DUE,
                )
            )
    created = SopTask.objects.bulk_create(tasks)
    if created and created[0].pk is None:
        created = list(SopTask.objects.filter(application=application).order_by("due_at", "pk"))
    audit_record(
        actor=by,
        verb="content.sop_applied",
        target=application,
        after={"sop": sop.pk, "group": community.pk, "start_date": start_date, "tasks": len(created)},
        workspace=workspace,
    )
    reminders = [(task.pk, task.due_at) for task in created if task.reminder == ReminderState.DUE]
    if reminders:
        for task_id, eta in reminders:
            enqueue_on_commit("content.tasks.task_remind_task", task_id, eta=eta)
    application.created_tasks = sorted(created, key=lambda task: (task.due_at, task.pk))
    return application


def task_payload(task: SopTask) -> dict:
    return {
        "task": task.pk,
        "due_at": task.due_at,
        "role": task.role,
        "action": task.action,
        "group": {
            "id": task.community_id,
            "name": task.community.name,
            "external_id": task.community.external_id,
        },
        "assignee": {
            "user": task.assignee.get_username() if task.assignee_id else None,
            "member": {"id": task.assignee_member_id, "external_id": task.assignee_member.external_id}
            if task.assignee_member_id
            else None,
            "name": task.assignee_name,
        },
        "item": task.item_id,
        "script": task.script_id,
    }


@transaction.atomic
def task_remind(*, task_id: int, now: dt.datetime | None = None) -> SopTask | None:
    """Remind the holder of a due task: claim the reminder (due → sent, once), which puts it in the
    assignee's in-app list, and emit `content.task_due`. None when not due or already handled."""
    now = now or timezone.now()
    claimed = SopTask.objects.filter(
        pk=task_id,
        reminder=ReminderState.DUE,
        status=TaskStatus.OPEN,
        due_at__lte=now + dt.timedelta(seconds=1),
    ).update(reminder=ReminderState.SENT, reminded_at=now)
    if not claimed:
        return None
    task = SopTask.objects.select_related("community", "assignee", "assignee_member", "workspace").get(
        pk=task_id
    )
    webhook_emit_many(workspace=task.workspace, events=[("content.task_due", task_payload(task))])
    return task


def reminders_reconcile(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Send every reminder still due whose time passed (a lost task, a worker that was down)."""
    now = now or timezone.now()
    due = SopTask.objects.filter(reminder=ReminderState.DUE, due_at__lte=now).order_by("due_at", "pk")
    return sweep(due, lambda pk, at: task_remind(task_id=pk, now=at), now=now, limit=limit)


@transaction.atomic
def task_close(*, task: SopTask, status: str, by=None) -> SopTask:
    """Tick a task done or skipped (once; ticking it the same way again changes nothing)."""
    if status not in (TaskStatus.DONE, TaskStatus.SKIPPED):
        raise ValidationError({"status": _("A task is ticked done or skipped.")})
    now = timezone.now()
    closed = SopTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
        status=status, closed_at=now, closed_by=user_or_none(by)
    )
    SopTask.objects.filter(pk=task.pk, reminder=ReminderState.DUE).update(reminder=ReminderState.CANCELLED)
    task.refresh_from_db()
    if not closed:
        if task.status == status:
            return task
        raise ValidationError(
            {
                "status": ValidationError(
                    _("This task was already ticked %(status)s.") % {"status": task.get_status_display()},
                    code="already_closed",
                )
            }
        )
    audit_record(actor=by, verb=f"content.task_{status}", target=task, after={"status": status})
    return task


def sops_auto_apply(*, now: dt.datetime | None = None) -> int:
    """Apply each auto-SOP to the groups of its kind created since it was switched on and not given
    it yet (day 0 = the group's creation day). Periodic and idempotent: the unique
    (SOP, group, start date) makes a second run a no-op. Returns how many applications were made."""
    made = 0
    for sop in (
        Sop.objects.filter(is_active=True, auto_since__isnull=False)
        .exclude(auto_kind="")
        .select_related("workspace")
    ):
        zone = ZoneInfo(sop.workspace.timezone)
        fresh = (
            Community.objects.filter(
                workspace=sop.workspace, kind=sop.auto_kind, created_at__gte=sop.auto_since
            )
            .exclude(state=CommunityState.ARCHIVED)
            .exclude(Exists(SopApplication.objects.filter(sop=sop, community=OuterRef("pk"))))
            .order_by("pk")[:200]
        )
        for community in fresh:
            try:
                sop_apply(
                    sop=sop,
                    community=community,
                    start_date=community.created_at.astimezone(zone).date(),
                    automatic=True,
                )
            except (ValidationError, IntegrityError):
                continue
            made += 1
    return made
