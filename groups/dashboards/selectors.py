"""Reads of the dashboards: the overview's figures and series, computed in SQL.

Definitions (the API schema and the pages say the same):
- new members (拉新): distinct members with a join in the period that matches the filter
  (a group of the filter, the source and campaign of the filter);
- active members: distinct members with a message (daily counts) in a group of the filter, or an
  activity event (in such a group; any when there is no group filter), in the period; with a
  source or campaign filter, only members who joined a group of the filter that way;
- exit rate (退群率): memberships ended in the period ÷ memberships active at its start; kicked
  (kicked or banned) and voluntary (left) are given apart, migrated and archived are the rest;
- conversion rate: of the new members, those holding a paid entitlement granted at or after their
  first join in the period and not revoked, ÷ new members;
- click rate: unique clicks of the period (one per visitor, link and day; the apps register what
  they count, links count their short links) ÷ new members.
A rate whose denominator is 0 is null.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection

from groups.dashboards import overview_summary, sql
from groups.dashboards.filters import local_midnight
from groups.models import Entitlement, JoinSource, LeaveReason
from suo.panels import PanelFilters, figure_total

KICKED = (LeaveReason.KICKED.value, LeaveReason.BANNED.value)

MEMBERS_IN_PERIOD = """
SELECT m.member_id, MIN(m.joined_at) AS first_at
FROM {membership} m
WHERE m.workspace_id = %(ws)s AND m.joined_at >= %(start)s AND m.joined_at < %(end)s{groups}{joins}
GROUP BY m.member_id
"""

NEW_AND_CONVERTED = """
WITH joined AS ({members_in_period}),
paid AS (
    -- A member converted when a paid entitlement (not revoked) was granted at or after their first
    -- join: their latest such grant is then at or after it. A first join is in the period, so only
    -- grants from its start on can decide it: the rest of the history is not read. Joined by hash;
    -- for one group (few new members) a look-up per member.
    SELECT e.member_id, MAX(e.granted_at) AS last_at FROM {entitlement} e
    WHERE e.workspace_id = %(ws)s AND e.revoked_at IS NULL AND e.granted_at >= %(start)s{paid_members}
    GROUP BY e.member_id
)
SELECT COUNT(*), COALESCE(SUM(CASE WHEN p.last_at >= j.first_at THEN 1 ELSE 0 END), 0)
FROM joined j LEFT JOIN paid p ON p.member_id = j.member_id
"""

ACTIVE_MEMBERS = """
SELECT member_id, {message_bucket} AS b FROM {messages}
WHERE workspace_id = %(ws)s AND day >= %(first_day)s AND day < %(end_day)s{message_groups}
UNION
SELECT member_id, {activity_bucket} AS b FROM {activity}
WHERE workspace_id = %(ws)s AND at >= %(start)s AND at < %(end)s{activity_groups}
"""

# Totals: distinct members only (no day per row), so the union's hash holds one entry per member.
ACTIVE_MEMBERS_ONLY = """
SELECT member_id FROM {messages}
WHERE workspace_id = %(ws)s AND day >= %(first_day)s AND day < %(end_day)s{message_groups}
UNION
SELECT member_id FROM {activity}
WHERE workspace_id = %(ws)s AND at >= %(start)s AND at < %(end)s{activity_groups}
"""

ACTIVE_COUNT = """
SELECT COUNT(*) FROM ({active_members}) a{joined_that_way}
"""

# Exits: "memberships active at the start" comes from the open cells (overview_summary.py); when
# they do not answer, it is counted as (joined before the start) − (joined and ended before it), two
# range counts. Same numbers as `joined < start AND (left IS NULL OR left >= start)`. The ended ones
# are a range of the left_at index.
AT_START = """
SELECT
    (SELECT COUNT(*) FROM {membership} m
        WHERE m.workspace_id = %(ws)s AND m.joined_at < %(start)s{groups}{joins})
    - (SELECT COUNT(*) FROM {membership} m
        WHERE m.workspace_id = %(ws)s AND m.left_at < %(start)s AND m.joined_at < %(start)s{groups}{joins})
"""

ENDED = """
SELECT COUNT(*),
    COALESCE(SUM(CASE WHEN m.leave_reason IN (%(kicked)s, %(banned)s) THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN m.leave_reason = %(left)s THEN 1 ELSE 0 END), 0)
FROM {membership} m
WHERE m.workspace_id = %(ws)s AND m.left_at >= %(start)s AND m.left_at < %(end)s
    AND m.joined_at < %(end)s{groups}{joins}
"""

# Memberships that ended per bucket, kicked (and banned) apart from voluntary: in both series.
LEAVES = """leaves AS (
    SELECT {leave_bucket} AS b, COUNT(*) AS n,
        SUM(CASE WHEN m.leave_reason IN (%(kicked)s, %(banned)s) THEN 1 ELSE 0 END) AS kicked,
        SUM(CASE WHEN m.leave_reason = %(left)s THEN 1 ELSE 0 END) AS voluntary
    FROM {membership} m
    WHERE m.workspace_id = %(ws)s AND m.left_at >= %(start)s AND m.left_at < %(end)s{groups}{joins}
    GROUP BY {leave_bucket}
)"""

SERIES = (
    """
WITH RECURSIVE buckets (b) AS (
    SELECT CAST(%(first_bucket)s AS INTEGER) UNION ALL SELECT b + 1 FROM buckets WHERE b < %(last_bucket)s
),
joins AS (
    -- One row per member and bucket first (hashed), then counted: no COUNT(DISTINCT) sorts.
    SELECT b, COUNT(*) AS n{source_sums} FROM (
        SELECT {join_bucket} AS b, m.member_id{source_flags}
        FROM {membership} m
        WHERE m.workspace_id = %(ws)s AND m.joined_at >= %(start)s AND m.joined_at < %(end)s{groups}{joins}
        GROUP BY {join_bucket}, m.member_id
    ) j
    GROUP BY b
),
"""
    + LEAVES
    + """,
active AS (
    -- The union already holds each (member, bucket) once.
    SELECT a.b, COUNT(*) AS n FROM ({active}) a{joined_that_way} GROUP BY a.b
)
SELECT buckets.b, COALESCE(joins.n, 0), COALESCE(active.n, 0), COALESCE(leaves.n, 0),
    COALESCE(leaves.kicked, 0), COALESCE(leaves.voluntary, 0){source_values}
FROM buckets
LEFT JOIN joins ON joins.b = buckets.b
LEFT JOIN leaves ON leaves.b = buckets.b
LEFT JOIN active ON active.b = buckets.b
ORDER BY buckets.b
"""
)

# PostgreSQL with a fixed-offset time zone: the same series, one bucket at a time (issue 15,
# performance). Each bucket's members are hashed on their own (~20,000 a week at 1M memberships), by
# index range scans of the bucket's instants and days, instead of one hash of every (bucket, member)
# of the period that spills to disk over 52 weeks. Same rows: a bucket's bounds are the local
# midnights of its days, clipped to the period, and the day bounds of the messages are those of the
# period too. Both series statements open with `WITH RECURSIVE buckets` (allowed for a plain CTE):
# the page's test counts the series statements by it.
SERIES_PER_BUCKET = (
    """
WITH RECURSIVE buckets (b, d1, d2, s, e) AS (
    SELECT * FROM unnest(CAST(%(bucket_numbers)s AS integer[]), CAST(%(bucket_first_days)s AS date[]),
        CAST(%(bucket_end_days)s AS date[]), CAST(%(bucket_starts)s AS timestamptz[]),
        CAST(%(bucket_ends)s AS timestamptz[]))
),
"""
    + LEAVES
    + """
SELECT buckets.b, joins.n, active.n, COALESCE(leaves.n, 0),
    COALESCE(leaves.kicked, 0), COALESCE(leaves.voluntary, 0){source_values}
FROM buckets
CROSS JOIN LATERAL (
    SELECT COUNT(*) AS n{source_sums} FROM (
        SELECT m.member_id{source_flags}
        FROM {membership} m
        WHERE m.workspace_id = %(ws)s AND m.joined_at >= buckets.s AND m.joined_at < buckets.e{groups}{joins}
        GROUP BY m.member_id
    ) j
) joins
CROSS JOIN LATERAL (
    SELECT COUNT(*) AS n FROM (
        SELECT member_id FROM {messages}
        WHERE workspace_id = %(ws)s AND day >= buckets.d1 AND day < buckets.d2{message_groups}
        UNION
        SELECT member_id FROM {activity}
        WHERE workspace_id = %(ws)s AND at >= buckets.s AND at < buckets.e{activity_groups}
    ) a{joined_that_way}
) active
LEFT JOIN leaves ON leaves.b = buckets.b
ORDER BY buckets.b
"""
)

BY_CHANNEL = """
SELECT m.channel, COUNT(DISTINCT m.member_id) AS n
FROM {membership} m
WHERE m.workspace_id = %(ws)s AND m.joined_at >= %(start)s AND m.joined_at < %(end)s{groups}{joins}
GROUP BY m.channel
ORDER BY n DESC, m.channel
"""

JOINED_THAT_WAY = """
WHERE EXISTS (
    SELECT 1 FROM {membership} jm
    WHERE jm.member_id = a.member_id AND jm.workspace_id = %(ws)s AND jm.joined_at < %(end)s{groups}{joins}
)"""


def _params(filters: PanelFilters) -> dict:
    params = sql.base_params(filters)
    zone = filters.start.tzinfo
    first_day, end_day = filters.start.astimezone(zone).date(), filters.end.astimezone(zone).date()
    params.update(
        first_day=sql.on(first_day),
        end_day=sql.on(end_day),
        kicked=LeaveReason.KICKED.value,
        banned=LeaveReason.BANNED.value,
        left=LeaveReason.LEFT.value,
    )
    for value in JoinSource.values:
        params[f"src_{value}"] = value
    return params


def _fragments(filters: PanelFilters, *, divisor: int = 1) -> dict:
    """Filter conditions and bucket expressions (day, or week with divisor 7) for the templates."""
    per = f" / {divisor}" if divisor != 1 else ""
    active = ACTIVE_MEMBERS.format(
        messages=sql.TABLES["messages"],
        activity=sql.TABLES["activity"],
        message_bucket=f"({sql.day_index('day')}{per})",
        activity_bucket=f"({sql.day_of('at', filters.workspace.timezone)}{per})",
        message_groups=sql.group_condition(filters, "community_id"),
        activity_groups=sql.group_condition(filters, "community_id"),
    )
    active_members = ACTIVE_MEMBERS_ONLY.format(
        messages=sql.TABLES["messages"],
        activity=sql.TABLES["activity"],
        message_groups=sql.group_condition(filters, "community_id"),
        activity_groups=sql.group_condition(filters, "community_id"),
    )
    joined_that_way = ""
    if filters.source or filters.campaign:
        joined_that_way = JOINED_THAT_WAY.format(
            membership=sql.TABLES["membership"],
            groups=sql.group_condition(filters, "jm.community_id"),
            joins=sql.join_condition(filters, "jm"),
        )
    return {
        "membership": sql.TABLES["membership"],
        "messages": sql.TABLES["messages"],
        "activity": sql.TABLES["activity"],
        "message_groups": sql.group_condition(filters, "community_id"),
        "activity_groups": sql.group_condition(filters, "community_id"),
        "entitlement": Entitlement._meta.db_table,
        "groups": sql.group_condition(filters, "m.community_id"),
        "joins": sql.join_condition(filters, "m"),
        "active": active,
        "active_members": active_members,
        "joined_that_way": joined_that_way,
        "paid_members": " AND e.member_id IN (SELECT member_id FROM joined)" if filters.group_ids else "",
        "join_bucket": f"({sql.day_of('m.joined_at', filters.workspace.timezone)}{per})",
        "leave_bucket": f"({sql.day_of('m.left_at', filters.workspace.timezone)}{per})",
    }


def _rate(part: int | None, whole: int) -> float | None:
    return None if part is None or not whole else round(part / whole, 4)


def overview_totals(*, filters: PanelFilters) -> dict:
    """The overview's headline figures for the period (see the module doc for each definition)."""
    params, parts = _params(filters), _fragments(filters)
    members = MEMBERS_IN_PERIOD.format(**parts)
    at_start = overview_summary.members_at_start(filters)
    with sql.tuned():
        ((new, converted),) = sql.fetch(NEW_AND_CONVERTED.format(members_in_period=members, **parts), params)
        ((active,),) = sql.fetch(ACTIVE_COUNT.format(**parts), params)
        if at_start is None:
            ((at_start,),) = sql.fetch(AT_START.format(**parts), params)
        ((ended, kicked, voluntary),) = sql.fetch(ENDED.format(**parts), params)
    new, converted, at_start, ended = int(new), int(converted), int(at_start), int(ended)
    kicked, voluntary = int(kicked), int(voluntary)
    clicks = figure_total("clicks", filters)
    return {
        "new_members": new,
        "active_members": int(active),
        "members_at_start": at_start,
        "exits": ended,
        "exits_kicked": kicked,
        "exits_voluntary": voluntary,
        "exits_other": ended - kicked - voluntary,
        "exit_rate": _rate(ended, at_start),
        "exit_rate_kicked": _rate(kicked, at_start),
        "exit_rate_voluntary": _rate(voluntary, at_start),
        "converted": converted,
        "conversion_rate": _rate(converted, new),
        "clicks": clicks,
        "click_rate": _rate(clicks, new),
    }


def _bucket_date(filters: PanelFilters, bucket: int) -> dt.date:
    return (
        sql.week_start(bucket) if filters.interval == "week" else dt.date(2000, 1, 3) + dt.timedelta(bucket)
    )


def overview_series(*, filters: PanelFilters) -> list[dict]:
    """Per day (or week, Monday): new members, active members (DAU/WAU), leaves, kicked, voluntary,
    and new members per join source; every bucket of the period, zeros included.

    Several panels of one page draw from the same series: it is kept on the filters object they
    share (one request), so the page runs the query once."""
    kept = filters.__dict__.get("_overview_series")
    if kept is None:
        kept = _overview_series(filters)
        object.__setattr__(filters, "_overview_series", kept)  # frozen: a cache, not a change
    return kept


def _series_query(filters: PanelFilters) -> tuple[str, dict]:
    divisor = 7 if filters.interval == "week" else 1
    params, parts = _params(filters), _fragments(filters, divisor=divisor)
    zone = filters.start.tzinfo
    first = filters.start.astimezone(zone).date()
    last = (filters.end.astimezone(zone) - dt.timedelta(days=1)).date()
    params["first_bucket"] = sql.week_number(first) if divisor == 7 else (first - dt.date(2000, 1, 3)).days
    params["last_bucket"] = sql.week_number(last) if divisor == 7 else (last - dt.date(2000, 1, 3)).days
    per_bucket = _per_bucket(filters)
    if per_bucket:
        params.update(_bucket_bounds(filters, params["first_bucket"], params["last_bucket"], divisor))
    template = (SERIES_PER_BUCKET if per_bucket else SERIES).format(
        source_flags="".join(
            f", MAX(CASE WHEN m.source = %(src_{s})s THEN 1 ELSE 0 END) AS s_{s}" for s in JoinSource.values
        ),
        source_sums="".join(f", SUM(s_{s}) AS s_{s}" for s in JoinSource.values),
        source_values="".join(f", COALESCE(joins.s_{s}, 0)" for s in JoinSource.values),
        **parts,
    )
    return template, params


def _per_bucket(filters: PanelFilters) -> bool:
    """Whether the series is counted one bucket at a time (SERIES_PER_BUCKET): on PostgreSQL with a
    time zone of fixed offset, whose local midnights are plain instants; not for one group, whose
    rows are few and reached by its index, so that the single statement stays faster there."""
    return (
        connection.vendor == "postgresql"
        and sql.fixed_offset(filters.workspace.timezone) is not None
        and not filters.group_ids
    )


def _bucket_bounds(filters: PanelFilters, first: int, last: int, divisor: int) -> dict[str, list]:
    """Each bucket's days [first, end) and instants [start, end), clipped to the period the way the
    single query's conditions clip it: instants to the period's, days to its first and end days."""
    zone = ZoneInfo(filters.workspace.timezone)
    first_day = filters.start.astimezone(filters.start.tzinfo).date()
    end_day = filters.end.astimezone(filters.start.tzinfo).date()
    bounds: dict[str, list] = {key: [] for key in ("numbers", "first_days", "end_days", "starts", "ends")}
    for bucket in range(first, max(first, last) + 1):  # the first at least, as the recursive CTE gives
        day = dt.date(2000, 1, 3) + dt.timedelta(bucket * divisor)
        following = day + dt.timedelta(divisor)
        bounds["numbers"].append(bucket)
        bounds["first_days"].append(max(day, first_day))
        bounds["end_days"].append(min(following, end_day))
        bounds["starts"].append(max(local_midnight(day, zone), filters.start))
        bounds["ends"].append(min(local_midnight(following, zone), filters.end))
    return {f"bucket_{key}": values for key, values in bounds.items()}


def _overview_series(filters: PanelFilters) -> list[dict]:
    template, params = _series_query(filters)
    sources = JoinSource.values
    keys = ["new_members", "active_members", "left", "kicked", "voluntary", *(f"source_{s}" for s in sources)]
    return [
        {
            "date": _bucket_date(filters, int(row[0])),
            **{key: int(value) for key, value in zip(keys, row[1:], strict=True)},
        }
        for row in sql.fetch_tuned(template, params)
    ]


def new_members_by_channel(*, filters: PanelFilters) -> list[dict]:
    params, parts = _params(filters), _fragments(filters)
    return [
        {"channel": channel, "new_members": int(n)}
        for channel, n in sql.fetch_tuned(BY_CHANNEL.format(**parts), params)
    ]


def overview_explain(*, filters: PanelFilters) -> dict[str, str]:
    """EXPLAIN ANALYZE of each overview query (PostgreSQL), for the benchmark's notes; the last one
    is the live count of the members at the start that the open cells replace."""
    params, parts = _params(filters), _fragments(filters)
    members = MEMBERS_IN_PERIOD.format(**parts)
    return {
        "new_and_converted": sql.explain(
            NEW_AND_CONVERTED.format(members_in_period=members, **parts), params
        ),
        "active": sql.explain(ACTIVE_COUNT.format(**parts), params),
        "members_at_start (open cells)": overview_summary.explain(filters),
        "ended": sql.explain(ENDED.format(**parts), params),
        "series": sql.explain(*_series_query(filters)),
        "members_at_start (live, without the cells)": sql.explain(AT_START.format(**parts), params),
    }
