"""Reads of the group lifecycle: a workspace's thresholds and who a migration would move."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from groups.dashboards.models import LifecycleSettings
from groups.models import ActivityEvent, Community, Member, Membership, MessageDailyCount
from suo.models import Workspace


def lifecycle_settings_for(workspace: Workspace) -> LifecycleSettings:
    """The workspace's settings, or the defaults (unsaved) when it has none yet."""
    found = LifecycleSettings.objects.filter(workspace=workspace).first()
    return found or LifecycleSettings(workspace=workspace)


def migration_candidates(
    *, source: Community, active_days: int, now: dt.datetime | None = None
) -> QuerySet[Member]:
    """Members of `source` now who posted a message in it, or took part in an activity of it, in
    the last `active_days` days (days in the workspace's time zone, today included)."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=active_days)
    first_day = timezone.localtime(since, ZoneInfo(source.workspace.timezone)).date()
    return (
        Member.objects.filter(workspace_id=source.workspace_id)
        .filter(Exists(Membership.objects.filter(member=OuterRef("pk"), community=source, is_active=True)))
        .filter(
            Exists(
                MessageDailyCount.objects.filter(
                    member=OuterRef("pk"), community=source, day__gte=first_day, count__gt=0
                )
            )
            | Exists(
                ActivityEvent.objects.filter(
                    member=OuterRef("pk"), community=source, at__gte=since, at__lte=now
                )
            )
        )
        .order_by("display_name", "pk")
    )
