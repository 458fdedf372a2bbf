"""Small pieces of SQL the metrics share, for PostgreSQL and SQLite alike.

Days and weeks are counted as integers from EARLIEST (a Monday, 2000-01-03) in the workspace's
time zone: `day_index(local_date(at)) / 7` is the week of an instant, so "weeks since joining" is
a subtraction, whatever the time zone or daylight saving does. Templates use named placeholders
(`%(name)s`); `render` turns them into the driver's positional ones.
"""

import contextlib
import datetime as dt
import functools
import re
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from groups.models import ActivityEvent, Community, Membership, MessageDailyCount
from suo.panels import PanelFilters

TABLES = {
    "membership": Membership._meta.db_table,
    "community": Community._meta.db_table,
    "messages": MessageDailyCount._meta.db_table,
    "activity": ActivityEvent._meta.db_table,
}
FAR_FUTURE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)  # "still in the group" as a time
_NAMED = re.compile(r"%\((\w+)\)s")


EPOCH_DAY_OF_EARLIEST = 10959  # days from 1970-01-01 to 2000-01-03


@functools.cache
def fixed_offset(tz: str) -> int | None:
    """The zone's UTC offset in seconds when it has not changed since 2000 (no daylight saving, e.g.
    Asia/Shanghai): days are then counted with arithmetic instead of a time-zone conversion per row."""
    zone = ZoneInfo(tz)
    offsets = {
        dt.datetime(year, month, 1, tzinfo=zone).utcoffset()
        for year in range(2000, 2041)
        for month in (1, 4, 7, 10)
    }
    return int(offsets.pop().total_seconds()) if len(offsets) == 1 else None


def day_of(column: str, tz: str) -> str:
    """Whole days from 2000-01-03 to a timestamp column's date in the time zone `tz`."""
    offset = fixed_offset(tz)
    if connection.vendor == "postgresql" and offset is not None:
        return f"(FLOOR(date_part('epoch', {column}) + {offset})::bigint / 86400 - {EPOCH_DAY_OF_EARLIEST})"
    return day_index(local_date(column))


def local_date(column: str) -> str:
    """The date of a timestamp column in the workspace's time zone (params: tz, conn_tz)."""
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE %(tz)s)::date"
    return f"django_datetime_cast_date({column}, %(tz)s, %(conn_tz)s)"


def day_index(date_sql: str) -> str:
    """Whole days from 2000-01-03 to a date expression."""
    if connection.vendor == "postgresql":
        return f"(({date_sql}) - DATE '2000-01-03')"
    return f"CAST(julianday({date_sql}) - 2451546.5 AS INTEGER)"


def week_of(column: str, tz: str) -> str:
    """The week number (Monday-based, in the time zone `tz`) of a timestamp column."""
    return f"({day_of(column, tz)} / 7)"


def week_number(day: dt.date) -> int:
    return (day - dt.date(2000, 1, 3)).days // 7


def week_start(number: int) -> dt.date:
    return dt.date(2000, 1, 3) + dt.timedelta(weeks=number)


def at(value: dt.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def on(value: dt.date):
    return connection.ops.adapt_datefield_value(value)


def base_params(filters: PanelFilters) -> dict:
    return {
        "ws": filters.workspace.pk,
        "tz": filters.workspace.timezone,
        "conn_tz": connection.timezone_name,
        "kind": filters.kind,
        "group": filters.group_ids[0] if filters.group_ids else None,
        "source": filters.source,
        "campaign": filters.campaign,
        "start": at(filters.start),
        "end": at(filters.end),
        "far": at(FAR_FUTURE),
    }


def group_condition(filters: PanelFilters, column: str) -> str:
    """`AND <column> is a group of the filter` (group and kind), or nothing."""
    parts = []
    if filters.group_ids:
        parts.append(f" AND {column} = %(group)s")
    if filters.kind:
        kinds = f"SELECT id FROM {TABLES['community']} WHERE workspace_id = %(ws)s AND kind = %(kind)s"
        parts.append(f" AND {column} IN ({kinds})")
    return "".join(parts)


def join_condition(filters: PanelFilters, alias: str) -> str:
    """`AND` the membership's source and campaign are those of the filter, or nothing."""
    parts = []
    if filters.source:
        parts.append(f" AND {alias}.source = %(source)s")
    if filters.campaign:
        parts.append(f" AND {alias}.campaign = %(campaign)s")
    return "".join(parts)


def members_in(column: str, members: list[int] | None) -> str:
    """`AND <column> IN (the members)` (ids written out: the planner then knows how few rows to
    expect), or nothing for every member (None)."""
    if members is None:
        return ""
    return f" AND {column} IN ({', '.join(str(int(m)) for m in members)})" if members else " AND 1 = 0"


def render(template: str, params: dict) -> tuple[str, list]:
    ordered = []

    def placeholder(match: re.Match) -> str:
        ordered.append(params[match.group(1)])
        return "%s"

    sql = _NAMED.sub(placeholder, template)
    return sql, ordered


@contextlib.contextmanager
def tuned():
    """PostgreSQL: one transaction for a metric's statements, run without JIT (compiling costs more
    than it saves here) and with room to sort and hash in memory. SQLite: no transaction at all,
    since suo's SQLite transactions take the write lock up front and a read must not block writers
    (the click capture) for its duration."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)")
        yield


def fetch(template: str, params: dict) -> list[tuple]:
    sql, ordered = render(template, params)
    with connection.cursor() as cursor:
        cursor.execute(sql, ordered)
        return cursor.fetchall()


def execute(template: str, params: dict) -> None:
    statement, ordered = render(template, params)
    with connection.cursor() as cursor:
        cursor.execute(statement, ordered)


def add_share(
    cells: str, *, keys: dict[str, str], counts: dict[str, str], share: str, sign: str, params: dict
) -> None:
    """Add a member share's counts to the summary `cells` (sign "") or take them out (sign "-"),
    in one upsert: `keys` and `counts` map the cells' columns to the share's columns."""
    columns = ", ".join(["workspace_id", *keys, *counts])
    values = ", ".join(["%(ws)s", *keys.values(), *(f"{sign} {column}" for column in counts.values())])
    updates = ", ".join(f"{column} = {cells}.{column} + excluded.{column}" for column in counts)
    execute(
        f"INSERT INTO {cells} ({columns}) SELECT {values} FROM ({share}) x WHERE true "
        f"ON CONFLICT ({', '.join(['workspace_id', *keys])}) DO UPDATE SET {updates}",
        params,
    )


def fetch_tuned(template: str, params: dict) -> list[tuple]:
    """One statement, in its own `tuned()` transaction."""
    with tuned():
        return fetch(template, params)


def explain(template: str, params: dict) -> str:
    """EXPLAIN ANALYZE of a metric's query on PostgreSQL (the benchmark's notes)."""
    sql, ordered = render(template, params)
    with tuned(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", ordered)
        return "\n".join(row[0] for row in cursor.fetchall())
