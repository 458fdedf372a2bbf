"""The retention summary: the triangle's counts kept in a small table instead of computed from every
membership on each view (issue 15, performance). Exact: a view reads the same numbers as the live
query in retention.py.

Why it can be summed: a member holds a membership at the end of week W when one of their stays in
the scope's groups started in or before W and had not ended by W's end. That does not depend on the
cohort, so each member contributes, per scope (all groups, one kind, one group) and per distinct
join day `day` (their previous join day there being `prev`), one cohort entry: it belongs to the
cohort of week day/7 for exactly the filters with prev < from <= day < to (the first join inside
the dates), adds 1 to that cohort's size, and +1/-1 where each merged span of held weeks from the
cohort week on starts/ends. RetentionCell sums these per (scope, day, prev, week); a view adds the
cells of its dates and takes the running sum per cohort.

Kept incrementally: database triggers queue a member whenever one of their memberships is written
(SummaryQueue); `refresh()` (a Celery beat task, every minute) takes queued members in batches,
subtracts their share as last counted (SummaryStay, a copy of their stays) and adds it back from the
live memberships. Members still queued when a view runs are corrected in the same statement (old
share out, live share in), so a view is exact between refreshes too; with too many queued (a large
import), the view uses the live query until the task has caught up.

The summary answers mode `membership` with dates (whole days), group and kind filters, and mode
`active` (ActiveRetentionCell: the same cohort entries, with the runs of weeks in which the member
posted or took part in an activity as the spans held) with dates and kind. Source and campaign
filters, and one group in mode `active`, use the live query (retention.py).

The same refresh keeps the overview's open cells (OpenCell, read by overview_summary.py) from the
same stays: per scope, join source and day, +1 where a stay starts and -1 where it ends; and its
day cells (DayCell, day_cells.py): distinct members joined and active per day, from the same stays
and from the messages and activities (whose triggers queue the member too).
"""

import datetime as dt
import time
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from groups.dashboards import day_cells, sql
from groups.dashboards.filters import local_midnight
from groups.models import Community
from suo.models import Workspace
from suo.panels import PanelFilters

QUEUE = "dashboards_summaryqueue"
STAYS = "dashboards_summarystay"
CELLS = "dashboards_retentioncell"
ACTIVE_CELLS = "dashboards_activeretentioncell"
OPEN_CELLS = "dashboards_opencell"
NO_PREV = -1_000_000  # "no earlier join" (a key column, so not NULL)
OPEN = 1_000_000  # the last held week of a stay still open
BATCH = 500  # members per refresh step
MAX_QUEUED = 5_000  # more queued members than this: views use the live query

LIVE_STAYS = """
SELECT m.member_id, m.community_id, c.kind, {join_day} AS jd, {left_week} AS lw, {left_day} AS ld,
    m.source AS src, m.channel AS ch
FROM {membership} m JOIN {community} c ON c.id = m.community_id
WHERE m.workspace_id = %(ws)s{members}
"""

KEPT_STAYS = """
SELECT member_id, community_id, kind, join_day AS jd, left_week AS lw, left_day AS ld, source AS src,
    channel AS ch
FROM {stays}
WHERE workspace_id = %(ws)s{members}
"""

# A member's share of the cells, from stays (member_id, community_id, kind, jd, lw): cohort entries
# and the spans of weeks held ({iv}: the stays' weeks, or in mode active the weeks with activity).
SHARE = """
WITH st AS ({stays}),
sc AS (
    SELECT member_id, '' AS kind, 0 AS grp, jd, lw FROM st
    UNION ALL SELECT member_id, kind, 0, jd, lw FROM st
    UNION ALL SELECT member_id, '', community_id, jd, lw FROM st
),
days AS (SELECT DISTINCT member_id, kind, grp, jd FROM sc{entry_scopes}),
entries AS (
    SELECT member_id, kind, grp, jd, jd / 7 AS cw,
        COALESCE(LAG(jd) OVER (PARTITION BY member_id, kind, grp ORDER BY jd), {no_prev}) AS prev
    FROM days
),
iv AS ({iv}),
marked AS (
    SELECT member_id, kind, grp, a, b,
        CASE WHEN a <= {adjacent}MAX(b) OVER (
            PARTITION BY member_id, kind, grp ORDER BY a, b ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) THEN 0 ELSE 1 END AS starts
    FROM iv
),
islands AS (
    SELECT member_id, kind, grp, a, b,
        SUM(starts) OVER (PARTITION BY member_id, kind, grp ORDER BY a, b ROWS UNBOUNDED PRECEDING) AS island
    FROM marked
),
spans AS (
    SELECT member_id, kind, grp, MIN(a) AS a, MAX(b) AS b FROM islands GROUP BY member_id, kind, grp, island
),
parts AS (
    SELECT kind, grp, jd, prev, cw AS week, 0 AS d, 1 AS n FROM entries
    UNION ALL
    SELECT e.kind, e.grp, e.jd, e.prev, CASE WHEN s.a > e.cw THEN s.a ELSE e.cw END, 1, 0
    FROM entries e JOIN spans s ON s.member_id = e.member_id AND s.kind = e.kind AND s.grp = e.grp
    WHERE s.b >= e.cw
    UNION ALL
    SELECT e.kind, e.grp, e.jd, e.prev, s.b + 1, -1, 0
    FROM entries e JOIN spans s ON s.member_id = e.member_id AND s.kind = e.kind AND s.grp = e.grp
    WHERE s.b >= e.cw AND s.b < {open}
)
SELECT kind, grp, jd, prev, week, SUM(d) AS d, SUM(n) AS n FROM parts GROUP BY kind, grp, jd, prev, week
"""

# The cells' columns and the share's: retention cells (both modes) and open cells.
RETENTION_KEYS = {"kind": "kind", '"group"': "grp", "day": "jd", "prev": "prev", "week": "week"}
RETENTION_COUNTS = {"change": "d", "size": "n"}
OPEN_KEYS = {"kind": "kind", '"group"': "grp", "source": "src", "day": "day"}
OPEN_COUNTS = {"change": "c"}

# The overview's "memberships active at the start" (overview_summary.py) from the same stays, per
# scope, join source ("" for all) and day: +1 on the join day, -1 on the day the stay ended (its
# join day when the end was recorded before the join), so the cells before a day add up to the
# memberships joined before it and not ended before it.
OPEN_SHARE = """
WITH st AS ({stays}),
sc AS (
    SELECT '' AS kind, 0 AS grp, src, jd, ld FROM st
    UNION ALL SELECT kind, 0, src, jd, ld FROM st
    UNION ALL SELECT '', community_id, src, jd, ld FROM st
),
ss AS (SELECT kind, grp, '' AS src, jd, ld FROM sc UNION ALL SELECT kind, grp, src, jd, ld FROM sc),
parts AS (
    SELECT kind, grp, src, jd AS day, 1 AS c FROM ss
    UNION ALL SELECT kind, grp, src, CASE WHEN ld < jd THEN jd ELSE ld END, -1 FROM ss WHERE ld IS NOT NULL
)
SELECT kind, grp, src, day, SUM(c) AS c FROM parts GROUP BY kind, grp, src, day
"""

READ = """
SELECT jd / 7 AS cw, week - jd / 7 AS k, SUM(d), SUM(n) FROM (
    SELECT day AS jd, week, change AS d, size AS n FROM {cells}
    WHERE workspace_id = %(ws)s AND kind = %(kind)s AND "group" = %(grp)s
        AND day >= %(first)s AND day < %(last)s AND prev < %(first)s
    {corrections}
) x
GROUP BY jd / 7, week - jd / 7
"""

CORRECTION = """
    UNION ALL
    SELECT jd, week, {sign} d, {sign} n FROM ({share}) {alias}
    WHERE kind = %(kind)s AND grp = %(grp)s AND jd >= %(first)s AND jd < %(last)s AND prev < %(first)s
"""


def _params(workspace: Workspace) -> dict:
    return {"ws": workspace.pk, "tz": workspace.timezone, "conn_tz": connection.timezone_name}


def live_stays(workspace: Workspace, members: str) -> str:
    return LIVE_STAYS.format(
        membership=sql.TABLES["membership"],
        community=sql.TABLES["community"],
        join_day=sql.day_of("m.joined_at", workspace.timezone),
        left_week=sql.week_of("m.left_at", workspace.timezone),
        left_day=sql.day_of("m.left_at", workspace.timezone),
        members=members,
    )


HELD_WEEKS = """
    SELECT member_id, kind, grp, jd / 7 AS a, COALESCE(lw - 1, {open}) AS b
    FROM sc WHERE lw IS NULL OR lw - 1 >= jd / 7
"""

# Mode active: each week with a message or an activity (rows member_id, kind, day; kind "" for an
# activity outside any group) is held, in all groups and in its kind; a run of weeks is one span.
# Cohort entries of all groups and of each kind only: one group's triangle is counted live.
ACTIVE_WEEKS = """
    SELECT DISTINCT member_id, '' AS kind, 0 AS grp, day / 7 AS a, day / 7 AS b FROM ({rows}) r
    UNION SELECT DISTINCT member_id, kind, 0, day / 7, day / 7 FROM ({rows}) r WHERE kind <> ''
"""


def _share(stays: str) -> str:
    return SHARE.format(
        stays=stays, no_prev=NO_PREV, open=OPEN, iv=HELD_WEEKS.format(open=OPEN), adjacent="", entry_scopes=""
    )


def active_share(stays: str, active_rows: str) -> str:
    """The mode-active cells' share: the same cohort entries, the weeks with activity held."""
    return SHARE.format(
        stays=stays,
        no_prev=NO_PREV,
        open=OPEN,
        iv=ACTIVE_WEEKS.format(rows=active_rows),
        adjacent="1 + ",  # consecutive weeks make one span
        entry_scopes=" WHERE grp = 0",
    )


def open_share(stays: str) -> str:
    return OPEN_SHARE.format(stays=stays)


def kept_stays(members: str) -> str:
    return KEPT_STAYS.format(stays=STAYS, members=members)


# --- keeping it -------------------------------------------------------------------------------


def _kept_cells(kept: str, members: list[int] | None) -> list[tuple[str, dict, dict, str]]:
    """The cells kept from the stays (and the kept active days): each with its key and count
    columns and the members' share of it."""
    return [
        (CELLS, RETENTION_KEYS, RETENTION_COUNTS, _share(kept)),
        (OPEN_CELLS, OPEN_KEYS, OPEN_COUNTS, open_share(kept)),
        (ACTIVE_CELLS, RETENTION_KEYS, RETENTION_COUNTS, active_share(kept, day_cells.kept_active(members))),
    ]


def _recount(workspace: Workspace, members: list[int] | None) -> None:
    """Take `members`' share (None: everyone's) out of the cells as last counted, copy their stays
    (and active days) again from the memberships (messages, activities) and add the new share."""
    params = _params(workspace)
    kept = KEPT_STAYS.format(stays=STAYS, members=sql.members_in("member_id", members))
    for cells, keys, counts, share in _kept_cells(kept, members):
        if members is None:
            sql.execute(f"DELETE FROM {cells} WHERE workspace_id = %(ws)s", params)
        else:
            sql.add_share(cells, keys=keys, counts=counts, share=share, sign="-", params=params)
    day_cells.take_out(params, kept, members)
    sql.execute(
        f"DELETE FROM {STAYS} WHERE workspace_id = %(ws)s{sql.members_in('member_id', members)}", params
    )
    live = live_stays(workspace, sql.members_in("m.member_id", members))
    sql.execute(
        f"INSERT INTO {STAYS} (workspace_id, member_id, community_id, kind, join_day, left_week, left_day, "
        f"source, channel) SELECT %(ws)s, member_id, community_id, kind, jd, lw, ld, src, ch FROM ({live}) x",
        params,
    )
    day_cells.put_in(workspace, params, kept, members)  # first: it copies the active days read below
    for cells, keys, counts, share in _kept_cells(kept, members):
        sql.add_share(cells, keys=keys, counts=counts, share=share, sign="", params=params)
        emptied = " AND ".join(f"{column} = 0" for column in counts)
        sql.execute(f"DELETE FROM {cells} WHERE workspace_id = %(ws)s AND {emptied}", params)


def _hash_joins(cursor) -> None:
    """PostgreSQL, for the rest of the transaction: a member's share joins its cohort entries to
    its spans, both from CTEs the planner guesses at 1 row, so it would loop over one for each row
    of the other; with the stays picked by id (index scans) nothing needs a nested loop."""
    cursor.execute(
        "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true), "
        "set_config('enable_nestloop', 'off', true)"
    )


def _lock() -> None:
    """One refresh at a time (PostgreSQL; SQLite writers are serialised anyway), with room to sort."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('dashboards.retention_summary'))")
            _hash_joins(cursor)


def refresh(*, batch: int = BATCH, max_batches: int = 1_000_000, seconds: float | None = 50.0) -> int:
    """Recount the queued members, `batch` at a time (each in its own transaction); the number of
    members recounted. A write that lands meanwhile queues its member again, so nothing is missed.
    Stops after `seconds` (the beat task runs every minute; the rest waits for the next run)."""
    done, started = 0, time.monotonic()
    for _ in range(max_batches):
        if seconds is not None and time.monotonic() - started > seconds:
            return done
        with transaction.atomic():
            _lock()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, workspace_id, member_id FROM {QUEUE} ORDER BY id LIMIT %s", [batch]
                )
                rows = cursor.fetchall()
                if not rows:
                    return done
                ids = [row[0] for row in rows]
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    cursor.execute(
                        f"DELETE FROM {QUEUE} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk
                    )
            by_workspace: dict[int, set[int]] = {}
            for _id, workspace_id, member_id in rows:
                by_workspace.setdefault(workspace_id, set()).add(member_id)
            for workspace in Workspace.objects.filter(pk__in=by_workspace):
                members = sorted(by_workspace[workspace.pk])
                _recount(workspace, members)
                done += len(members)
    return done


def rebuild(workspace: Workspace) -> None:
    """Count a workspace from scratch (`manage.py dashboards_summary`): its queue is emptied first,
    so a write that lands during the rebuild is queued again and recounted by the next refresh."""
    with transaction.atomic():
        _lock()
        sql.execute(f"DELETE FROM {QUEUE} WHERE workspace_id = %(ws)s", _params(workspace))
        _recount(workspace, None)


# --- reading it -------------------------------------------------------------------------------


def answerable(filters: PanelFilters) -> bool:
    """Whether the summary answers these filters (else the live query does)."""
    zone = ZoneInfo(filters.workspace.timezone)
    return (
        (filters.mode != "active" or not filters.group_ids)  # one group's activity is not kept
        and not filters.source
        and not filters.campaign
        and filters.start == local_midnight(filters.start.astimezone(zone).date(), zone)
        and filters.end == local_midnight(filters.end.astimezone(zone).date(), zone)
    )


def cell_scope(filters: PanelFilters) -> tuple[str, int] | None:
    """(kind, group) of the cells; None when a group of another kind is asked for (no cohorts)."""
    if not filters.group_ids:
        return filters.kind, 0
    group = filters.group_ids[0]
    if (
        filters.kind
        and not Community.objects.filter(pk=group, workspace=filters.workspace, kind=filters.kind).exists()
    ):
        return None
    return "", group


def queued(workspace: Workspace, limit: int = MAX_QUEUED) -> list[int]:
    """The workspace's queued members (at most limit + 1 of them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT member_id FROM {QUEUE} WHERE workspace_id = %s LIMIT %s",
            [workspace.pk, limit + 1],
        )
        return [int(row[0]) for row in cursor.fetchall()]


def _read_query(workspace: Workspace, *, corrected: list[int], active: bool = False) -> str:
    corrections = ""
    if corrected:
        # The ids are written out (integers): the planner then knows how few rows to expect.
        kept = KEPT_STAYS.format(stays=STAYS, members=sql.members_in("member_id", corrected))
        live = live_stays(workspace, sql.members_in("m.member_id", corrected))
        if active:
            kept_share = active_share(kept, day_cells.kept_active(corrected))
            live_share = active_share(live, day_cells.live_active(workspace, corrected))
        else:
            kept_share, live_share = _share(kept), _share(live)
        corrections = CORRECTION.format(sign="-", share=kept_share, alias="o") + CORRECTION.format(
            sign="", share=live_share, alias="l"
        )
    return READ.format(cells=ACTIVE_CELLS if active else CELLS, corrections=corrections)


def read_params(filters: PanelFilters, scope: tuple[str, int]) -> dict:
    zone = filters.start.tzinfo
    day0 = dt.date(2000, 1, 3)
    return {
        **_params(filters.workspace),
        "kind": scope[0],
        "grp": scope[1],
        "first": (filters.start.astimezone(zone).date() - day0).days,
        "last": (filters.end.astimezone(zone).date() - day0).days,
    }


def explain(filters: PanelFilters) -> str:
    """EXPLAIN ANALYZE of the summary's read (PostgreSQL), for the benchmark's notes."""
    scope = cell_scope(filters) or ("", 0)
    corrected = queued(filters.workspace)
    with sql.tuned(), connection.cursor() as cursor:
        _hash_joins(cursor)
        return sql.explain(_read_query(filters.workspace, corrected=corrected), read_params(filters, scope))


def read(filters: PanelFilters, now_week: int) -> list[tuple[int, int, list[int]]] | None:
    """[(cohort week, size, [held at the end of week k, k = 0..ended])], or None when too many
    members are queued (the caller then runs the live query)."""
    scope = cell_scope(filters)
    if scope is None:
        return []
    workspace = filters.workspace
    params = read_params(filters, scope)
    with sql.tuned():
        members = queued(workspace)
        if len(members) > MAX_QUEUED:
            return None
        if members and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                _hash_joins(cursor)
        rows = sql.fetch(_read_query(workspace, corrected=members, active=filters.mode == "active"), params)
    sizes: dict[int, int] = {}
    changes: dict[int, dict[int, int]] = {}
    for cw, k, d, n in rows:
        cw, k = int(cw), int(k)
        sizes[cw] = sizes.get(cw, 0) + int(n or 0)
        changes.setdefault(cw, {})[k] = changes.setdefault(cw, {}).get(k, 0) + int(d or 0)
    out = []
    for cw in sorted(sizes):
        if sizes[cw] <= 0:
            continue
        held, values = 0, []
        for k in range(max(0, now_week - cw)):
            held += changes[cw].get(k, 0)
            values.append(held)
        out.append((cw, sizes[cw], values))
    return out
