"""Reads of SOPs and their tasks: lists, completion rates (SQL), reminders and the calendar."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Count, F, FloatField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from content.models import PostState, ReminderState, Sop, SopStep, SopTask, TaskStatus


def sop_list(*, queryset: QuerySet | None = None, now: dt.datetime | None = None) -> QuerySet[Sop]:
    """SOPs with their steps and `completion_rate` (None before any task is due), in SQL."""
    queryset = queryset if queryset is not None else Sop.objects.all()
    rate = _counted(SopTask.objects.filter(application__sop=OuterRef("pk")).values("application__sop"), now)
    return (
        queryset.annotate(completion_rate=Subquery(rate.values("completion_rate")[:1]))
        .prefetch_related(Prefetch("steps", queryset=SopStep.objects.order_by("order")))
        .order_by("name", "pk")
    )


def task_list(*, queryset: QuerySet | None = None) -> QuerySet[SopTask]:
    queryset = queryset if queryset is not None else SopTask.objects.all()
    return queryset.select_related("community", "assignee", "assignee_member", "application__sop").order_by(
        "due_at", "pk"
    )


def _counted(queryset: QuerySet, now: dt.datetime | None) -> QuerySet:
    """Tasks that count for completion: closed ones and open ones whose time has come."""
    now = now or timezone.now()
    return (
        queryset.filter(Q(due_at__lte=now) | ~Q(status=TaskStatus.OPEN))
        .annotate(
            tasks=Count("pk"),
            done=Count("pk", filter=Q(status=TaskStatus.DONE)),
            skipped=Count("pk", filter=Q(status=TaskStatus.SKIPPED)),
            overdue=Count("pk", filter=Q(status=TaskStatus.OPEN)),
        )
        .annotate(completion_rate=Cast(F("done"), FloatField()) / Cast(F("tasks"), FloatField()))
    )


def sop_completion(*, sop: Sop, now: dt.datetime | None = None) -> dict:
    """Completion of an SOP's tasks so far (done ÷ tasks due by now or already ticked), in total
    and per person (the holder: suo user and/or group member)."""
    now = now or timezone.now()
    tasks = SopTask.objects.filter(application__sop=sop)
    fields = ("tasks", "done", "skipped", "overdue", "completion_rate")
    total = (
        _counted(tasks.values("application__sop"), now).values(*fields).order_by("application__sop").first()
    )
    people = (
        _counted(tasks.values("assignee", "assignee_member"), now)
        .annotate(name=Max("assignee_name"))
        .values("assignee", "assignee_member", "name", *fields)
        .order_by("-completion_rate", "name", "assignee", "assignee_member")
    )
    empty = dict.fromkeys(fields, 0) | {"completion_rate": 0.0}
    return {"sop": sop.pk, **(total or empty), "people": list(people)}


def reminders_for(*, user, queryset: QuerySet) -> QuerySet[SopTask]:
    """The user's in-app reminders: their open tasks whose reminder went out."""
    return task_list(
        queryset=queryset.filter(assignee=user, status=TaskStatus.OPEN, reminder=ReminderState.SENT)
    )


def calendar(*, posts: QuerySet, tasks: QuerySet, tz: str, days: int = 14, now: dt.datetime | None = None):
    """Upcoming scheduled posts and open SOP tasks from today for `days` days, grouped by day in the
    workspace's time zone: [(date, [posts], [tasks])]."""
    zone = ZoneInfo(tz)
    now = now or timezone.now()
    start = dt.datetime.combine(now.astimezone(zone).date(), dt.time(), zone)
    end = start + dt.timedelta(days=days)
    upcoming_posts = (
        posts.filter(state=PostState.DUE, scheduled_at__gte=start, scheduled_at__lt=end)
        .select_related("item")
        .prefetch_related("deliveries__community")
        .order_by("scheduled_at", "pk")
    )
    upcoming_tasks = task_list(
        queryset=tasks.filter(status=TaskStatus.OPEN, due_at__gte=start, due_at__lt=end)
    )
    by_day: dict[dt.date, tuple[list, list]] = {}
    for post in upcoming_posts:
        by_day.setdefault(post.scheduled_at.astimezone(zone).date(), ([], []))[0].append(post)
    for task in upcoming_tasks:
        by_day.setdefault(task.due_at.astimezone(zone).date(), ([], []))[1].append(task)
    return [(day, *by_day[day]) for day in sorted(by_day)]
