"""The overview series counted one bucket at a time (PostgreSQL, issue 15 performance) gives the rows of
the single statement (the hand-checked one, tests/dashboards/test_overview.py) for every filter."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from groups.dashboards import selectors
from groups.dashboards.filters import local_midnight
from suo.panels import PanelFilters
from tests.dashboards import dataset

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the per-bucket series is PostgreSQL's"),
]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def period(workspace, first: dt.date, last: dt.date, **extra) -> PanelFilters:
    return PanelFilters(
        workspace=workspace,
        start=local_midnight(first, SHANGHAI),
        end=local_midnight(last + dt.timedelta(days=1), SHANGHAI),
        **extra,
    )


def both_ways(filters: PanelFilters, monkeypatch) -> tuple[list[dict], list[dict]]:
    assert selectors._per_bucket(filters)
    per_bucket = selectors._overview_series(filters)
    with monkeypatch.context() as patched:
        patched.setattr(selectors, "_per_bucket", lambda filters: False)
        single = selectors._overview_series(filters)
    return per_bucket, single


@pytest.fixture
def other_history(tenant_b, api_for, history):
    """The same history in a second workspace: a row of one counted in the other would show."""
    return dataset.build(tenant_b.workspace, api_for(tenant_b.operator))


@pytest.mark.parametrize("interval", ["day", "week"])
@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"kind": "benefit"},
        {"kind": "lead_gen", "source": "referral"},
        {"source": "link"},
        {"campaign": "double11"},
    ],
)
def test_the_per_bucket_series_counts_what_the_single_statement_counts(
    history, other_history, monkeypatch, interval, extra
):
    # From a Wednesday: the first week is clipped to the period (A's Monday join is outside it).
    first, last = dt.date(2026, 11, 4), dt.date(2026, 11, 26)
    filters = period(history.workspace, first, last, interval=interval, **extra)

    per_bucket, single = both_ways(filters, monkeypatch)

    assert per_bucket == single


def test_a_week_that_starts_at_local_midnight_counts_the_sunday_night_join_before_it(history, monkeypatch):
    # B joined at 23:30 on Sunday 11-08 (Shanghai), 15:30 UTC: the first week, not the second; E's
    # check-in at 00:30 on Monday 11-16 (Sunday in UTC) is the third week's.
    filters = period(history.workspace, dt.date(2026, 11, 2), dt.date(2026, 11, 22), interval="week")

    per_bucket, single = both_ways(filters, monkeypatch)

    assert per_bucket == single
    assert [(row["date"], row["new_members"], row["active_members"]) for row in per_bucket] == [
        (dt.date(2026, 11, 2), 4, 1),
        (dt.date(2026, 11, 9), 2, 2),
        (dt.date(2026, 11, 16), 0, 2),
    ]


def test_one_group_and_a_zone_with_daylight_saving_keep_the_single_statement(history):
    first, last = dt.date(2026, 11, 2), dt.date(2026, 11, 22)

    assert not selectors._per_bucket(period(history.workspace, first, last, group_ids=[history.g1.pk]))
    history.workspace.timezone = "Europe/Berlin"
    assert not selectors._per_bucket(period(history.workspace, first, last))


@pytest.mark.parametrize("interval", ["day", "week"])
def test_a_one_day_period_gives_its_one_bucket_both_ways(history, monkeypatch, interval):
    filters = period(history.workspace, dt.date(2026, 11, 10), dt.date(2026, 11, 10), interval=interval)

    per_bucket, single = both_ways(filters, monkeypatch)

    assert per_bucket == single
    assert [(row["new_members"], row["active_members"]) for row in per_bucket] == [(2, 1)]
