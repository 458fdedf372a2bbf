"""The /dash/ pages: every panel with its table and CSV, filters in the URL, query caps, isolation."""

import csv
import io

import pytest
from django.utils.html import escape

from links.models import Link
from tests.dashboards.dataset import click, local
from tests.suo.factories import WorkspaceMembershipFactory

pytestmark = pytest.mark.django_db

PAGES = ["/dash/", "/dash/retention/", "/dash/health/", "/dash/content/"]


def logged_in(client, user):
    client.force_login(user)
    return client


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def table_html(rows: list[list[str]]) -> list[str]:
    return ["<tr>" + "".join(f"<td>{escape(value)}</td>" for value in row) + "</tr>" for row in rows[1:]]


@pytest.mark.parametrize("url", PAGES)
def test_each_page_draws_its_panels_within_a_query_budget(
    client, tenant_a, history, url, django_assert_max_num_queries
):
    client = logged_in(client, tenant_a.analyst)
    with django_assert_max_num_queries(30):
        response = client.get(url, {"from": "2026-11-02", "to": "2026-11-29"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "vendor/echarts/echarts.min.js" in html
    assert 'class="csv"' in html


def test_retention_page_table_and_csv_hold_the_same_numbers(client, tenant_a, history):
    client = logged_in(client, tenant_a.analyst)
    params = {"from": "2026-11-02", "to": "2026-11-29", "kind": "lead_gen"}

    page = client.get("/dash/retention/", params).content.decode()
    export = client.get("/dash/export/dashboards.retention.csv", params)

    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    rows = csv_rows(export)
    assert rows[0][:3] == ["同期群（首次入群周）", "成员数", "第 0 周"]
    # The lead_gen cohort of 11-02 (worked out in test_retention): 75%, 50%, 25%.
    assert rows[1] == ["2026-11-02", "4", "75.00%", "50.00%", "25.00%"]
    for row in table_html(rows):
        assert row in page


@pytest.mark.parametrize(
    "key",
    [
        "dashboards.kpis",
        "dashboards.new_members",
        "dashboards.exits",
        "dashboards.health",
        "links.click_rate",
    ],
)
def test_every_csv_equals_its_table_on_the_page(client, tenant_a, history, key):
    client = logged_in(client, tenant_a.analyst)
    params = {"from": "2026-11-09", "to": "2026-11-15"}
    section = {"dashboards.health": "/dash/health/", "links.click_rate": "/dash/content/"}.get(key, "/dash/")

    page = client.get(section, params).content.decode()
    rows = csv_rows(client.get(f"/dash/export/{key}.csv", params))

    for row in table_html(rows):
        assert row in page


def test_overview_key_figures_on_the_page(client, tenant_a, history):
    client = logged_in(client, tenant_a.analyst)

    rows = csv_rows(
        client.get("/dash/export/dashboards.kpis.csv", {"from": "2026-11-09", "to": "2026-11-15"})
    )

    figures = dict(rows[1:])
    assert (figures["新成员"], figures["活跃成员"], figures["退群率"], figures["转化率"]) == (
        "2",
        "2",
        "50.00%",
        "50.00%",
    )


def test_clicks_per_new_member_is_a_number_not_a_percentage(client, tenant_a, history):
    link = Link.objects.create(
        workspace=history.workspace, code="kpi-g1", url="https://example.com", group=history.g1
    )
    for day in (9, 10, 15):
        click(history.workspace, link, local(11, day, 12))
    client = logged_in(client, tenant_a.analyst)

    rows = csv_rows(
        client.get("/dash/export/dashboards.kpis.csv", {"from": "2026-11-09", "to": "2026-11-15"})
    )

    # 3 unique clicks ÷ 2 new members (the API's click_rate 1.5), not "150.00%".
    assert dict(rows[1:])["人均点击（每位新成员）"] == "1.50"


def test_compare_two_sources_side_by_side(client, tenant_a, history):
    client = logged_in(client, tenant_a.analyst)

    html = client.get(
        "/dash/retention/",
        {"from": "2026-11-02", "to": "2026-11-29", "source": "link", "compare": "referral"},
    ).content.decode()

    assert 'id="dashboards-retention"' in html and 'id="dashboards-retention-compare"' in html
    assert "source=referral" in html  # the compared panel's CSV link


def test_bad_filters_in_the_url_are_explained_and_the_defaults_shown(client, tenant_a, history):
    client = logged_in(client, tenant_a.analyst)

    bad_kind = client.get("/dash/", {"kind": "vip"}).content.decode()
    bad_dates = client.get("/dash/retention/", {"from": "2026-12-01", "to": "2026-11-01"}).content.decode()
    export = client.get("/dash/export/dashboards.kpis.csv", {"kind": "vip"})

    assert 'id="filter-errors"' in bad_kind and 'data-field="kind"' in bad_kind
    assert 'id="filter-errors"' in bad_dates and 'data-field="from"' in bad_dates
    assert 'id="dashboards-retention"' in bad_dates  # the default view instead
    assert export.status_code == 400 and b"kind" in export.content


def test_pages_need_a_login(client):
    for url in [*PAGES, "/dash/export/dashboards.kpis.csv"]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_analyst_of_another_workspace_never_sees_these_numbers(client, tenant_a, tenant_b, history):
    client = logged_in(client, tenant_b.analyst)

    pages = "".join(
        client.get(url, {"from": "2026-11-02", "to": "2026-11-29"}).content.decode() for url in PAGES
    )
    export = client.get("/dash/export/dashboards.health.csv", {"from": "2026-11-02", "to": "2026-11-29"})
    foreign = client.get("/dash/", {"workspace": tenant_a.workspace.slug})
    foreign_csv = client.get("/dash/export/dashboards.kpis.csv", {"workspace": tenant_a.workspace.slug})

    assert "引流一群" not in pages and "福利二群" not in pages
    assert csv_rows(export)[1:] == []
    retention = client.get("/dash/export/dashboards.retention.csv", {"from": "2026-11-02"})
    assert csv_rows(retention)[1:] == []
    kpis = dict(csv_rows(client.get("/dash/export/dashboards.kpis.csv", {"from": "2026-11-02"}))[1:])
    assert set(kpis.values()) <= {"0", "—"}
    assert foreign.status_code == 404 and foreign_csv.status_code == 404


def test_a_user_of_two_workspaces_chooses_one(client, tenant_a, tenant_b, history):
    WorkspaceMembershipFactory(workspace=tenant_b.workspace, user=tenant_a.analyst, role="analyst")
    client = logged_in(client, tenant_a.analyst)

    choose = client.get("/dash/")
    chosen = client.get("/dash/health/", {"workspace": tenant_a.workspace.slug})

    assert b"?workspace=alpha" in choose.content and b"?workspace=beta" in choose.content
    assert "引流一群" in chosen.content.decode()


def test_the_overview_page_runs_the_series_query_once_for_its_panels(client, tenant_a, history, monkeypatch):
    from groups.dashboards import selectors

    computed = []
    compute = selectors._overview_series
    monkeypatch.setattr(selectors, "_overview_series", lambda filters: computed.append(1) or compute(filters))
    client = logged_in(client, tenant_a.analyst)
    response = client.get("/dash/", {"from": "2026-11-09", "to": "2026-11-15"})

    assert response.status_code == 200
    assert len(computed) == 1
