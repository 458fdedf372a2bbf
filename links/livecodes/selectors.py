"""Reads of live group codes: the public lookup and scan statistics, computed in the database."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Count, Q

from links.livecodes.models import LiveCode, LiveCodeEntry, usable_entries_q
from links.models import Click


def live_code_for_page(code: str) -> LiveCode | None:
    return LiveCode.objects.select_related("workspace").filter(code=code).first()


def sticky_entry(*, live_code: LiveCode, entry_id: int, now: dt.datetime) -> LiveCodeEntry | None:
    """The group a returning visitor was shown before, while it is still switched on and valid.

    Their place was counted on the first visit, so a full group still takes them back."""
    return (
        LiveCodeEntry.objects.select_related("group")
        .filter(pk=entry_id, live_code=live_code, is_active=True, expires_at__gt=now)
        .first()
    )


def live_codes_with_counts(queryset):
    """Adds `entry_count`, `usable_count` and `open_alert_count` for lists (no N+1)."""
    from django.utils import timezone

    now = timezone.now()
    return queryset.annotate(
        entry_count=Count("entries", distinct=True),
        usable_count=Count("entries", filter=usable_entries_q(now, prefix="entries__"), distinct=True),
        open_alert_count=Count("alerts", filter=Q(alerts__resolved_at__isnull=True), distinct=True),
    )


def _counts(prefix: str = "") -> dict:
    return {
        "scans": Count(f"{prefix}id"),
        "unique": Count(f"{prefix}id", filter=Q(**{f"{prefix}is_unique": True})),
    }


def live_code_stats(*, live_code: LiveCode, start: dt.datetime, end: dt.datetime, tz: str) -> dict:
    """Scans in [start, end): totals, per entry (every entry, zeros included), per day, per platform."""
    zone = ZoneInfo(tz)
    clicks = Click.objects.filter(live_code=live_code, at__gte=start, at__lt=end)
    totals = clicks.aggregate(**_counts(), fallback=Count("id", filter=Q(live_code_entry__isnull=True)))
    in_range = Q(clicks__at__gte=start, clicks__at__lt=end)
    entries = (
        LiveCodeEntry.objects.filter(live_code=live_code)
        .select_related("group")
        .annotate(
            range_scans=Count("clicks", filter=in_range),
            range_unique=Count("clicks", filter=in_range & Q(clicks__is_unique=True)),
        )
        .order_by("position", "pk")
    )
    by_day = {row["day"]: row for row in clicks.values("day").annotate(**_counts()).order_by("day")}
    first_day, last_day = (
        start.astimezone(zone).date(),
        (end - dt.timedelta(microseconds=1)).astimezone(zone).date(),
    )
    days = []
    day = first_day
    while day <= last_day:  # every day of the range, zeros where nobody scanned: charts need the gaps
        row = by_day.get(day, {"scans": 0, "unique": 0})
        days.append({"day": day, "scans": row["scans"], "unique": row["unique"]})
        day += dt.timedelta(days=1)
    by_platform = [
        {"key": row["platform"], "scans": row["scans"], "unique": row["unique"]}
        for row in clicks.values("platform").annotate(**_counts()).order_by("-scans", "platform")
    ]
    return {
        "live_code": live_code.pk,
        "from": start.astimezone(zone),
        "to": end.astimezone(zone),
        "timezone": tz,
        "total": totals["scans"],
        "unique": totals["unique"],
        "fallback": totals["fallback"],
        "by_entry": [
            {
                "entry": entry.pk,
                "label": entry.display_name,
                "scans": entry.range_scans,
                "unique": entry.range_unique,
                "scans_total": entry.scans,
                "scan_limit": entry.scan_limit,
                "state": entry.state().value,
            }
            for entry in entries
        ],
        "by_day": days,
        "by_platform": by_platform,
    }
