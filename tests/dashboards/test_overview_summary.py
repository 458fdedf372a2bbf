"""The overview's "memberships active at the start" from the open cells (groups/dashboards/
overview_summary.py) is exactly the live count: on the hand-checked history, per scope and join
source, with members still queued and after the refresh, after past-dated events, bulk writes and a
rebuild; a campaign filter is counted live."""

import datetime as dt

import pytest
from django.core.management import call_command

from groups.dashboards import overview_summary, selectors, summary, tasks
from groups.dashboards.models import OpenCell, SummaryQueue
from groups.models import Community, Membership
from groups.services.joining import membership_join, membership_leave
from tests.dashboards import dataset
from tests.dashboards.test_summary import PERIODS, filters_for, scopes
from tests.groups.factories import MemberFactory

pytestmark = pytest.mark.django_db

WEEK2 = (dt.date(2026, 11, 9), dt.date(2026, 11, 15))


def live_totals(filters, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(overview_summary, "members_at_start", lambda filters: None)
        return selectors.overview_totals(filters=filters)


SOURCES = [{}, {"source": "referral"}, {"source": "link"}, {"source": "manual"}]


def assert_cells_are_live(history, monkeypatch):
    for first, last in [*PERIODS, WEEK2]:
        for scope in [{**groups, **source} for groups in scopes(history) for source in SOURCES]:
            filters = filters_for(history.workspace, first, last, **scope)
            from_cells = overview_summary.members_at_start(filters)
            assert from_cells is not None
            live = live_totals(filters, monkeypatch)
            assert from_cells == live["members_at_start"], (first, last, scope)
            assert selectors.overview_totals(filters=filters) == live, (first, last, scope)


def cells(workspace):
    return sorted(OpenCell.objects.filter(workspace=workspace).values_list("kind", "group", "day", "change"))


def test_members_at_start_from_the_cells_are_the_hand_checked_ones_queued_and_refreshed(history, monkeypatch):
    filters = filters_for(history.workspace, *WEEK2)
    assert SummaryQueue.objects.exists()
    assert overview_summary.members_at_start(filters) == 4  # A, B, C, F: queued members corrected live
    assert_cells_are_live(history, monkeypatch)

    tasks.retention_summary_refresh()
    assert not SummaryQueue.objects.exists()
    assert OpenCell.objects.filter(workspace=history.workspace).exists()
    assert overview_summary.members_at_start(filters) == 4
    assert_cells_are_live(history, monkeypatch)


def test_a_past_dated_join_and_leave_through_the_events_api_moves_the_count(history, api_for, tenant_a):
    tasks.retention_summary_refresh()
    events = [
        {"id": "h-join", "type": "join", "platform": "wechat", "group_external_id": "room-g2",
         "member_external_id": "wx-H", "member_name": "H", "at": dataset.local(11, 5).isoformat()},
        {"id": "h-leave", "type": "leave", "platform": "wechat", "group_external_id": "room-g2",
         "member_external_id": "wx-H", "at": dataset.local(11, 12).isoformat(), "reason": "kicked"},
    ]  # fmt: skip
    response = api_for(tenant_a.operator).post("/api/events/", {"events": events})
    assert [r["status"] for r in response.json()["results"]] == ["applied", "applied"], response.json()
    assert SummaryQueue.objects.filter(workspace_id=history.workspace.pk).exists()

    week2 = {"from": "2026-11-09", "to": "2026-11-15"}
    body = api_for(tenant_a.analyst).get("/api/metrics/overview/", week2).json()
    assert (body["members_at_start"], body["exits"], body["exits_kicked"]) == (5, 3, 2)  # H was in g2
    g2 = api_for(tenant_a.analyst).get("/api/metrics/overview/", {**week2, "group": history.g2.pk}).json()
    assert g2["members_at_start"] == 1  # only H (A had left g2, E came back on 11-10)

    tasks.retention_summary_refresh()
    assert api_for(tenant_a.analyst).get("/api/metrics/overview/", week2).json() == body


def test_the_cells_follow_joins_leaves_bulk_writes_and_kind_changes(history, monkeypatch):
    tasks.retention_summary_refresh()
    m, g1, g2 = history.members, history.g1, history.g2
    h = MemberFactory(workspace=history.workspace, external_id="wx-H")
    membership_join(community=g2, member=h, at=dataset.local(11, 9, 8), enforce=False, notify=False)
    membership_leave(community=g2, member=h, at=dataset.local(11, 19))
    membership_leave(community=g1, member=m["A"], at=dataset.local(11, 11))
    assert_cells_are_live(history, monkeypatch)  # queued: corrected in the read
    tasks.retention_summary_refresh()
    assert_cells_are_live(history, monkeypatch)

    assert not SummaryQueue.objects.exists()
    Membership.objects.filter(member=m["C"]).update(source="referral")  # only the source changes
    assert SummaryQueue.objects.filter(member_id=m["C"].pk).exists()
    assert_cells_are_live(history, monkeypatch)

    # Bulk writes (no signals): a stay moved earlier, an end recorded before its join, a kind change.
    Membership.objects.filter(member=m["E"]).update(joined_at=dataset.local(10, 20))
    Membership.objects.filter(member=m["B"]).update(left_at=dataset.local(11, 1))  # before its join
    Community.objects.filter(pk=g1.pk).update(kind="benefit")
    assert_cells_are_live(history, monkeypatch)
    tasks.retention_summary_refresh()
    assert_cells_are_live(history, monkeypatch)

    Membership.objects.filter(member=m["F"]).delete()
    tasks.retention_summary_refresh()
    assert_cells_are_live(history, monkeypatch)


def test_a_refresh_is_idempotent_and_a_rebuild_counts_the_same(history):
    tasks.retention_summary_refresh()
    before = cells(history.workspace)
    assert tasks.retention_summary_refresh() == 0
    SummaryQueue.objects.bulk_create(
        [
            SummaryQueue(workspace_id=history.workspace.pk, member_id=member.pk)
            for member in history.members.values()
        ]
    )
    tasks.retention_summary_refresh()  # everyone recounted: nothing changes
    assert cells(history.workspace) == before
    assert not OpenCell.objects.filter(change=0).exists()

    OpenCell.objects.all().delete()
    call_command("dashboards_summary", "--workspace", history.workspace.slug)
    assert cells(history.workspace) == before


def test_a_campaign_filter_is_counted_live_and_a_source_filter_from_the_cells(history):
    tasks.retention_summary_refresh()
    first, last = WEEK2
    campaign = filters_for(history.workspace, first, last, campaign="double11")
    assert overview_summary.members_at_start(campaign) is None
    assert selectors.overview_totals(filters=campaign)["members_at_start"] == 1  # F
    referral = filters_for(history.workspace, first, last, source="referral")
    assert overview_summary.members_at_start(referral) == 1  # B
    assert selectors.overview_totals(filters=referral)["members_at_start"] == 1
    # The retention mode is not the overview's business: the cells still answer.
    assert overview_summary.members_at_start(filters_for(history.workspace, first, last, mode="active")) == 4
    # A group of another kind than the filter's: nothing.
    other_kind = filters_for(history.workspace, first, last, group_ids=[history.g2.pk], kind="lead_gen")
    assert overview_summary.members_at_start(other_kind) == 0


def test_with_too_many_members_queued_the_count_is_live(history, monkeypatch):
    monkeypatch.setattr(summary, "MAX_QUEUED", 2)
    filters = filters_for(history.workspace, *WEEK2)
    assert overview_summary.members_at_start(filters) is None
    assert selectors.overview_totals(filters=filters)["members_at_start"] == 4


def test_a_workspace_never_reads_another_ones_cells(history, tenant_b, api_for, monkeypatch):
    other = dataset.build(tenant_b.workspace, api_for(tenant_b.operator))
    extra = MemberFactory(workspace=tenant_b.workspace, external_id="wx-extra")
    membership_join(community=other.g1, member=extra, at=dataset.local(11, 3), enforce=False, notify=False)
    tasks.retention_summary_refresh()
    assert overview_summary.members_at_start(filters_for(history.workspace, *WEEK2)) == 4
    assert overview_summary.members_at_start(filters_for(tenant_b.workspace, *WEEK2)) == 5
    assert_cells_are_live(history, monkeypatch)
    assert_cells_are_live(other, monkeypatch)
