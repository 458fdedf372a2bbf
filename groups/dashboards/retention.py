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

How: each stay in the filter's groups holds a range of week ends [ka, kb]; a member's overlapping
ranges are merged (gaps and islands with window functions, only for members with several stays),
+1/-1 at the ends of each range and a running SUM() OVER the weeks give who still holds a
membership, without one row per member and week. Week numbers are integers (sql.py), so a zone
without daylight saving needs no time-zone conversion per row.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from groups.dashboards import sql, summary
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
ranges AS (
    -- Each stay of a cohort member in a group of the filter (any source) holds the week ends
    -- k = ka..kb of the member's cohort; a stay that ended before `from` holds none.
    SELECT s.member_id, c.cw,
        CASE WHEN {join_week} > c.cw THEN {join_week} - c.cw ELSE 0 END AS ka,
        CASE WHEN s.left_at IS NULL THEN %(open_k)s ELSE {left_week} - c.cw - 1 END AS kb
    FROM cohort c JOIN {membership} s ON s.member_id = c.member_id
    WHERE s.workspace_id = %(ws)s AND (s.left_at IS NULL OR s.left_at >= %(start)s){stay_groups}
),
kept AS (SELECT member_id, cw, ka, kb FROM ranges WHERE kb >= ka),
per_member AS (
    SELECT member_id, cw, COUNT(*) AS n, MIN(ka) AS ka, MAX(kb) AS kb FROM kept GROUP BY member_id, cw
),
marked AS (
    -- Members with several stays: overlapping ranges are merged (gaps and islands).
    SELECT k.member_id, k.cw, k.ka, k.kb,
        CASE WHEN k.ka <= MAX(k.kb) OVER (
            PARTITION BY k.member_id ORDER BY k.ka, k.kb ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) THEN 0 ELSE 1 END AS starts
    FROM kept k JOIN per_member p ON p.member_id = k.member_id AND p.n > 1
),
islands AS (
    SELECT member_id, cw, ka, kb,
        SUM(starts) OVER (PARTITION BY member_id ORDER BY ka, kb ROWS UNBOUNDED PRECEDING) AS island
    FROM marked
),
spans AS (
    SELECT cw, ka, kb FROM per_member WHERE n = 1
    UNION ALL
    SELECT cw, MIN(ka), MAX(kb) FROM islands GROUP BY member_id, cw, island
),
changes AS (
    -- +1 where a span starts, -1 after it ends, counted per cohort and week.
    SELECT cw, k, SUM(d) AS d FROM (
        SELECT cw, ka AS k, COUNT(*) AS d FROM spans GROUP BY cw, ka
        UNION ALL
        SELECT cw, kb + 1 AS k, -COUNT(*) AS d FROM spans GROUP BY cw, kb + 1
    ) ends
    GROUP BY cw, k
)
SELECT g.cw, g.size, g.k,
    SUM(COALESCE(ch.d, 0)) OVER (PARTITION BY g.cw ORDER BY g.k ROWS UNBOUNDED PRECEDING) AS n
FROM grid g LEFT JOIN changes ch ON ch.cw = g.cw AND ch.k = g.k
ORDER BY g.cw, g.k
"""

ACTIVE = """
WITH RECURSIVE {cohorts},
act AS (
    -- Each (member, week) once (hashed), so a cohort's week counts rows: no COUNT(DISTINCT) sort.
    SELECT member_id, {message_day} / 7 AS w FROM {messages}
    WHERE workspace_id = %(ws)s AND day >= %(first_day)s AND day < %(last_day)s{message_groups}
    UNION
    SELECT member_id, {activity_day} / 7 AS w FROM {activity}
    WHERE workspace_id = %(ws)s AND at >= %(first_at)s AND at < %(last_at)s{activity_groups}
),
hits AS (
    SELECT c.cw, act.w - c.cw AS k, COUNT(*) AS n
    FROM act JOIN cohort c ON c.member_id = act.member_id
    WHERE act.w >= c.cw
    GROUP BY c.cw, act.w - c.cw
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
    params["open_k"] = params["max_k"] + 1  # still in the group: holds every week to come
    cohorts = COHORTS.format(
        membership=sql.TABLES["membership"],
        group_condition=sql.group_condition(filters, "m.community_id"),
        join_condition=sql.join_condition(filters, "m"),
        first_week=sql.week_of("MIN(m.joined_at)", filters.workspace.timezone),
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
            activity_day=sql.day_of("at", filters.workspace.timezone),
            message_groups=sql.group_condition(filters, "community_id"),
            activity_groups=sql.group_condition(filters, "community_id"),
        )
    else:
        template = MEMBERSHIP.format(
            cohorts=cohorts,
            membership=sql.TABLES["membership"],
            stay_groups=sql.group_condition(filters, "s.community_id"),
            join_week=sql.week_of("s.joined_at", filters.workspace.timezone),
            left_week=sql.week_of("s.left_at", filters.workspace.timezone),
        )
    return template, params


def retention_cohorts(
    *, filters: PanelFilters, now: dt.datetime | None = None, live: bool = False
) -> list[Cohort]:
    """Cohorts of the filter with the retained fraction of each ended week (see the module doc):
    from the summary (summary.py) when it answers the filters, else (or with `live`) in one query."""
    now = now or timezone.now()
    if not live and summary.answerable(filters):
        now_week = sql.week_number(timezone.localtime(now, filters.start.tzinfo).date())
        counted = summary.read(filters, now_week)
        if counted is not None:
            return [
                Cohort(
                    cohort=sql.week_start(week),
                    size=size,
                    values=[round(float(held) / size, 4) for held in values],
                )
                for week, size, values in counted
            ]
    template, params = _query(filters, now)
    cohorts: dict[int, Cohort] = {}
    for week, size, k, held in sql.fetch_tuned(template, params):
        row = cohorts.setdefault(int(week), Cohort(cohort=sql.week_start(int(week)), size=int(size)))
        if k is not None:
            row.values.append(round(float(held) / int(size), 4))
    return list(cohorts.values())


def retention_explain(*, filters: PanelFilters) -> str:
    template, params = _query(filters, timezone.now())
    return sql.explain(template, params)
