"""Reads of the links app: the redirect lookup and click statistics, computed in the database."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Count, Q
from django.db.models.functions import TruncDay, TruncHour

from links.models import Click, Link, LinkSettings
from suo.models import Workspace


class _RedirectLookup:
    """`Link.objects.select_related("workspace", "workspace__link_settings").filter(code=...)`,
    compiled once per process: the redirect is the hottest path and the ORM spends more time
    building that query than the database spends answering it. Rows become the same model
    instances the ORM would make, through the same field converters, so every rule on them applies.
    With `only`, just those fields are read (the others are deferred, as with `.only()`)."""

    def __init__(self, only: dict | None = None) -> None:
        self.only = only or {}
        self.sql: str | None = None
        self.select = ""
        self.parts: list = []

    def _compile(self) -> None:
        quote = connection.ops.quote_name
        columns, parts = [], []
        for alias, model in (("l", Link), ("w", Workspace), ("s", LinkSettings)):
            wanted = self.only.get(model)
            fields = [
                f
                for f in model._meta.concrete_fields
                if wanted is None or f.primary_key or f.attname in wanted
            ]
            converters = []
            for field in fields:
                col = field.get_col(alias)
                found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                converters.append((col, found))
            columns += [f"{alias}.{quote(field.column)}" for field in fields]
            parts.append((model, [f.attname for f in fields], converters))
        self.parts = parts
        self.select = (
            f"SELECT {', '.join(columns)} FROM {quote(Link._meta.db_table)} l "
            f"JOIN {quote(Workspace._meta.db_table)} w ON w.id = l.workspace_id "
            f"LEFT JOIN {quote(LinkSettings._meta.db_table)} s ON s.workspace_id = l.workspace_id "
            f"WHERE l.{quote('code')} "
        )
        self.sql = self.select + "= %s"

    def __call__(self, code: str) -> Link | None:
        if self.sql is None:
            self._compile()
        row = self._fetch(code)
        return None if row is None else self._link(row)

    def many(self, codes: list[str], *, chunk: int = 2000) -> list[Link]:
        """The links of these codes (those that exist), a query per `chunk` codes. Links of one
        workspace share its instances (thousands of links are kept by the redirect cache)."""
        if self.sql is None:
            self._compile()
        links: list[Link] = []
        shared: dict = {}
        with connection.cursor() as cursor:
            for start in range(0, len(codes), chunk):
                part = codes[start : start + chunk]
                cursor.execute(self.select + f"IN ({', '.join(['%s'] * len(part))})", part)
                links += [self._link(row, shared) for row in cursor.fetchall()]
        return links

    def _link(self, row, shared: dict | None = None) -> Link:
        instances, offset = [], 0
        for model, attnames, converters in self.parts:
            values = list(row[offset : offset + len(attnames)])
            offset += len(attnames)
            if values[0] is None:  # the primary key: a LEFT JOIN may find no settings
                instances.append(None)
                continue
            if shared is not None and model is not Link and (model, values[0]) in shared:
                instances.append(shared[model, values[0]])
                continue
            for index, (col, field_converters) in enumerate(converters):
                for converter in field_converters:
                    values[index] = converter(values[index], col, connection)
            instance = model.from_db(DEFAULT_DB_ALIAS, attnames, values)
            if shared is not None:
                shared[model, values[0]] = instance
            instances.append(instance)
        link, workspace, link_settings = instances
        # Cache the join's answer, even "no settings": assigning None would clear the cache and
        # the next access would query again.
        Workspace.link_settings.related.set_cached_value(workspace, link_settings)
        Link.workspace.field.set_cached_value(link, workspace)
        return link

    def _fetch(self, code: str):
        if connection.vendor == "postgresql":
            return self._fetch_prepared(code)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [code])
            return cursor.fetchone()

    def _fetch_prepared(self, code: str):
        """A server-side prepared statement: PostgreSQL plans the lookup once per connection,
        which is a third of its cost (Django binds parameters on the client otherwise).

        Django's cursor is bypassed, and with it its health check and error bookkeeping: a
        persistent connection that the server dropped (a restart, an idle timeout) would fail
        every lookup of this process until CONN_MAX_AGE ran out. So, outside a transaction, a
        failed read closes the connection and is done once more on a new one (a read may be)."""
        import psycopg

        try:
            return self._execute_prepared(code)
        except (psycopg.OperationalError, psycopg.InterfaceError):
            if connection.in_atomic_block:
                raise
            connection.close()
            return self._execute_prepared(code)

    def _execute_prepared(self, code: str):
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(self.sql, [code], prepare=True)
            return cursor.fetchone()


link_for_redirect = _RedirectLookup()

# What the plain-302 decision and the click capture read, plus what the pages that the fast path
# hands over to the view show (guide, copy, password, deny): never the bots' Open Graph fields.
link_for_fast_redirect = _RedirectLookup(
    only={
        Link: {
            "workspace_id",
            "code",
            "title",
            "url",
            "password",
            "is_active",
            "expires_at",
            "max_clicks",
            "capped_clicks",
            "allowed_platforms",
            "antiblock",
            "antiblock_by_platform",
        },
        Workspace: {"timezone"},
        LinkSettings: {"workspace_id", "antiblock_defaults"},
    }
)


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
