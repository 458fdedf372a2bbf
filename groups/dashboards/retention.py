"""Retention cohorts (留存), computed in one SQL statement.

Definitions (the API documents the same):
- A member's cohort is the week (Monday, workspace time zone) of their first join that matches
  the filter: a group of the filter (group, kind), joined in [from, to], with the source and
  campaign of the filter.
- values[k], mode `membership`: the fraction of the cohort holding an active membership in a group
  of the filter (any source) at the end of week k, k = 0 being the cohort week.
- values[k], mode `active`: the fraction of the cohort with at least one message (daily counts) in
  a group of the filter, or an activity event (in such a group; any when no group filter), in week k.
- Only weeks that have ended are given.

How: the member's stays in the filter's groups are merged into islands (gaps and islands with
window functions), each island covers a range of weeks [ka, kb], +1/-1 at its ends and a running
SUM() OVER the weeks gives who still holds a membership, without one row per member and week.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from groups.dashboards import sql
from suo.panels import PanelFilters

COHORTS = """
cohort AS (
    SELECT m.member_id, {first_week} AS cw
    FROM {membership} m
    WHERE m.workspace_id = %(ws)s AND m.joined_at >= %(start)s AND m.joined_at < %(end)s
        {group_condition}{join_condition}
    GROUP BY m.member_id
),
sizes AS (SELECT cw, COUNT(*) AS size FROM cohort GROUP BY cw),
ks (k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM ks WHERE k < %(max_k)s),
grid AS (
    SELECT sizes.cw, sizes.size, ks.k
    FROM sizes LEFT JOIN ks ON ks.k <= %(now_week)s - sizes.cw - 1
)"""

MEMBERSHIP = """
WITH RECURSIVE {cohorts},
scope AS (
    -- The cohort's stays in groups of the filter (any source) that had not ended before `from`.
    SELECT s.member_id, c.cw, s.joined_at, COALESCE(s.left_at, %(far)s) AS left_at
    FROM cohort c JOIN {membership} s ON s.member_id = c.member_id
    WHERE s.workspace_id = %(ws)s AND (s.left_at IS NULL OR s.left_at >= %(start)s){stay_groups}
),
marked AS (
    SELECT member_id, cw, joined_at, left_at,
        CASE WHEN joined_at <= MAX(left_at) OVER (
            PARTITION BY member_id ORDER BY joined_at, left_at
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) THEN 0 ELSE 1 END AS starts
    FROM scope
),
islands AS (
    SELECT member_id, cw, joined_at, left_at,
        SUM(starts) OVER (
            PARTITION BY member_id ORDER BY joined_at, left_at ROWS UNBOUNDED PRECEDING
        ) AS island
    FROM marked
),
spans AS (
    SELECT cw, {span_start} - cw AS ka, {span_end} - cw - 1 AS kb
    FROM islands GROUP BY member_id, cw, island
),
deltas AS (
    SELECT cw, CASE WHEN ka > 0 THEN ka ELSE 0 END AS k, 1 AS d FROM spans WHERE kb >= 0 AND kb >= ka
    UNION ALL
    SELECT cw, kb + 1 AS k, -1 AS d FROM spans WHERE kb >= 0 AND kb >= ka
),
changes AS (SELECT cw, k, SUM(d) AS d FROM deltas GROUP BY cw, k)
SELECT g.cw, g.size, g.k,
    SUM(COALESCE(ch.d, 0)) OVER (PARTITION BY g.cw ORDER BY g.k ROWS UNBOUNDED PRECEDING) AS n
FROM grid g LEFT JOIN changes ch ON ch.cw = g.cw AND ch.k = g.k
ORDER BY g.cw, g.k
"""

ACTIVE = """
WITH RECURSIVE {cohorts},
act AS (
    SELECT member_id, {message_day} AS di FROM {messages}
    WHERE workspace_id = %(ws)s AND day >= %(first_day)s AND day < %(last_day)s{message_groups}
    UNION
    SELECT member_id, {activity_day} AS di FROM {activity}
    WHERE workspace_id = %(ws)s AND at >= %(first_at)s AND at < %(last_at)s{activity_groups}
),
hits AS (
    SELECT c.cw, act.di / 7 - c.cw AS k, COUNT(DISTINCT act.member_id) AS n
    FROM act JOIN cohort c ON c.member_id = act.member_id
    WHERE act.di / 7 >= c.cw
    GROUP BY c.cw, act.di / 7 - c.cw
)
SELECT g.cw, g.size, g.k, COALESCE(h.n, 0) AS n
FROM grid g LEFT JOIN hits h ON h.cw = g.cw AND h.k = g.k
ORDER BY g.cw, g.k
"""


@dataclass
class Cohort:
    cohort: dt.date
    size: int
    values: list[float] = field(default_factory=list)


def _query(filters: PanelFilters, now: dt.datetime) -> tuple[str, dict]:
    params = sql.base_params(filters)
    today = timezone.localtime(now, filters.start.tzinfo).date()
    params["now_week"] = sql.week_number(today)
    params["max_k"] = max(0, params["now_week"] - sql.week_number(filters.start.date()))
    cohorts = COHORTS.format(
        membership=sql.TABLES["membership"],
        group_condition=sql.group_condition(filters, "m.community_id"),
        join_condition=sql.join_condition(filters, "m"),
        first_week=sql.week_of("MIN(m.joined_at)"),
    )
    if filters.mode == "active":
        first_day = sql.week_start(sql.week_number(filters.start.date()))
        last_day = sql.week_start(params["now_week"])  # the current week has not ended
        params.update(
            first_day=sql.on(first_day),
            last_day=sql.on(last_day),
            first_at=sql.at(dt.datetime.combine(first_day, dt.time(), filters.start.tzinfo)),
            last_at=sql.at(dt.datetime.combine(last_day, dt.time(), filters.start.tzinfo)),
        )
        template = ACTIVE.format(
            cohorts=cohorts,
            messages=sql.TABLES["messages"],
            activity=sql.TABLES["activity"],
            message_day=sql.day_index("day"),
            activity_day=sql.day_index(sql.local_date("at")),
            message_groups=sql.group_condition(filters, "community_id"),
            activity_groups=sql.group_condition(filters, "community_id"),
        )
    else:
        template = MEMBERSHIP.format(
            cohorts=cohorts,
            membership=sql.TABLES["membership"],
            stay_groups=sql.group_condition(filters, "s.community_id"),
            span_start=f"MIN({sql.week_of('joined_at')})",
            span_end=f"MAX({sql.week_of('left_at')})",
        )
    return template, params


def retention_cohorts(*, filters: PanelFilters, now: dt.datetime | None = None) -> list[Cohort]:
    """Cohorts of the filter with the retained fraction of each ended week (see the module doc)."""
    template, params = _query(filters, now or timezone.now())
    cohorts: dict[int, Cohort] = {}
    for week, size, k, held in sql.fetch(template, params):
        row = cohorts.setdefault(int(week), Cohort(cohort=sql.week_start(int(week)), size=int(size)))
        if k is not None:
            row.values.append(round(float(held) / int(size), 4))
    return list(cohorts.values())


def retention_explain(*, filters: PanelFilters) -> str:
    template, params = _query(filters, timezone.now())
    return sql.explain(template, params)
