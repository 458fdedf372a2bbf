"""Links' figures on the dashboards (links/dashboard.py), registered from LinksConfig.ready()."""

import datetime as dt

import pytest
from django.utils import timezone

from links.models import Click
from suo.panels import FIGURES, PanelFilters, panel, panels_for
from tests.groups.factories import CommunityFactory
from tests.links.factories import LinkFactory
from tests.links.livecode_helpers import make_live_code

pytestmark = pytest.mark.django_db


def filters_for(workspace, **extra) -> PanelFilters:
    now = timezone.now()
    return PanelFilters(
        workspace=workspace, start=now - dt.timedelta(days=7), end=now + dt.timedelta(hours=1), **extra
    )


def click(link, platform, *, unique=True, days_ago=1):
    at = timezone.now() - dt.timedelta(days=days_ago)
    return Click.objects.create(
        workspace=link.workspace, link=link, at=at, day=at.date(), platform=platform,
        visitor_hash=f"{platform}{at.timestamp()}", is_unique=unique,
    )  # fmt: skip


def test_links_register_their_panels_and_the_clicks_figure():
    assert [p.key for p in panels_for("content") if p.key.startswith("links.")] == [
        "links.click_rate",
        "links.clicks_by_platform",
        "links.live_code_fill",
    ]
    assert FIGURES["links.unique_clicks"].metric == "clicks"


def test_clicks_per_platform_in_the_period_and_only_of_the_filters_groups(tenant_a, tenant_b):
    group = CommunityFactory(workspace=tenant_a.workspace, kind="benefit")
    link = LinkFactory(workspace=tenant_a.workspace, group=group)
    other = LinkFactory(workspace=tenant_a.workspace)
    for platform in ("wechat", "wechat", "qq"):
        click(link, platform)
    click(link, "wechat", unique=False)
    click(link, "qq", days_ago=30)  # before the period
    click(other, "browser")
    click(LinkFactory(workspace=tenant_b.workspace), "wechat")  # another workspace

    everything = panel("links.clicks_by_platform").build(filters_for(tenant_a.workspace))
    benefit = panel("links.clicks_by_platform").build(filters_for(tenant_a.workspace, kind="benefit"))

    assert [(r["clicks"], r["unique"]) for r in everything.rows] == [(3, 2), (1, 1), (1, 1)]
    assert [(r["platform"], r["clicks"]) for r in benefit.rows] == [("微信", 3), ("QQ", 1)]
    assert FIGURES["links.unique_clicks"].compute(filters_for(tenant_a.workspace, kind="benefit")) == 3


def test_live_code_entry_fill_is_scans_over_the_limit(tenant_a):
    make_live_code(
        tenant_a.workspace,
        name="福利活码",
        entries=[
            {"label": "一群", "scan_limit": 200, "scans": 150},
            {"label": "二群", "scan_limit": 100, "scans": 0},
        ],
    )

    data = panel("links.live_code_fill").build(filters_for(tenant_a.workspace))

    assert [(r["entry"], r["fill"]) for r in data.rows] == [
        ("福利活码 · 一群", 0.75),
        ("福利活码 · 二群", 0.0),
    ]
