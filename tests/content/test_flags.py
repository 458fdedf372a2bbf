"""Hit templates and low performers on a seeded history; clone as template; pruning."""

import datetime as dt

import pytest
from django.utils import timezone

from content.models import ContentItem, Post, PostDelivery, PostEngagement
from content.selectors import item_ranks
from tests.content.factories import ContentItemFactory
from tests.groups.factories import CommunityFactory, MemberFactory

pytestmark = pytest.mark.django_db
START = timezone.now() - dt.timedelta(days=60)


class History:
    """Sent posts with a known reach and engagement, one hour apart (oldest first)."""

    def __init__(self, workspace):
        self.workspace = workspace
        self.group = CommunityFactory(workspace=workspace)
        self.member = MemberFactory(workspace=workspace)
        self.hour = 0

    def post(self, item, *, reach=100, engaged=0):
        self.hour += 1
        at = START + dt.timedelta(hours=self.hour)
        post = Post.objects.create(
            workspace=self.workspace, item=item, scheduled_at=at, state="sent", sent_at=at
        )
        PostDelivery.objects.create(
            workspace=self.workspace, post=post, community=self.group, body="", reach=reach
        )
        PostEngagement.objects.bulk_create(
            PostEngagement(
                workspace=self.workspace,
                post=post,
                community=self.group,
                member=self.member,
                kind=("reply", "share")[i % 2],
                at=at,
            )
            for i in range(engaged)
        )
        return post


@pytest.fixture
def ranked(tenant_a, settings):
    """Ten promotion items with 3 posts each at rates 1%…10%, and one lone brand item."""
    settings.CONTENT_RANKING_POSTS = 30
    history = History(tenant_a.workspace)
    items = [ContentItemFactory(workspace=tenant_a.workspace, category="promotion") for _ in range(10)]
    for _round in range(3):
        for rate, item in enumerate(items, start=1):
            history.post(item, engaged=rate)
    lone = ContentItemFactory(workspace=tenant_a.workspace, category="brand")
    for _ in range(3):
        history.post(lone, engaged=0)
    return items, lone, history


def test_top_decile_of_its_category_is_a_hit_and_bottom_decile_a_low_performer(ranked, tenant_a):
    items, lone, _history = ranked

    ranks = item_ranks(workspace=tenant_a.workspace)

    flagged = {item_id: rank.flags for item_id, rank in ranks.items() if rank.flags}
    assert flagged == {items[-1].pk: ["hit"], items[0].pk: ["low"]}
    assert ranks[items[-1].pk].rate == pytest.approx(0.10)
    assert ranks[lone.pk].flags == []  # alone in its category: nothing to compare with


def test_a_weak_item_is_not_low_before_three_posts(tenant_a, settings):
    settings.CONTENT_RANKING_POSTS = 30
    history = History(tenant_a.workspace)
    weak, strong = ContentItemFactory.create_batch(2, workspace=tenant_a.workspace)
    for _ in range(2):
        history.post(weak, engaged=0)
    for _ in range(3):
        history.post(strong, engaged=20)

    ranks = item_ranks(workspace=tenant_a.workspace)

    assert ranks[weak.pk].flags == [] and ranks[strong.pk].flags == ["hit"]


def test_only_the_last_n_posts_of_the_category_count(tenant_a, settings):
    settings.CONTENT_RANKING_POSTS = 4
    history = History(tenant_a.workspace)
    fading, steady = ContentItemFactory.create_batch(2, workspace=tenant_a.workspace)
    history.post(fading, engaged=90)
    history.post(fading, engaged=90)
    history.post(steady, engaged=50)
    history.post(steady, engaged=50)
    history.post(fading, engaged=0)
    history.post(fading, engaged=0)

    ranks = item_ranks(workspace=tenant_a.workspace)

    assert ranks[steady.pk].flags == ["hit"]
    assert ranks[fading.pk].rate == 0.0 and ranks[fading.pk].posts == 2


def test_item_detail_shows_its_flags_and_metrics(api_for, tenant_a, ranked):
    items, _lone, _history = ranked
    client = api_for(tenant_a.analyst)

    hit = client.get(f"/api/content/{items[-1].pk}/").json()
    low = client.get(f"/api/content/{items[0].pk}/").json()
    hits = client.get("/api/content/?flag=hit").json()

    assert hit["flags"] == ["hit"] and low["flags"] == ["low"]
    assert hit["metrics"]["posts"] == 3 and hit["metrics"]["reach"] == 300
    assert hit["metrics"]["interaction_rate"] == pytest.approx(15 / 300)
    assert [row["id"] for row in hits["results"]] == [items[-1].pk]


def test_clone_as_template_makes_a_draft_linked_to_its_source(api_for, tenant_a, ranked):
    hit = ranked[0][-1]
    hit.tags.create(workspace=tenant_a.workspace, name="爆款")

    response = api_for(tenant_a.operator).post(f"/api/content/{hit.pk}/clone/")

    assert response.status_code == 201
    clone = ContentItem.objects.get(pk=response.json()["id"])
    assert (clone.status, clone.cloned_from_id, clone.body, clone.category) == (
        "draft",
        hit.pk,
        hit.body,
        hit.category,
    )
    assert response.json()["tags"] == ["爆款"]
    assert response.json()["cloned_from"] == hit.pk


def test_pruning_archives_the_low_performers_only(api_for, tenant_a, ranked):
    items, _lone, _history = ranked

    response = api_for(tenant_a.operator).post("/api/content/prune/")

    assert response.json() == {"archived": [items[0].pk]}
    assert set(ContentItem.objects.filter(status="archived").values_list("pk", flat=True)) == {items[0].pk}


def test_content_list_takes_a_bounded_number_of_queries(
    api_for, tenant_a, ranked, django_assert_max_num_queries
):
    client = api_for(tenant_a.analyst)

    with django_assert_max_num_queries(10):
        response = client.get("/api/content/")

    assert response.json()["count"] == 11
