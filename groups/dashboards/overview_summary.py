"""The overview's figures that the summaries answer (issue 15, performance), so a page view does not
visit every membership:

- memberships active at the start of the period (the exit rate's denominator): the open cells
  (OpenCell) of the days before it add up to the memberships joined before it and not ended before it;
- new members: the retention cells' cohort sizes. A member's cohort entries are their distinct join
  days in the scope, each with the previous one (`prev`); exactly one entry per member has its day
  in the period and its previous day before it, so the sizes of those entries count the distinct
  members with a join in the period.

Both are kept by summary.py's refresh, from the same stays. Exact like the retention triangle's read:
members still queued are corrected in the same statement (their share as last counted out, their
live share in). The summaries answer the whole-day periods and the group and kind filters; with a
source or campaign filter, or too many members queued, the caller runs the live queries.
"""

import dataclasses

from django.db import connection

from groups.dashboards import sql, summary
from suo.panels import PanelFilters

OPEN_AT_START = """
SELECT COALESCE(SUM(c), 0) FROM (
    SELECT change AS c FROM {cells}
    WHERE workspace_id = %(ws)s AND kind = %(kind)s AND "group" = %(grp)s AND day < %(first)s
    {corrections}
) x
"""

OPEN_CORRECTION = """
    UNION ALL
    SELECT {sign} c FROM ({share}) {alias} WHERE kind = %(kind)s AND grp = %(grp)s AND day < %(first)s
"""

# `week = day / 7`: a cohort entry's size is counted in the row of its own week; the other rows
# of the entry (where its held spans start and end) have size 0 and are skipped.
NEW_MEMBERS = """
SELECT COALESCE(SUM(n), 0) FROM (
    SELECT size AS n FROM {cells}
    WHERE workspace_id = %(ws)s AND kind = %(kind)s AND "group" = %(grp)s
        AND day >= %(first)s AND day < %(last)s AND prev < %(first)s AND week = day / 7
    {corrections}
) x
"""

NEW_CORRECTION = """
    UNION ALL
    SELECT {sign} n FROM ({share}) {alias}
    WHERE kind = %(kind)s AND grp = %(grp)s AND jd >= %(first)s AND jd < %(last)s AND prev < %(first)s
"""


def answerable(filters: PanelFilters) -> bool:
    """Whole days, no source or campaign filter (the retention mode does not matter here)."""
    return summary.answerable(dataclasses.replace(filters, mode="membership"))


def _query(filters: PanelFilters, corrected: list[int]) -> str:
    open_corrections = new_corrections = ""
    if corrected:
        kept = summary.kept_stays(summary.members_in("member_id", corrected))
        live = summary.live_stays(filters.workspace, summary.members_in("m.member_id", corrected))
        for sign, stays, alias in (("-", kept, "o"), ("", live, "l")):
            opened, cohorts = summary.open_share(stays), summary.cohort_share(stays)
            open_corrections += OPEN_CORRECTION.format(sign=sign, share=opened, alias=alias)
            new_corrections += NEW_CORRECTION.format(sign=sign, share=cohorts, alias=alias)
    at_start = OPEN_AT_START.format(cells=summary.OPEN_CELLS, corrections=open_corrections)
    new = NEW_MEMBERS.format(cells=summary.CELLS, corrections=new_corrections)
    return f"SELECT ({at_start}), ({new})"


def figures(filters: PanelFilters) -> tuple[int, int] | None:
    """(memberships active at the start, new members) of the period, or None when the summaries do
    not answer these filters or too many members are queued (the caller then counts live)."""
    if not answerable(filters):
        return None
    scope = summary.cell_scope(filters)
    if scope is None:  # a group of another kind than the filter's: nothing matches
        return 0, 0
    with sql.tuned():
        members = summary.queued(filters.workspace)
        if len(members) > summary.MAX_QUEUED:
            return None
        if members and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                summary.without_nested_loops(cursor)
        ((at_start, new),) = sql.fetch(_query(filters, members), summary.read_params(filters, scope))
    return int(at_start), int(new)


def explain(filters: PanelFilters) -> str:
    """EXPLAIN ANALYZE of the summaries' read (PostgreSQL), for the benchmark's notes."""
    scope = summary.cell_scope(filters) or ("", 0)
    corrected = summary.queued(filters.workspace)
    with sql.tuned(), connection.cursor() as cursor:
        summary.without_nested_loops(cursor)
        return sql.explain(_query(filters, corrected), summary.read_params(filters, scope))
