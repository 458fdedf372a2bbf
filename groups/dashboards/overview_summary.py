"""The overview's "memberships active at the start of the period" (the exit rate's denominator) from
the open cells (issue 15, performance): instead of visiting every membership still open, it adds up
the cells of the days before the period, +1 per membership on its join day and -1 on the day it
ended, i.e. the memberships joined before the start and not ended before it.

The cells are kept by summary.py's refresh, from the same stays as the retention cells. Exact like
the retention triangle's read: members still queued are corrected in the same statement (their share
as last counted out, their live share in). They answer whole-day periods with the group, kind and
source filters; with a campaign filter, or too many members queued, the caller counts live.
"""

import dataclasses

from groups.dashboards import sql, summary
from suo.panels import PanelFilters

AT_START = """
SELECT COALESCE(SUM(c), 0) FROM (
    SELECT change AS c FROM {cells}
    WHERE workspace_id = %(ws)s AND kind = %(kind)s AND "group" = %(grp)s AND source = %(src)s
        AND day < %(first)s
    {corrections}
) x
"""

CORRECTION = """
    UNION ALL
    SELECT {sign} c FROM ({share}) {alias}
    WHERE kind = %(kind)s AND grp = %(grp)s AND src = %(src)s AND day < %(first)s
"""


def answerable(filters: PanelFilters) -> bool:
    """Whole days, no campaign filter (the cells count by join source; the retention mode does not
    matter here)."""
    return summary.answerable(dataclasses.replace(filters, mode="membership", source=""))


def _params(filters: PanelFilters, scope: tuple[str, int]) -> dict:
    return {**summary.read_params(filters, scope), "src": filters.source}


def _query(filters: PanelFilters, corrected: list[int]) -> str:
    corrections = ""
    if corrected:
        kept = summary.kept_stays(summary.members_in("member_id", corrected))
        live = summary.live_stays(filters.workspace, summary.members_in("m.member_id", corrected))
        corrections = CORRECTION.format(sign="-", share=summary.open_share(kept), alias="o")
        corrections += CORRECTION.format(sign="", share=summary.open_share(live), alias="l")
    return AT_START.format(cells=summary.OPEN_CELLS, corrections=corrections)


def members_at_start(filters: PanelFilters) -> int | None:
    """Memberships active at the start of the period, or None when the cells do not answer these
    filters or too many members are queued (the caller then counts live)."""
    if not answerable(filters):
        return None
    scope = summary.cell_scope(filters)
    if scope is None:  # a group of another kind than the filter's: nothing matches
        return 0
    with sql.tuned():
        members = summary.queued(filters.workspace)
        if len(members) > summary.MAX_QUEUED:
            return None
        ((count,),) = sql.fetch(_query(filters, members), _params(filters, scope))
    return int(count)


def explain(filters: PanelFilters) -> str:
    """EXPLAIN ANALYZE of the cells' read (PostgreSQL), for the benchmark's notes."""
    scope = summary.cell_scope(filters) or ("", 0)
    corrected = summary.queued(filters.workspace)
    return sql.explain(_query(filters, corrected), _params(filters, scope))
