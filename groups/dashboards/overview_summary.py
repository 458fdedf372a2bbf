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

from groups.dashboards import day_cells, sql, summary
from groups.dashboards.models import DayCell
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
        kept = summary.kept_stays(sql.members_in("member_id", corrected))
        live = summary.live_stays(filters.workspace, sql.members_in("m.member_id", corrected))
        corrections = CORRECTION.format(sign="-", share=summary.open_share(kept), alias="o")
        corrections += CORRECTION.format(sign="", share=summary.open_share(live), alias="l")
    return AT_START.format(cells=summary.OPEN_CELLS, corrections=corrections)


def members_at_start(filters: PanelFilters) -> int | None:
    """Memberships active at the start of the period, or None when the cells do not answer these
    filters or too many members are queued (the caller then counts live). Run in the caller's
    `sql.tuned()` block, as distinct_members."""
    if not answerable(filters):
        return None
    scope = summary.cell_scope(filters)
    if scope is None:  # a group of another kind than the filter's: nothing matches
        return 0
    members = queued(filters)
    if len(members) > summary.MAX_QUEUED:
        return None
    ((count,),) = sql.fetch(_query(filters, members), _params(filters, scope))
    return int(count)


def queued(filters: PanelFilters) -> list[int]:
    """The workspace's queued members, read once for all the figures of one request's filters."""
    kept = filters.__dict__.get("_queued")
    if kept is None:
        kept = summary.queued(filters.workspace)
        object.__setattr__(filters, "_queued", kept)  # frozen: a cache, not a change
    return kept


def explain(filters: PanelFilters) -> str:
    """EXPLAIN ANALYZE of the cells' read (PostgreSQL), for the benchmark's notes."""
    scope = summary.cell_scope(filters) or ("", 0)
    corrected = summary.queued(filters.workspace)
    return sql.explain(_query(filters, corrected), _params(filters, scope))


# --- distinct members joined / active, from the day cells (day_cells.py) ------------------------

DISTINCT = """
SELECT measure, {bucket} AS b, src, SUM(n) FROM (
    SELECT measure, day, {label} AS src, n FROM {cells}
    WHERE workspace_id = %(ws)s AND measure IN ({measures}) AND kind = %(kind)s{sources}
        AND day >= %(first)s AND day < %(last)s AND prev < {bucket_first}
    {corrections}
) x
GROUP BY measure, {group_by}src
"""

DISTINCT_CORRECTION = """
    UNION ALL
    SELECT measure, day, {share_label}, {sign} n FROM ({share}) {alias}
    WHERE measure IN ({measures}) AND kind = %(kind)s{sources}
        AND day >= %(first)s AND day < %(last)s AND prev < {bucket_first}
"""


def _measures(filters: PanelFilters) -> list[str]:
    """With a source filter, the active members are those who joined that way: counted live."""
    return [DayCell.JOINED] if filters.source else [DayCell.JOINED, DayCell.ACTIVE]


def _distinct_query(
    filters: PanelFilters, corrected: list[int], divisor: int | None, *, by_channel: bool = False
) -> str:
    """By source (joined, active) or, `by_channel`, by join channel (the third column)."""
    measures = [DayCell.CHANNEL] if by_channel else _measures(filters)
    # A total (or one source) reads its source's cells; a series reads every source's (the active
    # members have only "").
    sources = " AND source = %(src)s" if filters.source or divisor is None else ""
    parts = {
        "bucket": "0" if divisor is None else f"(day / {divisor})",
        "bucket_first": "%(first)s" if divisor is None else day_cells.bucket_first(divisor),
        "measures": ", ".join(f"'{measure}'" for measure in measures),
    }
    corrections = ""
    if corrected:
        kept = day_cells.joined_share(summary.kept_stays(sql.members_in("member_id", corrected)))
        live = day_cells.joined_share(
            summary.live_stays(filters.workspace, sql.members_in("m.member_id", corrected))
        )
        shares = [("-", kept, "oj"), ("", live, "lj")]
        if DayCell.ACTIVE in measures:
            kept = day_cells.active_share(day_cells.kept_active(corrected))
            live = day_cells.active_share(day_cells.live_active(filters.workspace, corrected))
            shares += [("-", kept, "oa"), ("", live, "la")]
        for sign, share, alias in shares:
            corrections += DISTINCT_CORRECTION.format(
                sign=sign,
                share=share,
                alias=alias,
                share_label="ch" if by_channel else "src",
                sources=sources.replace("source", "src"),
                **parts,
            )
    return DISTINCT.format(
        cells=day_cells.DAY_CELLS,
        label="channel" if by_channel else "source",
        sources=sources,
        corrections=corrections,
        group_by="" if divisor is None else f"{parts['bucket']}, ",
        **parts,
    )


def _distinct_params(filters: PanelFilters) -> dict:
    return {**summary.read_params(filters, (filters.kind, 0)), "src": filters.source}


def explain_distinct(filters: PanelFilters, *, divisor: int | None = None) -> str:
    """EXPLAIN ANALYZE of the day cells' read (PostgreSQL), for the benchmark's notes."""
    query = _distinct_query(filters, summary.queued(filters.workspace), divisor)
    return sql.explain(query, _distinct_params(filters))


def distinct_members(
    filters: PanelFilters, *, divisor: int | None = None
) -> dict[tuple[str, int, str], int] | None:
    """Distinct members who joined (DayCell.JOINED, by join source too) and who were active (ACTIVE,
    not with a source filter) in the period: {(measure, bucket, source): count}, bucket 0 for the
    whole period (divisor None), else the day (1) or week (7) numbers of a series; source "" for all
    (the filter's one when it has one). None when the cells do not answer: a group or campaign
    filter, part days, or too many members queued (the caller then counts live)."""
    if filters.group_ids or not answerable(filters):
        return None
    members = queued(filters)
    if len(members) > summary.MAX_QUEUED:
        return None
    rows = sql.fetch(_distinct_query(filters, members, divisor), _distinct_params(filters))
    return {(measure, int(b), src): int(n) for measure, b, src, n in rows}


def new_members_by_channel(filters: PanelFilters) -> dict[str, int] | None:
    """Distinct new members of the period per join channel ("" for none); None when the cells do
    not answer (as distinct_members)."""
    if filters.group_ids or not answerable(filters):
        return None
    members = queued(filters)
    if len(members) > summary.MAX_QUEUED:
        return None
    rows = sql.fetch(_distinct_query(filters, members, None, by_channel=True), _distinct_params(filters))
    return {channel: int(n) for _measure, _bucket, channel, n in rows if n}
