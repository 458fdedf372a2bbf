"""Keeping the day cells (models.DayCell): distinct members per day, joined or active, so that the
overview counts a year's distinct members by adding cells (issue 15, performance).

A member's share, per scope (all groups "" or one kind; joins also per join source, "" for all) and
per distinct day they joined (or were active) there: one entry (day, prev), prev being their
previous such day, NO_PREV for the first. The members of a period [first, last) are the entries with
first <= day < last and prev < first: each member once, on their first day in the period. For a
bucket of a series, the same with the bucket's first day.

summary.py's refresh calls take_out/put_in around its own recount, for the same queued members: the
joins come from its stays (their join day, kind and source), the active days from messages and
activity events, copied to SummaryActiveDay so that the old share can be taken out later.
"""

from django.db import connection

from groups.dashboards import sql
from suo.models import Workspace

DAY_CELLS = "dashboards_daycell"
ACTIVE_DAYS = "dashboards_summaryactiveday"
NO_PREV = -1_000_000

# Joins from stays (member_id, community_id, kind, jd, lw, ld, src, ch): measure "joined" per scope
# and source, and "channel" the same per join channel.
JOINED_SHARE = """
WITH st AS ({stays}),
sc AS (
    SELECT member_id, 'joined' AS measure, '' AS kind, '' AS src, '' AS ch, jd FROM st
    UNION SELECT member_id, 'joined', kind, '', '', jd FROM st
    UNION SELECT member_id, 'joined', '', src, '', jd FROM st
    UNION SELECT member_id, 'joined', kind, src, '', jd FROM st
    UNION SELECT member_id, 'channel', '', '', ch, jd FROM st
    UNION SELECT member_id, 'channel', kind, '', ch, jd FROM st
    UNION SELECT member_id, 'channel', '', src, ch, jd FROM st
    UNION SELECT member_id, 'channel', kind, src, ch, jd FROM st
),
e AS (
    SELECT measure, kind, src, ch, jd,
        COALESCE(LAG(jd) OVER (PARTITION BY member_id, measure, kind, src, ch ORDER BY jd), {no_prev}) AS prev
    FROM sc
)
SELECT measure, kind, src, ch, jd AS day, prev, COUNT(*) AS n FROM e GROUP BY measure, kind, src, ch, jd, prev
"""

# Active days from rows (member_id, kind, day); kind "" is an activity outside any group, which
# counts for all groups only (as the live query's "any activity when there is no group filter").
ACTIVE_SHARE = """
WITH st AS ({rows}),
sc AS (SELECT member_id, '' AS kind, day FROM st UNION SELECT member_id, kind, day FROM st WHERE kind <> ''),
e AS (
    SELECT kind, day, COALESCE(LAG(day) OVER (PARTITION BY member_id, kind ORDER BY day), {no_prev}) AS prev
    FROM sc
)
SELECT 'active' AS measure, kind, '' AS src, '' AS ch, day, prev, COUNT(*) AS n
FROM e GROUP BY kind, day, prev
"""

LIVE_ACTIVE = """
SELECT x.member_id, c.kind AS kind, {message_day} AS day
FROM {messages} x JOIN {community} c ON c.id = x.community_id
WHERE x.workspace_id = %(ws)s{message_members}
UNION
SELECT a.member_id, COALESCE(c.kind, '') AS kind, {activity_day} AS day
FROM {activity} a LEFT JOIN {community} c ON c.id = a.community_id
WHERE a.workspace_id = %(ws)s{activity_members}
"""

KEPT_ACTIVE = "SELECT member_id, kind, day FROM {active_days} WHERE workspace_id = %(ws)s{members}"

KEYS = {"measure": "measure", "kind": "kind", "source": "src", "channel": "ch", "day": "day", "prev": "prev"}


def joined_share(stays: str) -> str:
    return JOINED_SHARE.format(stays=stays, no_prev=NO_PREV)


def active_share(rows: str) -> str:
    return ACTIVE_SHARE.format(rows=rows, no_prev=NO_PREV)


def live_active(workspace: Workspace, members: list[int] | None) -> str:
    return LIVE_ACTIVE.format(
        messages=sql.TABLES["messages"],
        activity=sql.TABLES["activity"],
        community=sql.TABLES["community"],
        message_day=sql.day_index("x.day"),
        activity_day=sql.day_of("a.at", workspace.timezone),
        message_members=sql.members_in("x.member_id", members),
        activity_members=sql.members_in("a.member_id", members),
    )


def kept_active(members: list[int] | None) -> str:
    return KEPT_ACTIVE.format(active_days=ACTIVE_DAYS, members=sql.members_in("member_id", members))


def _add(params: dict, kept_stays: str, members: list[int] | None, sign: str) -> None:
    """The members' share (their joins from the kept stays, their kept active days) added or, with
    sign "-", taken out."""
    for share in (joined_share(kept_stays), active_share(kept_active(members))):
        sql.add_share(DAY_CELLS, keys=KEYS, counts={"n": "n"}, share=share, sign=sign, params=params)


def take_out(params: dict, kept_stays: str, members: list[int] | None) -> None:
    """Take the members' share as last counted out of the cells (all of the workspace's: empty)."""
    if members is None:
        sql.execute(f"DELETE FROM {DAY_CELLS} WHERE workspace_id = %(ws)s", params)
        return
    _add(params, kept_stays, members, "-")


def put_in(workspace: Workspace, params: dict, kept_stays: str, members: list[int] | None) -> None:
    """Copy the members' active days again and add their share, from stays already copied again."""
    sql.execute(
        f"DELETE FROM {ACTIVE_DAYS} WHERE workspace_id = %(ws)s{sql.members_in('member_id', members)}", params
    )
    sql.execute(
        f"INSERT INTO {ACTIVE_DAYS} (workspace_id, member_id, kind, day) "
        f"SELECT %(ws)s, member_id, kind, day FROM ({live_active(workspace, members)}) x",
        params,
    )
    _add(params, kept_stays, members, "")
    sql.execute(f"DELETE FROM {DAY_CELLS} WHERE workspace_id = %(ws)s AND n = 0", params)


def bucket_first(divisor: int) -> str:
    """The first day of a cell's bucket in a series, clipped to the period (params: first)."""
    if divisor == 1:
        return "day"
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    return f"{greatest}(%(first)s, day / {divisor} * {divisor})"
