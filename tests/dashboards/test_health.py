"""Group health per group on the hand-made history, worked out by hand."""

import pytest

from groups.models import Violation
from tests.dashboards.dataset import local
from tests.groups.factories import RuleFactory

pytestmark = pytest.mark.django_db


def violation(history, member, **extra):
    rule = RuleFactory(workspace=history.workspace)
    return Violation.objects.create(
        workspace=history.workspace,
        member=member,
        community=history.g1,
        rule=rule,
        step=1,
        action="warn",
        counted_before=0,
        created_at=local(11, 11),
        **extra,
    )


def test_health_of_each_group_in_a_week(api_for, tenant_a, history):
    violation(history, history.members["A"])
    violation(history, history.members["F"], revoked_at=local(11, 12), revoke_reason="误判")

    response = api_for(tenant_a.analyst).get(
        "/api/metrics/health/", {"from": "2026-11-09", "to": "2026-11-15"}
    )

    assert response.status_code == 200
    g1, g2 = sorted(response.json()["groups"], key=lambda row: row["name"] != "引流一群")
    # g1 at the end (Monday 11-16 00:00): A, D, F. At the start: A, B, C, F. Joined: D. Left: B, C.
    assert (g1["size"], g1["joins"], g1["leaves"], g1["growth"]) == (3, 1, 2, -1)
    assert g1["messages"] == 6 and g1["messages_per_member_week"] == 2.0  # 6 messages ÷ 3 members ÷ 1 week
    assert g1["exit_rate"] == 0.5
    assert (g1["violations"], g1["violations_per_100"]) == (1, 33.3333)  # the revoked one does not count
    assert g1["cold"] is False
    # g2: E came back on 11-10; nobody was in it at the start, so no exit rate.
    assert (g2["size"], g2["growth"], g2["messages_per_member_week"], g2["exit_rate"]) == (1, 1, 0.0, None)


def test_health_of_one_kind(api_for, tenant_a, history):
    response = api_for(tenant_a.analyst).get("/api/metrics/health/", {"kind": "benefit"})

    assert [row["name"] for row in response.json()["groups"]] == ["福利二群"]
