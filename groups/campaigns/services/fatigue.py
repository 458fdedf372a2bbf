"""Fatigue warnings for a benefit group's calendar: the same kind of play too often, or fewer
participants three plays in a row. Stored once per play and condition, sent as a webhook."""

from datetime import timedelta
from itertools import pairwise

from django.db.models import Count
from django.utils.translation import gettext as _

from groups.campaigns.models import Play, PlayAlert, PlayAlertKind, PlayKind
from groups.campaigns.payloads import group_brief
from suo.db import save_unless_taken
from suo.webhooks import webhook_emit

SAME_KIND_WINDOW = timedelta(days=7)
SAME_KIND_LIMIT = 2  # a third play of one kind within 7 days warns
DROPS_IN_A_ROW = 3


def _raise_alert(*, play: Play, kind: str, message: str, details: dict) -> PlayAlert | None:
    alert = PlayAlert(
        workspace_id=play.workspace_id,
        group_id=play.group_id,
        play=play,
        kind=kind,
        message=message[:300],
        details=details,
    )
    if save_unless_taken(alert) is None:
        return None  # already warned about this play
    webhook_emit(
        workspace=play.workspace,
        event_type="play.fatigue_warning",
        payload={
            "alert": {"id": alert.pk, "kind": kind, "message": alert.message, "details": details},
            "play": {"id": play.pk, "title": play.title, "kind": play.kind},
            "group": group_brief(play.group),
        },
    )
    return alert


def fatigue_check_kind(*, play: Play) -> PlayAlert | None:
    """Warn when this play is the third (or more) of its kind in the group within 7 days."""
    recent = Play.objects.filter(
        group_id=play.group_id,
        kind=play.kind,
        opens_at__gt=play.opens_at - SAME_KIND_WINDOW,
        opens_at__lte=play.opens_at,
    ).count()
    if recent <= SAME_KIND_LIMIT:
        return None
    message = _(
        "%(count)s %(kind)s plays in 7 days in “%(group)s”: rotate the kinds to keep members curious."
    ) % {
        "count": recent,
        "kind": PlayKind(play.kind).label,
        "group": play.group.name,
    }
    return _raise_alert(
        play=play, kind=PlayAlertKind.KIND_TOO_OFTEN, message=message, details={"plays_in_7_days": recent}
    )


def fatigue_check_participation(*, group) -> PlayAlert | None:
    """Warn when each of the group's last three closed plays had fewer participants than the one before."""
    recent = list(
        Play.objects.filter(group=group, closed_at__isnull=False)
        .annotate(participants=Count("entries__member", distinct=True))
        .order_by("-closes_at", "-pk")[: DROPS_IN_A_ROW + 1]
    )
    if len(recent) <= DROPS_IN_A_ROW:
        return None
    counts = [play.participants for play in reversed(recent)]
    if not all(later < earlier for earlier, later in pairwise(counts)):
        return None
    latest = recent[0]
    message = _(
        "Participation in “%(group)s” dropped three plays in a row (%(counts)s): "
        "time for a break or a new kind of play."
    ) % {
        "group": group.name,
        "counts": " → ".join(str(count) for count in counts),
    }
    return _raise_alert(
        play=latest,
        kind=PlayAlertKind.PARTICIPATION_DROPPING,
        message=message,
        details={"participants": counts, "plays": [play.pk for play in reversed(recent)]},
    )
