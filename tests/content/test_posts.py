"""Posts: tracked links per group, scheduling by ETA task + reconciler, sending once, cancelling."""

import datetime as dt

import pytest
from django.utils import timezone

from content import services
from content.models import Post, PostDelivery, PostLink, PostState
from links.models import Link
from suo.models import WebhookDelivery, WebhookEndpoint
from tests.content.factories import ContentItemFactory
from tests.content.helpers import group_with_members

pytestmark = pytest.mark.django_db

BODY = "限时福利：https://example.com/a?x=1，详情看 https://example.com/b. 再看一次 https://example.com/a?x=1"


@pytest.fixture
def item(tenant_a):
    return ContentItemFactory(workspace=tenant_a.workspace, body=BODY)


@pytest.fixture
def post_in_an_hour(tenant_a, item):
    """The item scheduled into a group of one member, an hour from now."""
    group = group_with_members(tenant_a.workspace, 1)
    return services.post_create(
        workspace=tenant_a.workspace,
        item=item,
        groups=[group],
        scheduled_at=timezone.now() + dt.timedelta(hours=1),
    )


def test_every_url_becomes_a_tracked_link_per_post_and_group_when_posted(api_for, tenant_a, item):
    first, second = group_with_members(tenant_a.workspace, 2), group_with_members(tenant_a.workspace, 3)

    response = api_for(tenant_a.operator).post(
        "/api/posts/",
        {"item": item.pk, "groups": [first.pk, second.pk], "scheduled_at": timezone.now().isoformat()},
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [d["group"] for d in body["deliveries"]] == [first.pk, second.pk]
    for delivery in body["deliveries"]:
        assert len(delivery["links"]) == 2  # the repeated URL has one link
        assert "example.com" not in delivery["body"]
        a, b = delivery["links"]
        assert delivery["body"] == f"限时福利：{a}，详情看 {b}. 再看一次 {a}"
    all_links = body["deliveries"][0]["links"] + body["deliveries"][1]["links"]
    assert len(set(all_links)) == 4
    post = Post.objects.get(pk=body["id"])
    links = Link.objects.filter(pk__in=PostLink.objects.filter(post=post).values("link"))
    assert {link.source for link in links} == {f"post-{post.pk}"}
    assert {(link.group_id, link.url) for link in links} == {
        (group.pk, url)
        for group in (first, second)
        for url in ("https://example.com/a?x=1", "https://example.com/b")
    }


def test_post_create_enqueues_an_eta_task_with_the_id_on_commit(
    tenant_a, item, queued, django_capture_on_commit_callbacks
):
    group = group_with_members(tenant_a.workspace, 1)
    when = timezone.now() + dt.timedelta(hours=2)

    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_create(
            workspace=tenant_a.workspace, item=item, groups=[group], scheduled_at=when
        )

    sends = [(q.args, q.eta) for q in queued if q.task == "content.tasks.post_send_task"]
    assert sends == [([post.pk], when)]
    assert post.state == PostState.DUE


def test_post_is_sent_once_with_its_reach_and_a_webhook_when_due(tenant_a, item):
    WebhookEndpoint.objects.create(
        workspace=tenant_a.workspace, name="bot", url="http://127.0.0.1:9/", secret="s"
    )
    group = group_with_members(tenant_a.workspace, 7)
    post = services.post_create(workspace=tenant_a.workspace, item=item, groups=[group])

    first = services.post_send(post_id=post.pk)
    second = services.post_send(post_id=post.pk)

    assert first is not None and second is None
    post.refresh_from_db()
    assert post.state == PostState.SENT
    assert PostDelivery.objects.get(post=post).reach == 7
    sent = WebhookDelivery.objects.get(event_type="content.post_due")
    data = sent.payload["data"]
    assert data["post"] == post.pk
    assert data["deliveries"][0]["group"]["external_id"] == group.external_id
    assert data["deliveries"][0]["links"][0] in data["deliveries"][0]["body"]


def test_post_is_not_sent_before_its_time(post_in_an_hour):
    assert services.post_send(post_id=post_in_an_hour.pk) is None
    assert Post.objects.get(pk=post_in_an_hour.pk).state == PostState.DUE


def test_reconciler_sends_due_posts_whose_task_was_lost_and_leaves_future_ones(tenant_a, item):
    group = group_with_members(tenant_a.workspace, 2)
    now = timezone.now()
    due = services.post_create(workspace=tenant_a.workspace, item=item, groups=[group], scheduled_at=now)
    later = services.post_create(
        workspace=tenant_a.workspace, item=item, groups=[group], scheduled_at=now + dt.timedelta(hours=3)
    )

    sent = services.posts_reconcile(now=now + dt.timedelta(minutes=1))
    again = services.posts_reconcile(now=now + dt.timedelta(minutes=2))

    assert (sent, again) == (1, 0)
    assert Post.objects.get(pk=due.pk).state == PostState.SENT
    assert Post.objects.get(pk=later.pk).state == PostState.DUE


def test_a_post_in_the_past_is_refused_and_nothing_is_stored(api_for, tenant_a, item):
    group = group_with_members(tenant_a.workspace, 1)

    response = api_for(tenant_a.operator).post(
        "/api/posts/",
        {
            "item": item.pk,
            "groups": [group.pk],
            "scheduled_at": (timezone.now() - dt.timedelta(days=1)).isoformat(),
        },
    )

    assert response.status_code == 400
    assert "scheduled_at" in response.json()["fields"]
    assert not Post.objects.exists() and not Link.objects.exists()


def test_an_archived_item_cannot_be_posted(api_for, tenant_a):
    item = ContentItemFactory(workspace=tenant_a.workspace, status="archived")
    group = group_with_members(tenant_a.workspace, 1)

    response = api_for(tenant_a.operator).post("/api/posts/", {"item": item.pk, "groups": [group.pk]})

    assert response.status_code == 400
    assert "item" in response.json()["fields"]


def test_an_archived_group_takes_no_posts_and_nothing_is_stored(api_for, tenant_a, item):
    live = group_with_members(tenant_a.workspace, 1)
    archived = group_with_members(tenant_a.workspace, 1)
    archived.state = "archived"
    archived.save()

    response = api_for(tenant_a.operator).post(
        "/api/posts/", {"item": item.pk, "groups": [live.pk, archived.pk]}
    )

    assert response.status_code == 400
    assert archived.name in response.json()["fields"]["groups"][0]
    assert not Post.objects.exists() and not Link.objects.exists()


def test_cancelling_a_scheduled_post_switches_its_links_off(api_for, tenant_a, post_in_an_hour):
    post = post_in_an_hour
    client = api_for(tenant_a.operator)

    response = client.post(f"/api/posts/{post.pk}/cancel/")
    again = client.post(f"/api/posts/{post.pk}/cancel/")

    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert again.status_code == 400
    assert not Link.objects.filter(is_active=True).exists()
    assert services.post_send(post_id=post.pk) is None


def test_post_list_takes_a_bounded_number_of_queries(api_for, tenant_a, item, django_assert_max_num_queries):
    groups = [group_with_members(tenant_a.workspace, 1) for _ in range(3)]
    for _ in range(8):
        services.post_create(workspace=tenant_a.workspace, item=item, groups=groups)
    client = api_for(tenant_a.analyst)

    with django_assert_max_num_queries(10):
        response = client.get("/api/posts/")

    assert response.status_code == 200
    assert response.json()["count"] == 8
    assert all(len(d["links"]) == 2 for p in response.json()["results"] for d in p["deliveries"])


def test_a_group_filter_beyond_64_bits_is_a_400_naming_it(api_for, tenant_a):
    response = api_for(tenant_a.analyst).get("/api/posts/", {"group": "99999999999999999999999"})

    assert response.status_code == 400
    assert "group" in response.json()["fields"]
