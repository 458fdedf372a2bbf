"""Exactness under concurrency: real threads on real connections (SQLite file or PostgreSQL)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from groups import services
from groups.ingest import events_ingest
from groups.models import InboundEvent, InviteCode, Membership, MessageDailyCount, RoleAssignment
from tests.groups.factories import CommunityFactory, InviteCodeFactory, MemberFactory, ThresholdFactory
from tests.helpers import run_in_threads
from tests.suo.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_invite_code_use_count_is_exact_under_concurrency():
    workspace = WorkspaceFactory()
    group = CommunityFactory(workspace=workspace, member_limit=100)
    ThresholdFactory(community=group, kind="invite_code")
    code = InviteCodeFactory(community=group, code="RACE", max_uses=5)
    members = [MemberFactory(workspace=workspace) for _ in range(8)]

    outcomes = run_in_threads(
        8, lambda i: services.membership_join(community=group, member=members[i], invite_code="RACE")
    )

    joined = [o for o in outcomes if isinstance(o, Membership)]
    refused = [o for o in outcomes if isinstance(o, services.JoinRefused)]
    assert len(joined) == 5 and len(refused) == 3, outcomes
    assert InviteCode.objects.get(pk=code.pk).uses == 5
    assert Membership.objects.filter(community=group, invite_code=code).count() == 5


def test_capacity_holds_under_concurrency():
    workspace = WorkspaceFactory()
    group = CommunityFactory(workspace=workspace, member_limit=3)
    members = [MemberFactory(workspace=workspace) for _ in range(6)]

    outcomes = run_in_threads(6, lambda i: services.membership_join(community=group, member=members[i]))

    assert sum(isinstance(o, Membership) for o in outcomes) == 3, outcomes
    assert Membership.objects.filter(community=group, is_active=True).count() == 3


def test_exactly_one_lead_when_many_are_assigned_at_once():
    workspace = WorkspaceFactory()
    group = CommunityFactory(workspace=workspace)
    members = [MemberFactory(workspace=workspace) for _ in range(6)]

    outcomes = run_in_threads(
        6, lambda i: services.role_assign(community=group, role="lead", member=members[i])
    )

    assert all(isinstance(o, RoleAssignment) for o in outcomes), outcomes
    assert RoleAssignment.objects.filter(community=group, role="lead", is_active=True).count() == 1
    assert RoleAssignment.objects.filter(community=group, role="lead").count() == 6


def test_the_same_event_batch_sent_concurrently_is_applied_once():
    workspace = WorkspaceFactory()
    CommunityFactory(workspace=workspace, external_id="room-x")
    now = timezone.now()
    batch = [
        {
            "id": f"e{i}",
            "type": "message",
            "platform": "wechat",
            "group_external_id": "room-x",
            "member_external_id": f"u{i % 3}",
            "at": now - timedelta(minutes=i),
            "count": 1,
        }
        for i in range(30)
    ] + [
        {
            "id": "j1",
            "type": "join",
            "platform": "wechat",
            "group_external_id": "room-x",
            "member_external_id": "u9",
            "at": now,
        }
    ]

    outcomes = run_in_threads(
        4, lambda i: events_ingest(workspace=workspace, events=[dict(e) for e in batch])
    )

    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    applied = sum(1 for results in outcomes for r in results if r.status == "applied")
    assert applied == len(batch)
    assert InboundEvent.objects.filter(workspace=workspace).count() == len(batch)
    assert sum(MessageDailyCount.objects.values_list("count", flat=True)) == 30
    assert Membership.objects.filter(member__external_id="u9").count() == 1
