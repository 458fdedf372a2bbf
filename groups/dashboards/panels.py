"""The dashboards' own panels (overview, retention, health), registered in suo.panels from ready().

Each build function calls a selector and returns its rows unchanged: the chart, the table and the
CSV export are all drawn from them.
"""

from django.utils.translation import gettext_lazy as _

from groups.dashboards import health, retention, selectors
from groups.models import CommunityKind, CommunityState, JoinSource
from suo.panels import Chart, Column, Panel, PanelData, PanelFilters, choice_labels, register_panel

RATE_NOTE = _(
    "Exit rate = memberships ended in the period ÷ memberships active at its start; kicked includes "
    "banned, voluntary is “left”. Conversion = new members holding a paid entitlement granted after "
    "their join (not revoked) ÷ new members. Click rate = unique link clicks ÷ new members."
)


def kpis(filters: PanelFilters) -> PanelData:
    totals = selectors.overview_totals(filters=filters)
    labels = [
        ("new_members", _("New members"), "number"),
        ("active_members", _("Active members"), "number"),
        ("members_at_start", _("Memberships at the start"), "number"),
        ("exits", _("Memberships ended"), "number"),
        ("exit_rate", _("Exit rate"), "percent"),
        ("exit_rate_kicked", _("Exit rate: kicked"), "percent"),
        ("exit_rate_voluntary", _("Exit rate: voluntary"), "percent"),
        ("converted", _("Converted members"), "number"),
        ("conversion_rate", _("Conversion rate"), "percent"),
        ("clicks", _("Unique clicks"), "number"),
        # Unique clicks ÷ new members is often above 1: a number per member, not a percentage.
        ("click_rate", _("Clicks per new member"), "decimal"),
    ]
    return PanelData(
        columns=[Column("figure", _("Figure"), "text"), Column("value", _("Value"), "auto")],
        rows=[
            {"figure": label, "value": totals[key], "kind": kind, "key": key} for key, label, kind in labels
        ],
        note=RATE_NOTE,
    )


def _date_column(filters: PanelFilters) -> Column:
    return Column("date", _("Week (Monday)") if filters.interval == "week" else _("Day"), "date")


def new_members(filters: PanelFilters) -> PanelData:
    sources = [(f"source_{value}", label) for value, label in JoinSource.choices]
    return PanelData(
        columns=[
            _date_column(filters),
            Column("new_members", _("New members")),
            *(Column(key, label) for key, label in sources),
        ],
        rows=selectors.overview_series(filters=filters),
        chart=Chart(type="bar", x="date", series=tuple(key for key, _label in sources), stacked=True),
        note=_("Distinct members who joined a group of the filter, by join source."),
    )


def active_members(filters: PanelFilters) -> PanelData:
    return PanelData(
        columns=[_date_column(filters), Column("active_members", _("Active members"))],
        rows=[
            {"date": r["date"], "active_members": r["active_members"]}
            for r in selectors.overview_series(filters=filters)
        ],
        chart=Chart(type="line", x="date", series=("active_members",)),
        note=_("DAU per day, WAU per week: members with a message or an activity event."),
    )


def exits(filters: PanelFilters) -> PanelData:
    rows = [
        {
            "date": r["date"],
            "left": r["left"],
            "kicked": r["kicked"],
            "voluntary": r["voluntary"],
            "other": r["left"] - r["kicked"] - r["voluntary"],
        }
        for r in selectors.overview_series(filters=filters)
    ]
    return PanelData(
        columns=[
            _date_column(filters),
            Column("left", _("Memberships ended")),
            Column("kicked", _("Kicked or banned")),
            Column("voluntary", _("Left by themselves")),
            Column("other", _("Migrated or archived")),
        ],
        rows=rows,
        chart=Chart(type="bar", x="date", series=("kicked", "voluntary", "other"), stacked=True),
        note=RATE_NOTE,
    )


def channels(filters: PanelFilters) -> PanelData:
    return PanelData(
        columns=[Column("channel", _("Channel"), "text"), Column("new_members", _("New members"))],
        rows=selectors.new_members_by_channel(filters=filters),
        chart=Chart(type="bar", x="channel", series=("new_members",)),
        note=_("The channel recorded on the join (e.g. a link's channel label); empty when none was given."),
    )


def retention_triangle(filters: PanelFilters) -> PanelData:
    cohorts = retention.retention_cohorts(filters=filters)
    width = max((len(c.values) for c in cohorts), default=0)
    columns = [Column("cohort", _("Cohort (week of first join)"), "date"), Column("size", _("Members"))]
    columns += [Column(f"w{k}", _("Week %(k)s") % {"k": k}, "percent") for k in range(width)]
    rows = [
        {"cohort": c.cohort, "size": c.size, **{f"w{k}": value for k, value in enumerate(c.values)}}
        for c in cohorts
    ]
    note = (
        _("Share of each cohort with at least one message or activity in week k.")
        if filters.mode == "active"
        else _(
            "Share of each cohort still in a group of the filter at the end of week k (k = 0: the join week)."
        )
    )
    return PanelData(
        columns=columns,
        rows=rows,
        chart=Chart(type="line", x="cohort", series=tuple(c.key for c in columns[2:]), transpose=True),
        note=note,
    )


def group_health(filters: PanelFilters) -> PanelData:
    rows = choice_labels(
        health.group_health(filters=filters), kind=CommunityKind.choices, state=CommunityState.choices
    )
    return PanelData(
        columns=[
            Column("name", _("Group"), "text"),
            Column("kind", _("Kind"), "text"),
            Column("state", _("State"), "text"),
            Column("size", _("Members")),
            Column("growth", _("Growth (joins − leaves)")),
            Column("messages_per_member_week", _("Messages per member per week"), "decimal"),
            Column("exit_rate", _("Exit rate"), "percent"),
            Column("violations_per_100", _("Violations per 100 members"), "decimal"),
            Column("cold", _("Cold"), "bool"),
        ],
        rows=rows,
        chart=Chart(type="bar", x="name", series=("messages_per_member_week",)),
        note=_(
            "Size at the end of the period; messages per member per week = messages ÷ size ÷ weeks; "
            "cold: under the workspace's threshold for N weeks in a row (checked every few hours)."
        ),
    )


def register() -> None:
    for panel in (
        Panel("dashboards.kpis", _("Key figures"), "overview", kpis, order=10),
        Panel("dashboards.new_members", _("New members by join source"), "overview", new_members, order=20),
        Panel("dashboards.channels", _("New members by channel"), "overview", channels, order=30),
        Panel(
            "dashboards.active_members", _("Active members (DAU / WAU)"), "overview", active_members, order=40
        ),
        Panel("dashboards.exits", _("Exits: kicked and voluntary"), "overview", exits, order=50),
        Panel("dashboards.retention", _("Retention by join week"), "retention", retention_triangle, order=10),
        Panel("dashboards.health", _("Group health"), "health", group_health, order=10),
    ):
        register_panel(panel)
