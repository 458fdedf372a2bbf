"""The library API: content items, titles, ABC scripts; validation with the error body."""

import pytest

from content.models import AbcLine, ContentItem, Title
from suo.audit import AuditRecord

pytestmark = pytest.mark.django_db


def test_creating_an_item_returns_it_as_a_draft_with_no_flags(api_for, tenant_a):
    response = api_for(tenant_a.operator).post(
        "/api/content/",
        {
            "title": "双11预热",
            "body": "**今晚8点**开抢",
            "category": "promotion",
            "method": "original",
            "tags": ["双11", "预热"],
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["flags"], body["tags"], body["cloned_from"]) == (
        "draft",
        [],
        ["双11", "预热"],
        None,
    )
    assert body["metrics"] == {
        "posts": 0,
        "reach": 0,
        "opens": 0,
        "open_rate": 0.0,
        "interactions": 0,
        "interaction_rate": 0.0,
        "shares": 0,
        "share_rate": 0.0,
    }
    assert AuditRecord.objects.filter(verb="content.item_created", target_id=str(body["id"])).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "", "body": "x", "category": "promotion", "method": "original"}, "title"),
        ({"title": "t", "body": "x", "category": "news", "method": "original"}, "category"),
        ({"title": "t", "body": "x", "category": "brand", "method": "copy"}, "method"),
        ({"title": "t", "body": "x", "category": "brand", "method": "ugc", "tags": ["t" * 40]}, "tags.0"),
    ],
)
def test_a_wrong_item_is_a_400_naming_the_field_and_stores_nothing(api_for, tenant_a, payload, field):
    response = api_for(tenant_a.operator).post("/api/content/", payload)

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not ContentItem.objects.exists()


def test_changing_an_item_keeps_the_rest(api_for, tenant_a):
    client = api_for(tenant_a.operator)
    item = client.post(
        "/api/content/", {"title": "a", "body": "b", "category": "brand", "method": "repost"}
    ).json()

    changed = client.patch(f"/api/content/{item['id']}/", {"status": "approved", "tags": ["品牌"]}).json()

    assert (changed["status"], changed["title"], changed["tags"]) == ("approved", "a", ["品牌"])


def test_titles_are_a_library_of_headlines_and_keywords(api_for, tenant_a):
    client = api_for(tenant_a.operator)

    headline = client.post("/api/titles/", {"text": "宝妈必看的 5 个省钱技巧", "tags": ["宝妈"]})
    keyword = client.post("/api/titles/", {"text": "平价护肤推荐", "kind": "keyword"})
    duplicate = client.post("/api/titles/", {"text": "平价护肤推荐", "kind": "keyword"})
    keywords = client.get("/api/titles/", {"kind": "keyword"}).json()

    assert headline.status_code == 201 and headline.json()["kind"] == "headline"
    assert keyword.status_code == 201
    assert duplicate.status_code == 400 and "text" in duplicate.json()["fields"]
    assert [row["text"] for row in keywords["results"]] == ["平价护肤推荐"]
    assert Title.objects.count() == 2


def test_abc_scripts_keep_their_lines_in_order(api_for, tenant_a):
    client = api_for(tenant_a.operator)
    lines = [
        {"position": "A", "text": "今天的秒杀大家抢到了吗？"},
        {"position": "B", "text": "抢到了！价格真的很香"},
        {"position": "C", "text": "我去看看还有没有"},
    ]

    created = client.post("/api/abc-scripts/", {"title": "秒杀暖场", "lines": lines})
    changed = client.patch(f"/api/abc-scripts/{created.json()['id']}/", {"lines": lines[:2]})
    wrong = client.post("/api/abc-scripts/", {"title": "x", "lines": [{"position": "D", "text": "?"}]})

    assert created.status_code == 201 and created.json()["lines"] == lines
    assert changed.json()["lines"] == lines[:2]
    assert AbcLine.objects.count() == 2
    assert wrong.status_code == 400 and "lines.0.position" in wrong.json()["fields"]


def test_analysts_read_the_library_but_cannot_write(api_for, tenant_a):
    client = api_for(tenant_a.analyst)

    assert client.get("/api/content/").status_code == 200
    response = client.post("/api/content/", {"title": "t", "body": "b", "category": "brand", "method": "ugc"})
    assert response.status_code == 403
