"""Links' figures for the dashboards (registered in suo.panels from LinksConfig.ready()).

- clicks per platform: counted visits of short links and live codes in the period, by the app or
  browser that opened them;
- links: clicks, unique clicks (one per visitor, link and day) and the click rate of each link =
  unique clicks ÷ new members of the link's group in the period;
- the figure `clicks` of the overview: unique clicks of short links in the period.
With a group or kind filter only links (and live-code entries) of those groups count.
"""

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from groups.models import Community, Membership
from links.models import Click, Link
from suo.panels import Chart, Column, Figure, Panel, PanelData, PanelFilters, register_figure, register_panel


def filter_groups(filters: PanelFilters):
    """The groups of the filter, or None for "no group filter"."""
    if not filters.group_ids and not filters.kind:
        return None
    groups = Community.objects.filter(workspace=filters.workspace)
    if filters.group_ids:
        groups = groups.filter(pk__in=filters.group_ids)
    if filters.kind:
        groups = groups.filter(kind=filters.kind)
    return groups.values("pk")


def _clicks(filters: PanelFilters):
    clicks = Click.objects.filter(workspace=filters.workspace, at__gte=filters.start, at__lt=filters.end)
    groups = filter_groups(filters)
    if groups is not None:
        clicks = clicks.filter(Q(link__group__in=groups) | Q(live_code_entry__group__in=groups))
    return clicks


def unique_link_clicks(filters: PanelFilters) -> int:
    return _clicks(filters).filter(link__isnull=False, is_unique=True).count()


def clicks_by_platform(filters: PanelFilters) -> PanelData:
    names = dict(Click._meta.get_field("platform").choices)
    rows = (
        _clicks(filters)
        .values("platform")
        .annotate(clicks=Count("pk"), unique=Count("pk", filter=Q(is_unique=True)))
        .order_by("-clicks", "platform")
    )
    return PanelData(
        columns=[
            Column("platform", _("Platform"), "text"),
            Column("clicks", _("Clicks")),
            Column("unique", _("Unique visitors")),
        ],
        rows=[{**row, "platform": str(names.get(row["platform"], row["platform"]))} for row in rows],
        chart=Chart(type="bar", x="platform", series=("clicks", "unique")),
        note=_("Visits of short links and scans of live codes in the period, by the app or browser."),
    )


def link_click_rates(filters: PanelFilters) -> PanelData:
    joined = (
        Membership.objects.filter(
            community=OuterRef("group"), joined_at__gte=filters.start, joined_at__lt=filters.end
        )
        .order_by()
        .values("community")
        .annotate(n=Count("member", distinct=True))
        .values("n")
    )
    period = Q(clicks__at__gte=filters.start, clicks__at__lt=filters.end)
    links = Link.objects.filter(workspace=filters.workspace)
    groups = filter_groups(filters)
    if groups is not None:
        links = links.filter(group__in=groups)
    rows = (
        links.annotate(
            clicks_in_period=Count("clicks", filter=period),
            unique_in_period=Count("clicks", filter=period & Q(clicks__is_unique=True)),
            joined=Coalesce(Subquery(joined), 0),
            group_name=F("group__name"),
        )
        .filter(clicks_in_period__gt=0)
        .order_by("-unique_in_period", "code")
        .values("code", "title", "group_name", "clicks_in_period", "unique_in_period", "joined")[:50]
    )
    return PanelData(
        columns=[
            Column("link", _("Link"), "text"),
            Column("group", _("Group"), "text"),
            Column("clicks", _("Clicks")),
            Column("unique", _("Unique clicks")),
            Column("new_members", _("New members of the group")),
            Column("click_rate", _("Click rate"), "decimal"),
        ],
        rows=[
            {
                "link": f"{row['code']} {row['title']}".strip(),
                "group": row["group_name"] or "",
                "clicks": row["clicks_in_period"],
                "unique": row["unique_in_period"],
                "new_members": row["joined"],
                "click_rate": round(row["unique_in_period"] / row["joined"], 4) if row["joined"] else None,
            }
            for row in rows
        ],
        chart=Chart(type="bar", x="link", series=("clicks", "unique")),
        note=_(
            "Click rate = unique clicks (one per visitor, link and day) ÷ new members of the link's group "
            "in the period; the 50 links with most unique clicks."
        ),
    )


def register() -> None:
    register_figure(Figure(key="links.unique_clicks", metric="clicks", compute=unique_link_clicks))
    register_panel(
        Panel("links.click_rate", _("Links: clicks and click rate"), "content", link_click_rates, order=20)
    )
    register_panel(
        Panel("links.clicks_by_platform", _("Clicks per platform"), "content", clicks_by_platform, order=30)
    )
