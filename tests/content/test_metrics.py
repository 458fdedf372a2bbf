"""Post metrics on known numbers, engagement events through POST /api/events/, click attribution."""

import pytest

from content import services
from content.models import PostEngagement
from groups.models import InboundEvent
from tests.content.factories import ContentItemFactory
from tests.content.helpers import click_post_links, engagement_event, group_with_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(tenant_a):
    return group_with_members(tenant_a.workspace, 10, external_id="room-9")


@pytest.fixture
def sent_post(tenant_a, group):
    item = ContentItemFactory(workspace=tenant_a.workspace, body="报名：https://example.com/join")
    post = services.post_create(workspace=tenant_a.workspace, item=item, groups=[group])
    services.post_send(post_id=post.pk)
    return post


def push(api_for, tenant, events):
    return api_for(tenant.operator).post("/api/events/", {"events": events}).json()


def test_each_rate_is_the_metric_divided_by_the_reach_on_known_numbers(api_for, tenant_a, group, sent_post):
    click_post_links(sent_post, ["v1", "v2", "v3", "v4", "v1", "v2"])  # 4 unique visitors
    result = push(
        api_for,
        tenant_a,
        [
            engagement_event("r1", "reply", sent_post.pk, group, "m1"),
            engagement_event("r2", "reply", sent_post.pk, group, "m2"),
            engagement_event("x1", "reaction", sent_post.pk, group, "m3"),
            engagement_event("s1", "share", sent_post.pk, group, "m1"),
            engagement_event("s2", "share", sent_post.pk, group, "m4"),
        ],
    )

    metrics = api_for(tenant_a.analyst).get(f"/api/posts/{sent_post.pk}/metrics/").json()

    assert result["applied"] == 5
    assert metrics == {
        "reach": 10,
        "opens": 4,
        "open_rate": 0.4,
        "interactions": 3,
        "interaction_rate": 0.3,
        "shares": 2,
        "share_rate": 0.2,
    }


def test_rates_are_zero_when_the_post_reached_nobody(api_for, tenant_a):
    empty = group_with_members(tenant_a.workspace, 0)
    item = ContentItemFactory(workspace=tenant_a.workspace, body="https://example.com/x")
    post = services.post_create(workspace=tenant_a.workspace, item=item, groups=[empty])
    services.post_send(post_id=post.pk)
    click_post_links(post, ["v1"])

    metrics = api_for(tenant_a.analyst).get(f"/api/posts/{post.pk}/metrics/").json()

    assert metrics["reach"] == 0 and metrics["opens"] == 1
    assert metrics["open_rate"] == 0.0


def test_clicks_are_attributed_to_the_post_and_group_of_the_link(api_for, tenant_a, group):
    other = group_with_members(tenant_a.workspace, 5)
    item = ContentItemFactory(workspace=tenant_a.workspace, body="https://example.com/join")
    first = services.post_create(workspace=tenant_a.workspace, item=item, groups=[group, other])
    second = services.post_create(workspace=tenant_a.workspace, item=item, groups=[group])
    for post in (first, second):
        services.post_send(post_id=post.pk)
    click_post_links(first, ["a", "b"], group=other)
    click_post_links(second, ["c"])

    client = api_for(tenant_a.analyst)

    assert client.get(f"/api/posts/{first.pk}/metrics/").json()["opens"] == 2
    assert client.get(f"/api/posts/{second.pk}/metrics/").json()["opens"] == 1


def test_engagement_of_an_unknown_or_foreign_post_is_rejected_per_event(
    api_for, tenant_a, tenant_b, group, sent_post
):
    foreign_group = group_with_members(tenant_b.workspace, 1, external_id="room-9b")
    foreign_item = ContentItemFactory(workspace=tenant_b.workspace)
    foreign = services.post_create(workspace=tenant_b.workspace, item=foreign_item, groups=[foreign_group])
    elsewhere = group_with_members(tenant_a.workspace, 1, external_id="room-other")

    result = push(
        api_for,
        tenant_a,
        [
            engagement_event("ok", "reaction", sent_post.pk, group, "m1"),
            engagement_event("unknown", "reply", 999999, group, "m1"),
            engagement_event("foreign", "reply", foreign.pk, group, "m1"),
            engagement_event("wrong-group", "share", sent_post.pk, elsewhere, "m1"),
            {**engagement_event("no-post", "share", sent_post.pk, group, "m1"), "post": None},
        ],
    )

    codes = {r["id"]: (r["status"], r.get("code")) for r in result["results"]}
    assert codes == {
        "ok": ("applied", None),
        "unknown": ("rejected", "unknown_post"),
        "foreign": ("rejected", "unknown_post"),
        "wrong-group": ("rejected", "post_not_in_group"),
        "no-post": ("rejected", "invalid"),
    }
    assert PostEngagement.objects.count() == 1
    # a refused event's id is not claimed: once corrected it can be sent again
    assert not InboundEvent.objects.filter(event_id="unknown").exists()


def test_a_resent_engagement_event_counts_once(api_for, tenant_a, group, sent_post):
    event = engagement_event("same", "reply", sent_post.pk, group, "m1")

    push(api_for, tenant_a, [event])
    again = push(api_for, tenant_a, [event])

    assert again["duplicates"] == 1
    assert PostEngagement.objects.count() == 1


def test_an_engagement_batch_takes_a_bounded_number_of_queries(
    api_for, tenant_a, group, sent_post, django_assert_max_num_queries
):
    events = [
        engagement_event(f"e{i}", ("reply", "reaction", "share")[i % 3], sent_post.pk, group, f"m{i % 40}")
        for i in range(600)
    ]
    client = api_for(tenant_a.operator)

    with django_assert_max_num_queries(30):
        body = client.post("/api/events/", {"events": events}).json()

    assert body["applied"] == 600
    assert PostEngagement.objects.filter(kind="share").count() == 200
