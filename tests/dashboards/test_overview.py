"""Overview figures on the hand-made history (tests/dashboards/dataset.py), worked out by hand."""

import datetime as dt

import pytest

from groups.models import Membership
from links.models import Link
from tests.dashboards.dataset import click, local

pytestmark = pytest.mark.django_db

URL = "/api/metrics/overview/"
WEEK2 = {"from": "2026-11-09", "to": "2026-11-15"}


def get(api_for, tenant, **params):
    response = api_for(tenant.analyst).get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def clicks(history):
    link = Link.objects.create(
        workspace=history.workspace, code="dash-g1", url="https://example.com", group=history.g1
    )
    for day in (9, 10, 15):
        click(history.workspace, link, local(11, day, 12))
    click(history.workspace, link, local(11, 10, 13), unique=False)
    click(history.workspace, link, local(11, 16, 0, 10))  # the next week
    return link


def test_overview_figures_of_a_week(api_for, tenant_a, history, clicks):
    body = get(api_for, tenant_a, **WEEK2)

    # Joined 11-09..11-15: D (g1) and E (back in g2); B joined Sunday 23:30, the week before.
    assert body["new_members"] == 2
    # Messages of B (11-10) and D (11-11); E's check-in at 00:30 on 11-16 is next week in Shanghai.
    assert body["active_members"] == 2
    # In a group at Monday 00:00: A, B, C, F (A left g2 and E left g1 earlier). Ended: B left, C kicked.
    assert (body["members_at_start"], body["exits"], body["exits_kicked"], body["exits_voluntary"]) == (
        4,
        2,
        1,
        1,
    )
    assert (body["exit_rate"], body["exit_rate_kicked"], body["exit_rate_voluntary"]) == (0.5, 0.25, 0.25)
    # E's entitlement came after E's join; D's came before D's join, D's later one is revoked.
    assert (body["converted"], body["conversion_rate"]) == (1, 0.5)
    # Unique link clicks in the week (11-09, 11-10, 11-15; not the repeat, not 11-16) ÷ new members.
    assert (body["clicks"], body["click_rate"]) == (3, 1.5)


def test_overview_series_per_day_zero_filled(api_for, tenant_a, history):
    series = get(api_for, tenant_a, **WEEK2)["series"]

    assert [row["date"] for row in series] == [str(dt.date(2026, 11, 9) + dt.timedelta(d)) for d in range(7)]
    by_day = {row["date"]: row for row in series}
    assert by_day["2026-11-10"]["new_members"] == 2
    assert by_day["2026-11-10"]["by_source"]["link"] == 2
    assert [by_day[d]["active_members"] for d in ("2026-11-09", "2026-11-10", "2026-11-11")] == [0, 1, 1]
    assert (by_day["2026-11-12"]["left"], by_day["2026-11-12"]["voluntary"]) == (1, 1)
    assert (by_day["2026-11-13"]["left"], by_day["2026-11-13"]["kicked"]) == (1, 1)
    assert sum(row["new_members"] for row in series) == 2


def test_overview_series_per_week_starts_on_monday(api_for, tenant_a, history):
    series = get(api_for, tenant_a, **{"from": "2026-11-02", "to": "2026-11-15", "interval": "week"})[
        "series"
    ]

    assert [(r["date"], r["new_members"], r["active_members"], r["left"], r["kicked"]) for r in series] == [
        ("2026-11-02", 4, 1, 2, 0),  # A, B, E, F joined; A's message; A left g2, E left g1
        ("2026-11-09", 2, 2, 2, 1),
    ]


def test_overview_with_a_source_filter_counts_only_memberships_of_that_source(api_for, tenant_a, history):
    body = get(api_for, tenant_a, source="referral", **WEEK2)

    assert (body["new_members"], body["members_at_start"], body["exits"], body["exit_rate"]) == (0, 1, 1, 1.0)
    assert body["active_members"] == 1  # B, who joined by referral
    assert body["conversion_rate"] is None  # no new member: no rate


def test_overview_by_channel(api_for, tenant_a, history):
    poster = [history.members["F"], history.members["G"]]
    Membership.objects.filter(member__in=poster).update(channel="朋友圈海报")

    body = get(api_for, tenant_a, **{"from": "2026-11-02", "to": "2026-11-29"})

    # Joined 11-02..11-29: A, B, D, E, F, G (C joined on 11-01).
    assert body["by_channel"] == [
        {"channel": "", "new_members": 4},
        {"channel": "朋友圈海报", "new_members": 2},
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-11-20", "to": "2026-11-10"}, "from"),
        ({"from": "1999-12-31"}, "from"),
        ({"to": "2101-01-01"}, "to"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"kind": "vip"}, "kind"),
        ({"source": "tv"}, "source"),
        ({"group": "abc"}, "group"),
        ({"interval": "year"}, "interval"),
        ({"mode": "sometimes"}, "mode"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(api_for, tenant_a, params, field):
    for url in (URL, "/api/metrics/retention/", "/api/metrics/health/"):
        response = api_for(tenant_a.analyst).get(url, params)
        assert response.status_code == 400, (url, params)
        assert field in response.json()["fields"], response.json()


def test_a_group_of_another_workspace_is_a_400(api_for, tenant_a, tenant_b, history):
    response = api_for(tenant_b.analyst).get(URL, {"group": history.g1.pk})

    assert response.status_code == 400
    assert "group" in response.json()["fields"]


def test_another_workspace_never_sees_these_numbers(api_for, tenant_a, tenant_b, history, clicks):
    body = get(api_for, tenant_b, **WEEK2)
    retention = api_for(tenant_b.analyst).get("/api/metrics/retention/", {"from": "2026-11-02"}).json()
    health = api_for(tenant_b.analyst).get("/api/metrics/health/", WEEK2).json()

    assert (body["new_members"], body["active_members"], body["members_at_start"], body["clicks"]) == (
        0,
        0,
        0,
        0,
    )
    assert retention["cohorts"] == []
    assert health["groups"] == []


@pytest.mark.parametrize("role", ["owner", "operator", "moderator", "analyst"])
def test_every_role_reads_the_metrics(api_for, tenant_a, role):
    for url in (URL, "/api/metrics/retention/", "/api/metrics/health/"):
        assert api_for(tenant_a.user(role)).get(url).status_code == 200


def test_metrics_need_a_login(client):
    assert client.get(URL).status_code in (401, 403)
