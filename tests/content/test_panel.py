"""The content dashboard panel: top items by rate, in SQL, scoped to the workspace and dates."""

import datetime as dt

import pytest
from django.utils import timezone

from suo.panels import PanelFilters, panel
from tests.content.factories import ContentItemFactory
from tests.content.test_flags import START, History

pytestmark = pytest.mark.django_db


def test_top_items_panel_ranks_the_workspaces_items_sent_in_the_period(tenant_a, tenant_b):
    history = History(tenant_a.workspace)
    best = ContentItemFactory(workspace=tenant_a.workspace, title="爆款")
    plain = ContentItemFactory(workspace=tenant_a.workspace, title="普通")
    history.post(plain, reach=100, engaged=5)
    history.post(best, reach=100, engaged=30)
    History(tenant_b.workspace).post(
        ContentItemFactory(workspace=tenant_b.workspace, title="别家"), engaged=90
    )
    registered = panel("content.top_items")

    data = registered.build(PanelFilters(workspace=tenant_a.workspace, start=START, end=timezone.now()))
    later = registered.build(
        PanelFilters(workspace=tenant_a.workspace, start=START + dt.timedelta(days=1), end=timezone.now())
    )

    assert registered.section == "content"
    assert [(row["title"], row["engagement_rate"]) for row in data.rows] == [("爆款", 0.3), ("普通", 0.05)]
    assert {column.key for column in data.columns} >= {"title", "open_rate", "engagement_rate"}
    assert later.rows == []
