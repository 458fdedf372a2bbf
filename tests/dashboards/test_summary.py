"""The retention summary (groups/dashboards/summary.py) gives exactly the live query's numbers: on the
hand-checked history, after joins, leaves, a migration and bulk writes, with members still queued
and after the refresh task has counted them; and each workspace only sees its own cells."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.dashboards import retention, summary, tasks
from groups.dashboards.filters import local_midnight
from groups.dashboards.models import RetentionCell, SummaryQueue, SummaryStay
from groups.dashboards.services import group_migrate
from groups.models import Community, Membership
from groups.services.joining import membership_join, membership_leave
from suo.panels import PanelFilters
from tests.dashboards import dataset
from tests.groups.factories import CommunityFactory, MemberFactory, MembershipFactory

pytestmark = pytest.mark.django_db

PERIODS = [
    (dt.date(2026, 11, 2), dt.date(2026, 11, 29)),
    (dt.date(2026, 10, 26), dt.date(2026, 11, 8)),
    (dt.date(2026, 11, 3), dt.date(2026, 11, 26)),  # from a Tuesday: the cohort is the first join after it
    (dt.date(2026, 11, 9), dt.date(2026, 11, 12)),
    (dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
]


def filters_for(workspace, first, last, **extra):
    zone = dataset.SHANGHAI
    return PanelFilters(
        workspace=workspace,
        start=local_midnight(first, zone),
        end=local_midnight(last + dt.timedelta(days=1), zone),
        **extra,
    )


def scopes(history):
    return [{}, {"kind": "lead_gen"}, {"kind": "benefit"}, {"group_ids": [history.g1.pk]},
            {"group_ids": [history.g2.pk]}, {"group_ids": [history.g2.pk], "kind": "lead_gen"},
            {"group_ids": [history.g2.pk], "kind": "benefit"}]  # fmt: skip


def assert_summary_is_live(history):
    for first, last in PERIODS:
        for scope in scopes(history):
            filters = filters_for(history.workspace, first, last, **scope)
            assert summary.answerable(filters)
            from_summary = retention.retention_cohorts(filters=filters)
            live = retention.retention_cohorts(filters=filters, live=True)
            assert from_summary == live, (first, last, scope)


def test_the_summary_gives_the_hand_checked_numbers_before_and_after_the_refresh(history):
    filters = filters_for(history.workspace, dt.date(2026, 11, 2), dt.date(2026, 11, 29))
    expected = [
        retention.Cohort(dt.date(2026, 11, 2), 4, [0.75, 0.75, 0.5]),
        retention.Cohort(dt.date(2026, 11, 9), 1, [1.0, 0.0]),
        retention.Cohort(dt.date(2026, 11, 23), 1, []),
    ]
    assert SummaryQueue.objects.filter(workspace_id=history.workspace.pk).exists()  # the triggers queued them
    assert retention.retention_cohorts(filters=filters) == expected  # queued members corrected live

    assert tasks.retention_summary_refresh() == 7
    assert not SummaryQueue.objects.exists()
    assert RetentionCell.objects.filter(workspace=history.workspace).exists()
    with CaptureQueriesContext(connection) as queries:
        assert retention.retention_cohorts(filters=filters) == expected
    assert not any("WITH RECURSIVE" in q["sql"] for q in queries.captured_queries)  # not the live query
    assert_summary_is_live(history)


def test_the_summary_follows_joins_leaves_migrations_and_bulk_writes(history, tenant_a):
    tasks.retention_summary_refresh()
    m, g1, g2 = history.members, history.g1, history.g2
    h = MemberFactory(workspace=history.workspace, external_id="wx-H")
    membership_join(community=g2, member=h, at=dataset.local(11, 9, 8), enforce=False, notify=False)
    membership_join(community=g1, member=h, at=dataset.local(11, 18), enforce=False, notify=False)
    membership_leave(community=g2, member=h, at=dataset.local(11, 19))
    membership_leave(community=g1, member=m["A"], at=dataset.local(11, 11))
    membership_join(community=g2, member=m["B"], at=dataset.local(11, 15), enforce=False, notify=False)
    assert SummaryQueue.objects.filter(member_id__in=[h.pk, m["A"].pk, m["B"].pk]).count() >= 3
    assert_summary_is_live(history)  # queued: corrected in the read
    tasks.retention_summary_refresh()
    assert_summary_is_live(history)

    g3 = CommunityFactory(workspace=history.workspace, kind="benefit", external_id="room-g3")
    group_migrate(source=g1, target=g3, active_days=30, archive_source=True, by=tenant_a.owner)
    Membership.objects.filter(member=m["E"]).update(joined_at=dataset.local(11, 2, 9))  # bulk, no signals
    Community.objects.filter(pk=g1.pk).update(kind="benefit")  # a group changing kind
    assert_summary_is_live(history)
    tasks.retention_summary_refresh()
    assert not SummaryQueue.objects.exists()
    assert_summary_is_live(history)

    Membership.objects.filter(member=m["F"]).delete()
    tasks.retention_summary_refresh()
    assert_summary_is_live(history)


def test_a_rebuild_from_scratch_counts_the_same(history):
    tasks.retention_summary_refresh()
    before = list(RetentionCell.objects.values_list("kind", "group", "day", "prev", "week", "change", "size"))
    RetentionCell.objects.all().delete()
    SummaryStay.objects.all().delete()
    call_command("dashboards_summary", "--workspace", history.workspace.slug)
    after = list(RetentionCell.objects.values_list("kind", "group", "day", "prev", "week", "change", "size"))
    assert sorted(after) == sorted(before)
    assert_summary_is_live(history)


def test_filters_the_summary_does_not_answer_use_the_live_query(history):
    tasks.retention_summary_refresh()
    first, last = dt.date(2026, 11, 2), dt.date(2026, 11, 29)
    for extra in (
        {"source": "referral"},
        {"campaign": "double11"},
        {"mode": "active", "group_ids": [history.g1.pk]},
    ):
        filters = filters_for(history.workspace, first, last, **extra)
        assert not summary.answerable(filters)
        with CaptureQueriesContext(connection) as queries:
            retention.retention_cohorts(filters=filters)
        assert any("WITH RECURSIVE" in q["sql"] for q in queries.captured_queries)


def test_with_too_many_members_queued_the_view_uses_the_live_query(history, monkeypatch):
    monkeypatch.setattr(summary, "MAX_QUEUED", 2)
    filters = filters_for(history.workspace, dt.date(2026, 11, 2), dt.date(2026, 11, 29))
    assert summary.read(filters, now_week=1403) is None
    with CaptureQueriesContext(connection) as queries:
        cohorts = retention.retention_cohorts(filters=filters)
    assert any("WITH RECURSIVE" in q["sql"] for q in queries.captured_queries)
    assert cohorts[0].values == [0.75, 0.75, 0.5]


def test_a_workspace_never_reads_another_ones_cells(history, tenant_b, api_for):
    other = dataset.build(tenant_b.workspace, api_for(tenant_b.operator))
    g = CommunityFactory(workspace=tenant_b.workspace, kind="lead_gen", external_id="room-b-extra")
    for _ in range(5):
        MembershipFactory(
            community=g, member=MemberFactory(workspace=tenant_b.workspace), joined_at=dataset.local(11, 3)
        )
    tasks.retention_summary_refresh()
    assert set(RetentionCell.objects.values_list("workspace_id", flat=True)) == {
        history.workspace.pk,
        tenant_b.workspace.pk,
    }
    a = filters_for(history.workspace, dt.date(2026, 11, 2), dt.date(2026, 11, 29))
    b = filters_for(tenant_b.workspace, dt.date(2026, 11, 2), dt.date(2026, 11, 29))
    assert retention.retention_cohorts(filters=a)[0].size == 4
    assert retention.retention_cohorts(filters=b)[0].size == 9
    assert_summary_is_live(history)
    assert_summary_is_live(other)
    # B's groups asked for with A's workspace: nothing (the API refuses such a group before this).
    foreign = filters_for(history.workspace, dt.date(2026, 11, 2), dt.date(2026, 11, 29), group_ids=[g.pk])
    assert retention.retention_cohorts(filters=foreign) == []


def test_the_refresh_runs_every_minute_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["dashboards.retention_summary_refresh"]
    assert entry["task"] == "groups.dashboards.tasks.retention_summary_refresh"
    assert entry["schedule"] <= 60


def test_a_refresh_stops_after_its_time_budget_and_the_next_one_goes_on(history):
    queued = SummaryQueue.objects.count()
    assert summary.refresh(seconds=-1) == 0
    assert SummaryQueue.objects.count() == queued
    summary.refresh(batch=2, seconds=None)  # small steps: a member queued twice may be recounted twice
    assert not SummaryQueue.objects.exists()
    assert_summary_is_live(history)


def assert_active_summary_is_live(workspace):
    for first, last in PERIODS:
        for scope in [{}, {"kind": "lead_gen"}, {"kind": "benefit"}, {"kind": "flash"}]:
            filters = filters_for(workspace, first, last, mode="active", **scope)
            assert summary.answerable(filters)
            from_summary = retention.retention_cohorts(filters=filters)
            assert from_summary == retention.retention_cohorts(filters=filters, live=True), (
                first,
                last,
                scope,
            )


def test_the_active_triangle_comes_from_its_cells_queued_refreshed_and_after_writes(history):
    from groups.dashboards.models import ActiveRetentionCell
    from groups.models import ActivityEvent, MessageDailyCount

    filters = filters_for(history.workspace, dt.date(2026, 11, 2), dt.date(2026, 11, 29), mode="active")
    expected = [  # as tests/dashboards/test_retention.py works them out by hand
        retention.Cohort(dt.date(2026, 11, 2), 4, [0.25, 0.25, 0.5]),
        retention.Cohort(dt.date(2026, 11, 9), 1, [1.0, 0.0]),
        retention.Cohort(dt.date(2026, 11, 23), 1, []),
    ]
    assert retention.retention_cohorts(filters=filters) == expected  # every member queued: corrected
    assert_active_summary_is_live(history.workspace)

    tasks.retention_summary_refresh()
    assert ActiveRetentionCell.objects.filter(workspace=history.workspace).exists()
    with CaptureQueriesContext(connection) as queries:
        assert retention.retention_cohorts(filters=filters) == expected
    assert not any("WITH RECURSIVE" in q["sql"] for q in queries.captured_queries)  # not the live query
    assert_active_summary_is_live(history.workspace)

    # C posts in week 2 and 3 (one run of weeks), F in week 3, E's check-in goes: the W1 cohort
    # (A, B, C, E... F) moves, queued and then refreshed.
    m, ws = history.members, history.workspace
    for member, day in (("C", 10), ("C", 17), ("F", 18)):
        MessageDailyCount.objects.create(
            workspace=ws, community=history.g1, member=m[member], day=dt.date(2026, 11, day), count=1
        )
    ActivityEvent.objects.filter(member=m["E"]).delete()
    assert_active_summary_is_live(ws)
    tasks.retention_summary_refresh()
    assert_active_summary_is_live(ws)
