"""Group health (per group, in the period) and cold-group detection, computed in SQL.

- size: memberships active at the end of the period; growth: joins − leaves in the period;
- messages per member per week: messages in the period ÷ size ÷ weeks in the period;
- exit rate: memberships ended in the period ÷ memberships active at its start;
- violations per 100 members: violations logged in the period and not revoked ÷ size × 100;
- cold: a week is cold when its messages ÷ members at the week's end are under the workspace's
  threshold (or it had no members); a group is cold when its last N ended weeks all were, it had
  members before them and has members now.
The group and kind filters apply; source and campaign do not (they describe people, not groups).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from groups.dashboards import sql
from groups.dashboards.models import ColdGroupFlag
from groups.models import CommunityState, Violation
from suo.panels import PanelFilters

HEALTH = """
WITH ms AS (
    SELECT m.community_id,
        SUM(CASE WHEN m.joined_at < %(end)s AND (m.left_at IS NULL OR m.left_at >= %(end)s)
            THEN 1 ELSE 0 END) AS size,
        SUM(CASE WHEN m.joined_at < %(start)s AND (m.left_at IS NULL OR m.left_at >= %(start)s)
            THEN 1 ELSE 0 END) AS at_start,
        SUM(CASE WHEN m.joined_at >= %(start)s THEN 1 ELSE 0 END) AS joins,
        SUM(CASE WHEN m.left_at >= %(start)s AND m.left_at < %(end)s THEN 1 ELSE 0 END) AS leaves
    FROM {membership} m
    WHERE m.workspace_id = %(ws)s AND m.joined_at < %(end)s
        AND (m.left_at IS NULL OR m.left_at >= %(start)s){member_groups}
    GROUP BY m.community_id
),
msg AS (
    SELECT community_id, SUM(count) AS n FROM {messages}
    WHERE workspace_id = %(ws)s AND day >= %(first_day)s AND day < %(end_day)s{message_groups}
    GROUP BY community_id
),
vio AS (
    SELECT community_id, COUNT(*) AS n FROM {violation}
    WHERE workspace_id = %(ws)s AND created_at >= %(start)s AND created_at < %(end)s
        AND revoked_at IS NULL{message_groups}
    GROUP BY community_id
)
SELECT c.id, c.name, c.kind, c.state, COALESCE(ms.size, 0), COALESCE(ms.at_start, 0),
    COALESCE(ms.joins, 0), COALESCE(ms.leaves, 0), COALESCE(msg.n, 0), COALESCE(vio.n, 0),
    EXISTS (SELECT 1 FROM {flag} f WHERE f.community_id = c.id AND f.resolved_at IS NULL)
FROM {community} c
LEFT JOIN ms ON ms.community_id = c.id
LEFT JOIN msg ON msg.community_id = c.id
LEFT JOIN vio ON vio.community_id = c.id
WHERE c.workspace_id = %(ws)s{community_groups}
ORDER BY c.name, c.id
"""

COLD_WEEKS = """
WITH RECURSIVE weeks (w) AS (
    SELECT CAST(%(first_week)s AS INTEGER) UNION ALL SELECT w + 1 FROM weeks WHERE w < %(last_week)s
),
sizes AS (
    SELECT m.community_id, weeks.w, COUNT(*) AS members
    FROM {membership} m JOIN weeks ON {joined_week} <= weeks.w
        AND (m.left_at IS NULL OR {left_week} > weeks.w)
    WHERE m.workspace_id = %(ws)s AND m.joined_at < %(end)s AND (m.left_at IS NULL OR m.left_at >= %(start)s)
    GROUP BY m.community_id, weeks.w
),
msgs AS (
    SELECT community_id, {message_week} AS w, SUM(count) AS n FROM {messages}
    WHERE workspace_id = %(ws)s AND day >= %(first_day)s AND day < %(end_day)s
    GROUP BY community_id, {message_week}
),
rates AS (
    SELECT c.id AS community_id, weeks.w, COALESCE(sizes.members, 0) AS members,
        COALESCE(msgs.n, 0) AS messages,
        CASE WHEN COALESCE(sizes.members, 0) = 0
            OR COALESCE(msgs.n, 0) < %(threshold)s * sizes.members THEN 1 ELSE 0 END AS cold
    FROM {community} c CROSS JOIN weeks
    LEFT JOIN sizes ON sizes.community_id = c.id AND sizes.w = weeks.w
    LEFT JOIN msgs ON msgs.community_id = c.id AND msgs.w = weeks.w
    WHERE c.workspace_id = %(ws)s AND c.state IN (%(recruiting)s, %(active)s, %(cooling)s)
        AND EXISTS (SELECT 1 FROM {membership} e WHERE e.community_id = c.id AND e.joined_at < %(start)s)
        AND EXISTS (SELECT 1 FROM {membership} n WHERE n.community_id = c.id AND n.is_active = %(true)s)
)
SELECT community_id, w, members, messages, SUM(cold) OVER (PARTITION BY community_id) AS cold_weeks
FROM rates
ORDER BY community_id, w
"""


def _per(part: float, whole: float, scale: float = 1) -> float | None:
    return None if not whole else round(part * scale / whole, 4)


def group_health(*, filters: PanelFilters) -> list[dict]:
    """One row per group of the filter with its health figures (see the module doc)."""
    params = sql.base_params(filters)
    zone = filters.start.tzinfo
    first_day, end_day = filters.start.astimezone(zone).date(), filters.end.astimezone(zone).date()
    params.update(first_day=sql.on(first_day), end_day=sql.on(end_day))
    template = HEALTH.format(
        membership=sql.TABLES["membership"],
        messages=sql.TABLES["messages"],
        violation=Violation._meta.db_table,
        flag=ColdGroupFlag._meta.db_table,
        community=sql.TABLES["community"],
        member_groups=sql.group_condition(filters, "m.community_id"),
        message_groups=sql.group_condition(filters, "community_id"),
        community_groups=sql.group_condition(filters, "c.id"),
    )
    weeks = (end_day - first_day).days / 7
    rows = []
    for pk, name, kind, state, size, at_start, joins, leaves, messages, violations, cold in sql.fetch_tuned(
        template, params
    ):
        size, at_start, joins, leaves = int(size), int(at_start), int(joins), int(leaves)
        rows.append(
            {
                "group": pk,
                "name": name,
                "kind": kind,
                "state": state,
                "size": size,
                "joins": joins,
                "leaves": leaves,
                "growth": joins - leaves,
                "messages": int(messages),
                "messages_per_member_week": _per(int(messages), size * weeks),
                "exit_rate": _per(leaves, at_start),
                "violations": int(violations),
                "violations_per_100": _per(int(violations), size, 100),
                "cold": bool(cold),
            }
        )
    return rows


@dataclass
class ColdGroup:
    community_id: int
    weeks: list[dict]


def cold_groups(
    *, workspace, threshold: Decimal, weeks: int, now: dt.datetime | None = None
) -> list[ColdGroup]:
    """Groups whose last `weeks` ended weeks all had fewer than `threshold` messages per member."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(workspace.timezone)
    today = timezone.localtime(now or timezone.now(), zone).date()
    last_week = sql.week_number(today) - 1
    first_week = last_week - weeks + 1
    first_day, end_day = sql.week_start(first_week), sql.week_start(last_week + 1)
    params = {
        "ws": workspace.pk,
        "tz": workspace.timezone,
        "conn_tz": sql.connection.timezone_name,
        "first_week": first_week,
        "last_week": last_week,
        "first_day": sql.on(first_day),
        "end_day": sql.on(end_day),
        "start": sql.at(dt.datetime.combine(first_day, dt.time(), zone)),
        "end": sql.at(dt.datetime.combine(end_day, dt.time(), zone)),
        "threshold": float(threshold),
        "recruiting": CommunityState.RECRUITING.value,
        "active": CommunityState.ACTIVE.value,
        "cooling": CommunityState.COOLING.value,
        "true": True,
    }
    template = COLD_WEEKS.format(
        membership=sql.TABLES["membership"],
        messages=sql.TABLES["messages"],
        community=sql.TABLES["community"],
        joined_week=sql.week_of("m.joined_at", workspace.timezone),
        left_week=sql.week_of("m.left_at", workspace.timezone),
        message_week=f"({sql.day_index('day')} / 7)",
    )
    found: dict[int, ColdGroup] = {}
    for community_id, week, members, messages, cold_weeks in sql.fetch_tuned(template, params):
        if int(cold_weeks) < weeks:
            continue
        group = found.setdefault(community_id, ColdGroup(community_id=community_id, weeks=[]))
        members, messages = int(members), int(messages)
        group.weeks.append(
            {
                "week": sql.week_start(int(week)).isoformat(),
                "messages": messages,
                "members": members,
                "per_member": _per(messages, members),
            }
        )
    return list(found.values())
