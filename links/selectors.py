"""Reads of the links app: the redirect lookup and click statistics, computed in the database."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import TruncDay, TruncHour

from links.models import Click, Link, LinkSettings, default_antiblock_for


def link_for_redirect(code: str) -> Link | None:
    """One indexed lookup, with the workspace and its link settings joined in."""
    return Link.objects.select_related("workspace", "workspace__link_settings").filter(code=code).first()


def antiblock_mode(link: Link, platform: str) -> str:
    """The link's choice for this platform, else its own mode, else the workspace's, else built-in."""
    mode = link.antiblock_by_platform.get(platform) or link.antiblock
    if mode:
        return mode
    try:
        link_settings = link.workspace.link_settings
    except LinkSettings.DoesNotExist:
        return default_antiblock_for(platform)
    return link_settings.antiblock_for(platform)


def _breakdown(clicks, field: str, limit: int = 20) -> list[dict]:
    rows = clicks.values(field).annotate(clicks=Count("id"), unique=Count("id", filter=Q(is_unique=True)))
    return [
        {"key": row[field] or "", "clicks": row["clicks"], "unique": row["unique"]}
        for row in rows.order_by("-clicks", field)[:limit]
    ]


def link_stats(*, link: Link, start: dt.datetime, end: dt.datetime, interval: str, tz: str) -> dict:
    """Totals, uniques, breakdowns and a time series of a link's clicks in [start, end)."""
    clicks = Click.objects.filter(link=link, at__gte=start, at__lt=end)
    totals = clicks.aggregate(clicks=Count("id"), unique=Count("id", filter=Q(is_unique=True)))
    trunc = TruncHour if interval == "hour" else TruncDay
    zone = ZoneInfo(tz)
    series = (
        clicks.annotate(bucket=trunc("at", tzinfo=zone))
        .values("bucket")
        .annotate(clicks=Count("id"), unique=Count("id", filter=Q(is_unique=True)))
        .order_by("bucket")
    )
    return {
        "link": link.pk,
        "from": start.astimezone(zone),
        "to": end.astimezone(zone),
        "interval": interval,
        "timezone": tz,
        "total": totals["clicks"],
        "unique": totals["unique"],
        "by_platform": _breakdown(clicks, "platform"),
        "by_os": _breakdown(clicks, "os"),
        "by_device": _breakdown(clicks, "device"),
        "by_referrer": _breakdown(clicks, "referrer_host"),
        "by_country": _breakdown(clicks, "country"),
        "series": _zero_filled(series, start, end, interval, zone),
    }


def _zero_filled(rows, start: dt.datetime, end: dt.datetime, interval: str, zone: ZoneInfo) -> list[dict]:
    """Every bucket of the range, with zeros where nobody clicked: charts need the gaps."""
    counted = {row["bucket"].astimezone(zone).replace(tzinfo=None): row for row in rows}
    step = dt.timedelta(hours=1) if interval == "hour" else dt.timedelta(days=1)
    bucket = start.astimezone(zone).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    if interval != "hour":
        bucket = bucket.replace(hour=0)
    last = end.astimezone(zone).replace(tzinfo=None)
    series = []
    while bucket < last:
        row = counted.get(bucket, {"clicks": 0, "unique": 0})
        series.append({"t": bucket.replace(tzinfo=zone), "clicks": row["clicks"], "unique": row["unique"]})
        bucket += step
    return series
