"""The overview's distinct members (new, active) from the day cells (groups/dashboards/day_cells.py,
overview_summary.distinct_members): the hand-checked numbers, the same figures as the live queries
for every period, scope, join source and interval, queued and refreshed, after writes to messages,
activities, a group's kind and the workspace's time zone, and after a rebuild."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.dashboards import overview_summary, selectors, tasks
from groups.dashboards.filters import local_midnight
from groups.dashboards.models import DayCell, SummaryActiveDay, SummaryQueue
from groups.models import ActivityEvent, Membership, MessageDailyCount
from suo.panels import PanelFilters
from tests.dashboards import dataset
from tests.dashboards.test_summary import PERIODS
from tests.groups.factories import MemberFactory

pytestmark = pytest.mark.django_db

MONTH = (dt.date(2026, 11, 2), dt.date(2026, 11, 29))
KINDS = [{}, {"kind": "lead_gen"}, {"kind": "benefit"}, {"kind": "flash"}]
SOURCES = [{}, {"source": "referral"}, {"source": "link"}]


def filters_for(workspace, first, last, **extra):
    """Whole days in the workspace's time zone (the cells answer only those)."""
    zone = ZoneInfo(workspace.timezone)
    start, end = local_midnight(first, zone), local_midnight(last + dt.timedelta(days=1), zone)
    return PanelFilters(workspace=workspace, start=start, end=end, **extra)


def live(read, filters, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(overview_summary, "distinct_members", lambda *args, **kwargs: None)
        patch.setattr(overview_summary, "new_members_by_channel", lambda *args, **kwargs: None)
        return read(filters=filters)


def assert_cells_are_live(workspace, monkeypatch):
    for first, last in [*PERIODS, (dt.date(2026, 11, 9), dt.date(2026, 11, 15))]:
        for scope in [{**kind, **source} for kind in KINDS for source in SOURCES]:
            for interval in ("day", "week"):
                filters = filters_for(workspace, first, last, interval=interval, **scope)
                assert overview_summary.distinct_members(filters) is not None
                expected = live(selectors.overview_totals, filters, monkeypatch)
                assert selectors.overview_totals(filters=filters) == expected, (first, last, scope)
                expected = live(selectors.new_members_by_channel, filters, monkeypatch)
                assert overview_summary.new_members_by_channel(filters) is not None
                assert selectors.new_members_by_channel(filters=filters) == expected, (first, last, scope)
                filters = filters_for(workspace, first, last, interval=interval, **scope)
                expected = live(selectors.overview_series, filters, monkeypatch)
                filters = filters_for(workspace, first, last, interval=interval, **scope)
                assert selectors.overview_series(filters=filters) == expected, (first, last, scope, interval)


def weekly(workspace, measure, **scope):
    filters = filters_for(workspace, *MONTH, **scope)
    counts = overview_summary.distinct_members(filters, divisor=7)
    weeks = range(1400, 1404)  # W1..W4 (2026-11-02 is week 1400 since 2000-01-03)
    return [counts.get((measure, week, scope.get("source", "")), 0) for week in weeks]


def total(workspace, measure, first=MONTH[0], last=MONTH[1], **scope):
    counts = overview_summary.distinct_members(filters_for(workspace, first, last, **scope))
    return counts.get((measure, 0, scope.get("source", "")), 0)


def test_the_cells_give_the_hand_checked_members_queued_and_refreshed(history, monkeypatch):
    ws = history.workspace
    for refreshed in (False, True):
        if refreshed:
            tasks.retention_summary_refresh()
            assert not SummaryQueue.objects.exists()
            assert DayCell.objects.filter(workspace=ws, measure=DayCell.ACTIVE).exists()
        # New: A, B, E, F in W1; E (again, in g2) and D in W2; G in W4. Each once over the month.
        assert weekly(ws, DayCell.JOINED) == [4, 2, 0, 1]
        assert total(ws, DayCell.JOINED) == 6
        assert weekly(ws, DayCell.JOINED, source="referral") == [1, 0, 0, 0]  # B
        assert weekly(ws, DayCell.JOINED, kind="benefit") == [1, 1, 0, 0]  # A (11-06), E (11-10)
        # Active: A 11-03 and 11-17, B 11-10, D 11-11 (messages in g1); E 11-16 (activity in g2).
        assert weekly(ws, DayCell.ACTIVE) == [1, 2, 2, 0]
        assert total(ws, DayCell.ACTIVE) == 4
        assert weekly(ws, DayCell.ACTIVE, kind="lead_gen") == [1, 2, 1, 0]
        assert weekly(ws, DayCell.ACTIVE, kind="benefit") == [0, 0, 1, 0]
        assert total(ws, DayCell.ACTIVE, dt.date(2026, 11, 10), dt.date(2026, 11, 17)) == 4  # B D E A
        assert total(ws, DayCell.ACTIVE, dt.date(2026, 11, 12), dt.date(2026, 11, 15)) == 0
    assert_cells_are_live(ws, monkeypatch)


def test_a_year_of_overview_reads_the_cells_not_the_messages(history):
    tasks.retention_summary_refresh()
    filters = filters_for(history.workspace, dt.date(2025, 12, 1), dt.date(2026, 11, 29), interval="week")
    with CaptureQueriesContext(connection) as queries:
        totals = selectors.overview_totals(filters=filters)
        series = selectors.overview_series(filters=filters)
    statements = " ".join(q["sql"] for q in queries.captured_queries)
    assert "dashboards_daycell" in statements
    assert "groups_messagedailycount" not in statements and "groups_activityevent" not in statements
    assert (totals["new_members"], totals["active_members"]) == (7, 4)  # C's 11-01 join is in the year
    assert sum(week["active_members"] for week in series) == 5  # A in two weeks


def test_filters_the_cells_do_not_answer_are_counted_live(history):
    tasks.retention_summary_refresh()
    for extra in ({"group_ids": [history.g1.pk]}, {"campaign": "double11"}):
        filters = filters_for(history.workspace, *MONTH, **extra)
        assert overview_summary.distinct_members(filters) is None
    filters = filters_for(history.workspace, *MONTH, source="referral")
    counts = overview_summary.distinct_members(filters)
    assert counts == {(DayCell.JOINED, 0, "referral"): 1}  # B; the active ones: who joined that way
    with CaptureQueriesContext(connection) as queries:
        assert selectors.overview_totals(filters=filters)["active_members"] == 1  # B
    assert any("groups_messagedailycount" in q["sql"] for q in queries.captured_queries)


def test_writes_to_messages_and_activities_queue_the_member_and_move_the_cells(history, monkeypatch):
    ws, m, g2 = history.workspace, history.members, history.g2
    tasks.retention_summary_refresh()

    message = MessageDailyCount.objects.create(
        workspace=ws, community=g2, member=m["G"], day=dt.date(2026, 11, 25), count=1
    )
    assert SummaryQueue.objects.filter(member_id=m["G"].pk).exists()
    ActivityEvent.objects.create(
        workspace=ws, member=m["F"], name="抽奖", at=dataset.local(11, 4)
    )  # no group
    assert weekly(ws, DayCell.ACTIVE) == [2, 2, 2, 1]  # queued: corrected live
    tasks.retention_summary_refresh()
    assert weekly(ws, DayCell.ACTIVE) == [2, 2, 2, 1]
    assert weekly(ws, DayCell.ACTIVE, kind="lead_gen") == [1, 2, 1, 0]  # F's activity is in no group
    assert weekly(ws, DayCell.ACTIVE, kind="benefit") == [0, 0, 1, 1]
    assert_cells_are_live(ws, monkeypatch)

    # A count going up queues nobody; moving a day, or deleting, does.
    MessageDailyCount.objects.filter(pk=message.pk).update(count=5)
    assert not SummaryQueue.objects.exists()
    MessageDailyCount.objects.filter(pk=message.pk).update(day=dt.date(2026, 11, 18))
    MessageDailyCount.objects.filter(member=m["B"]).delete()
    tasks.retention_summary_refresh()
    assert weekly(ws, DayCell.ACTIVE) == [2, 1, 3, 0]  # W2: D; W3: A, E, G
    assert_cells_are_live(ws, monkeypatch)

    # g2 becomes a flash group: E's activity and G's messages move with it.
    g2.kind = "flash"
    g2.save(update_fields=["kind"])
    assert SummaryQueue.objects.filter(member_id=m["G"].pk).exists()
    tasks.retention_summary_refresh()
    assert weekly(ws, DayCell.ACTIVE, kind="flash") == [0, 0, 2, 0]
    assert weekly(ws, DayCell.ACTIVE, kind="benefit") == [0, 0, 0, 0]
    assert_cells_are_live(ws, monkeypatch)

    # In UTC, E's activity (16:30 UTC on Sunday 11-15) is in W2, no longer in W3.
    ws.timezone = "UTC"
    ws.save(update_fields=["timezone"])
    tasks.retention_summary_refresh()
    assert weekly(ws, DayCell.ACTIVE) == [2, 2, 2, 0]  # W1: A, F; W2: D, E; W3: A, G
    assert_cells_are_live(ws, monkeypatch)


def test_a_rebuild_from_scratch_counts_the_same(history, monkeypatch):
    tasks.retention_summary_refresh()
    columns = ("measure", "kind", "source", "day", "prev", "n")
    before = sorted(DayCell.objects.values_list(*columns))
    assert before and SummaryActiveDay.objects.exists()
    DayCell.objects.all().delete()
    SummaryActiveDay.objects.all().delete()
    call_command("dashboards_summary", "--workspace", history.workspace.slug)
    assert sorted(DayCell.objects.values_list(*columns)) == before
    assert_cells_are_live(history.workspace, monkeypatch)


def test_a_workspace_never_reads_another_ones_day_cells(history, tenant_b, api_for):
    dataset.build(tenant_b.workspace, api_for(tenant_b.operator))
    newcomer = MemberFactory(workspace=tenant_b.workspace)
    ActivityEvent.objects.create(
        workspace=tenant_b.workspace, member=newcomer, name="签到", at=dataset.local(11, 20)
    )
    tasks.retention_summary_refresh()
    assert set(DayCell.objects.values_list("workspace_id", flat=True)) == {
        history.workspace.pk,
        tenant_b.workspace.pk,
    }
    assert weekly(history.workspace, DayCell.ACTIVE) == [1, 2, 2, 0]
    assert weekly(tenant_b.workspace, DayCell.ACTIVE) == [1, 2, 3, 0]  # W3: A, E and the newcomer


def test_new_members_per_join_channel_follow_a_change_of_channel(history, monkeypatch):
    ws, m = history.workspace, history.members
    tasks.retention_summary_refresh()
    Membership.objects.filter(member=m["B"]).update(channel="朋友圈海报")
    Membership.objects.filter(member=m["E"], joined_at__gte=dataset.local(11, 10)).update(channel="门店海报")
    assert SummaryQueue.objects.filter(member_id=m["B"].pk).exists()  # a change of channel queues
    month = filters_for(ws, *MONTH)
    expected = [
        {"channel": "", "new_members": 5},  # A, D, E (11-03), F, G
        {"channel": "朋友圈海报", "new_members": 1},
        {"channel": "门店海报", "new_members": 1},  # E again, by their 11-10 join
    ]
    assert selectors.new_members_by_channel(filters=month) == expected  # queued: corrected live
    tasks.retention_summary_refresh()
    assert selectors.new_members_by_channel(filters=filters_for(ws, *MONTH)) == expected
    assert DayCell.objects.filter(workspace=ws, measure=DayCell.CHANNEL, channel="门店海报").exists()
    referral = filters_for(ws, *MONTH, source="referral")
    assert selectors.new_members_by_channel(filters=referral) == [{"channel": "朋友圈海报", "new_members": 1}]
    assert_cells_are_live(ws, monkeypatch)
