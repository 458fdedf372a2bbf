"""Retention cohorts on the hand-made history (tests/dashboards/dataset.py), numbers worked out by hand."""

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/metrics/retention/"


def get(api_for, tenant, **params):
    response = api_for(tenant.analyst).get(URL, {"from": "2026-11-02", "to": "2026-11-29", **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_membership_retention_counts_who_still_holds_a_group_at_each_week_end(api_for, tenant_a, history):
    body = get(api_for, tenant_a)

    assert body["period"] == "week"
    # W1: A, B (Sunday 23:30), E, F; C joined the Sunday before `from`. End of W1: A, B, F (E left
    # on 11-04 and came back to g2 on 11-10); end of W2: A, E, F; end of W3: A, E. W4 has not ended.
    # W2: D (pushed via events), gone on 11-17. W4: G, no ended week yet.
    assert body["cohorts"] == [
        {"cohort": "2026-11-02", "size": 4, "values": [0.75, 0.75, 0.5]},
        {"cohort": "2026-11-09", "size": 1, "values": [1.0, 0.0]},
        {"cohort": "2026-11-23", "size": 1, "values": []},
    ]


def test_active_retention_counts_messages_and_activity_per_week_in_shanghai_time(api_for, tenant_a, history):
    body = get(api_for, tenant_a, mode="active")

    # W1 cohort: A's message on 11-03 (k0), B's on 11-10 (k1), A's on 11-17 and E's check-in at
    # 00:30 on Monday 11-16 in Shanghai (still Sunday in UTC) (k2). D: message 11-11 (k0).
    assert body["cohorts"] == [
        {"cohort": "2026-11-02", "size": 4, "values": [0.25, 0.25, 0.5]},
        {"cohort": "2026-11-09", "size": 1, "values": [1.0, 0.0]},
        {"cohort": "2026-11-23", "size": 1, "values": []},
    ]


def test_retention_of_one_source_counts_only_members_who_joined_that_way(api_for, tenant_a, history):
    body = get(api_for, tenant_a, source="referral")

    assert body["cohorts"] == [{"cohort": "2026-11-02", "size": 1, "values": [1.0, 0.0, 0.0]}]


def test_retention_of_a_kind_ignores_stays_in_groups_of_other_kinds(api_for, tenant_a, history):
    body = get(api_for, tenant_a, kind="lead_gen")

    # E's return to g2 (benefit) no longer counts: end of W2 A and F, end of W3 only A.
    assert body["cohorts"][0] == {"cohort": "2026-11-02", "size": 4, "values": [0.75, 0.5, 0.25]}


def test_retention_of_a_campaign_and_a_group(api_for, tenant_a, history):
    by_campaign = get(api_for, tenant_a, campaign="double11")
    by_group = get(api_for, tenant_a, group=history.g2.pk)

    assert by_campaign["cohorts"] == [{"cohort": "2026-11-02", "size": 1, "values": [1.0, 1.0, 0.0]}]
    # g2: A (11-06 → 11-07) in W1 gone by its end; E (11-10 →) in W2.
    assert by_group["cohorts"] == [
        {"cohort": "2026-11-02", "size": 1, "values": [0.0, 0.0, 0.0]},
        {"cohort": "2026-11-09", "size": 1, "values": [1.0, 1.0]},
    ]


def test_cohort_is_the_first_join_inside_the_dates_of_the_filter(api_for, tenant_a, history):
    body = get(api_for, tenant_a, **{"from": "2026-10-26", "to": "2026-11-08"})

    # C joined on Sunday 11-01 23:30 Shanghai: the week of 10-26; kicked 11-13 (during W3 of it).
    assert body["cohorts"] == [
        {"cohort": "2026-10-26", "size": 1, "values": [1.0, 1.0, 0.0, 0.0]},
        {"cohort": "2026-11-02", "size": 4, "values": [0.75, 0.75, 0.5]},
    ]
