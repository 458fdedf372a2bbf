"""Logging under concurrency: real threads on real connections (SQLite file or PostgreSQL)."""

import pytest

from groups.models import Membership, Violation
from groups.moderation import services as moderation
from tests.groups.factories import (
    CommunityFactory,
    MemberFactory,
    MembershipFactory,
    RuleFactory,
    ladder_with,
)
from tests.helpers import run_in_threads
from tests.suo.factories import UserFactory, WorkspaceFactory, WorkspaceMembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_parallel_logs_for_one_member_produce_steps_in_order():
    workspace = WorkspaceFactory()
    steps = [("warn",)] * 5 + [("mute", minutes) for minutes in range(10, 160, 10)]
    assert len(steps) == 20
    group = CommunityFactory(workspace=workspace, ladder=ladder_with(workspace, steps))
    member = MemberFactory(workspace=workspace)
    MembershipFactory(community=group, member=member)
    rule = RuleFactory(workspace=workspace)
    moderators = []
    for index in range(20):
        user = UserFactory(username=f"mod{index}")
        WorkspaceMembershipFactory(workspace=workspace, user=user, role="moderator")
        moderators.append(user)

    outcomes = run_in_threads(
        20,
        lambda i: (
            moderation.violation_log(community=group, member=member, rule=rule, by=moderators[i]).violation
        ),
    )

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    logged = list(Violation.objects.filter(member=member).order_by("created_at", "pk"))
    assert [v.step for v in logged] == list(range(1, 21))
    assert [v.counted_before for v in logged] == list(range(20))
    assert sorted(o.step for o in outcomes) == list(range(1, 21))  # never the same step twice
    longest = max(v.created_at.timestamp() + v.mute_minutes * 60 for v in logged if v.mute_minutes)
    stay = Membership.objects.get(community=group, member=member, is_active=True)
    assert stay.muted_until.timestamp() == pytest.approx(longest, abs=0.01)


def test_two_moderators_at_the_same_moment_get_two_consecutive_steps_of_the_default_ladder():
    workspace = WorkspaceFactory()
    group = CommunityFactory(workspace=workspace)
    member = MemberFactory(workspace=workspace)
    MembershipFactory(community=group, member=member)
    rule = RuleFactory(workspace=workspace)
    users = [UserFactory(username=f"m{i}") for i in range(2)]

    outcomes = run_in_threads(
        2,
        lambda i: moderation.violation_log(community=group, member=member, rule=rule, by=users[i]).violation,
    )

    assert sorted((o.step, o.action) for o in outcomes) == [(1, "warn"), (2, "mute")], outcomes
