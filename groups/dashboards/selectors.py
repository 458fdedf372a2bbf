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
from groups.dashboards.models import DayCell
from groups.dashboards.overview_sql import (
    ACTIVE_COUNT,
    ACTIVE_MEMBERS,
    ACTIVE_MEMBERS_ONLY,
    AT_START,
    BY_CHANNEL,
    CONVERTED,
    ENDED,
    JOINED_THAT_WAY,
    LEAVES,
    LEAVES_ONLY,
    MEMBERS_IN_PERIOD,
    NEW_AND_CONVERTED,
    SERIES,
    SERIES_PER_BUCKET,
)
from groups.models import Entitlement, JoinSource, LeaveReason
from suo.panels import PanelFilters, figure_total


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
    with sql.tuned():
        at_start = overview_summary.members_at_start(filters)
        cells = overview_summary.distinct_members(filters)
        if cells is None:
            ((new, converted),) = sql.fetch(
                NEW_AND_CONVERTED.format(members_in_period=members, **parts), params
            )
        else:
            new = cells.get((DayCell.JOINED, 0, filters.source), 0)
            ((converted,),) = sql.fetch(CONVERTED.format(**parts), params)
        if cells is None or filters.source:
            ((active,),) = sql.fetch(ACTIVE_COUNT.format(**parts), params)
        else:
            active = cells.get((DayCell.ACTIVE, 0, ""), 0)
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
    buckets = _bucket_range(filters, divisor)
    params["first_bucket"], params["last_bucket"] = buckets.start, buckets.stop - 1
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
    for bucket in range(first, last + 1):
        day = dt.date(2000, 1, 3) + dt.timedelta(bucket * divisor)
        following = day + dt.timedelta(divisor)
        bounds["numbers"].append(bucket)
        bounds["first_days"].append(max(day, first_day))
        bounds["end_days"].append(min(following, end_day))
        bounds["starts"].append(max(local_midnight(day, zone), filters.start))
        bounds["ends"].append(min(local_midnight(following, zone), filters.end))
    return {f"bucket_{key}": values for key, values in bounds.items()}


SERIES_KEYS = ["new_members", "active_members", "left", "kicked", "voluntary"]


def _bucket_range(filters: PanelFilters, divisor: int) -> range:
    """The period's day (or week) numbers; the first at least, as the recursive CTE gives."""
    zone = filters.start.tzinfo
    first = filters.start.astimezone(zone).date()
    last = (filters.end.astimezone(zone) - dt.timedelta(days=1)).date()
    number = sql.week_number if divisor == 7 else (lambda day: (day - dt.date(2000, 1, 3)).days)
    return range(number(first), max(number(first), number(last)) + 1)


def _series_from_cells(filters: PanelFilters) -> list[dict] | None:
    """The series with its new and active members from the day cells (the leaves from their index),
    or None when the cells do not answer (a source filter among them: its active members are those
    who joined that way)."""
    divisor = 7 if filters.interval == "week" else 1
    if filters.source:
        return None
    params, parts = _params(filters), _fragments(filters, divisor=divisor)
    with sql.tuned():
        cells = overview_summary.distinct_members(filters, divisor=divisor)
        if cells is None:
            return None
        leaves = {
            int(b): (int(n), int(kicked), int(voluntary))
            for b, n, kicked, voluntary in sql.fetch(
                LEAVES_ONLY.format(leaves=LEAVES.format(**parts)), params
            )
        }
    return [
        {
            "date": _bucket_date(filters, bucket),
            **dict(
                zip(
                    SERIES_KEYS,
                    (
                        cells.get((DayCell.JOINED, bucket, ""), 0),
                        cells.get((DayCell.ACTIVE, bucket, ""), 0),
                        *leaves.get(bucket, (0, 0, 0)),
                    ),
                    strict=True,
                )
            ),
            **{f"source_{s}": cells.get((DayCell.JOINED, bucket, s), 0) for s in JoinSource.values},
        }
        for bucket in _bucket_range(filters, divisor)
    ]


def _overview_series(filters: PanelFilters) -> list[dict]:
    from_cells = _series_from_cells(filters)
    if from_cells is not None:
        return from_cells
    template, params = _series_query(filters)
    sources = JoinSource.values
    keys = [*SERIES_KEYS, *(f"source_{s}" for s in sources)]
    return [
        {
            "date": _bucket_date(filters, int(row[0])),
            **{key: int(value) for key, value in zip(keys, row[1:], strict=True)},
        }
        for row in sql.fetch_tuned(template, params)
    ]


def new_members_by_channel(*, filters: PanelFilters) -> list[dict]:
    """Distinct new members per join channel ("" for none), most first, then by channel (in code
    point order, whatever the database's collation)."""
    with sql.tuned():
        counts = overview_summary.new_members_by_channel(filters)
        if counts is None:
            params, parts = _params(filters), _fragments(filters)
            counts = {channel: int(n) for channel, n in sql.fetch(BY_CHANNEL.format(**parts), params)}
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"channel": channel, "new_members": n} for channel, n in ranked]


def overview_explain(*, filters: PanelFilters) -> dict[str, str]:
    """EXPLAIN ANALYZE of each overview query (PostgreSQL), for the benchmark's notes: those the
    page runs (from the summary cells where they answer), then the live ones the cells replace."""
    divisor = 7 if filters.interval == "week" else 1
    params, parts = _params(filters), _fragments(filters)
    members = MEMBERS_IN_PERIOD.format(**parts)
    leaves = LEAVES_ONLY.format(leaves=LEAVES.format(**_fragments(filters, divisor=divisor)))
    return {
        "new and active members (day cells)": overview_summary.explain_distinct(filters),
        "converted": sql.explain(CONVERTED.format(**parts), params),
        "members_at_start (open cells)": overview_summary.explain(filters),
        "ended": sql.explain(ENDED.format(**parts), params),
        "series new and active members (day cells)": overview_summary.explain_distinct(
            filters, divisor=divisor
        ),
        "series leaves": sql.explain(leaves, params),
        "new_and_converted (live, without the cells)": sql.explain(
            NEW_AND_CONVERTED.format(members_in_period=members, **parts), params
        ),
        "active (live, without the cells)": sql.explain(ACTIVE_COUNT.format(**parts), params),
        "series (live, without the cells)": sql.explain(*_series_query(filters)),
        "members_at_start (live, without the cells)": sql.explain(AT_START.format(**parts), params),
    }
