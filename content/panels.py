"""The content panel of the dashboards: top items by engagement rate in the chosen dates."""

from django.utils.translation import gettext_lazy as _

from content.models import Category
from content.selectors import top_items
from suo.panels import Chart, Column, Panel, PanelData, PanelFilters, choice_labels


def build_top_items(filters: PanelFilters) -> PanelData:
    rows = choice_labels(
        top_items(workspace=filters.workspace, start=filters.start, end=filters.end),
        category=Category.choices,
    )
    return PanelData(
        columns=[
            Column("title", _("Content item"), "text"),
            Column("category", _("Purpose"), "text"),
            Column("posts", _("Posts")),
            Column("reach", _("Reach")),
            Column("open_rate", _("Open rate"), "percent"),
            Column("interaction_rate", _("Interaction rate"), "percent"),
            Column("share_rate", _("Share rate"), "percent"),
            Column("engagement_rate", _("Engagement rate"), "percent"),
        ],
        rows=rows,
        chart=Chart(type="bar", x="title", series=("engagement_rate", "open_rate")),
        note=_(
            "Posts sent in the period. Rates are per member reached (group size when sent); "
            "engagement = (interactions + shares) ÷ reach."
        ),
    )


TOP_ITEMS_PANEL = Panel(
    key="content.top_items",
    title=_("Top content by rate"),
    section="content",
    build=build_top_items,
    order=10,
)
