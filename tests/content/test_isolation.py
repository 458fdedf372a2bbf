"""Another workspace's content rows do not exist: 404 in the API, never listed, never usable."""

import pytest

from content import services
from content.models import Post
from tests.content.factories import ContentItemFactory
from tests.content.helpers import group_with_members, one_step_sop

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign(tenant_b):
    workspace = tenant_b.workspace
    item = ContentItemFactory(workspace=workspace)
    group = group_with_members(workspace, 1)
    post = services.post_create(workspace=workspace, item=item, groups=[group])
    faq = services.faq_save(workspace=workspace, question="怎么退款", answer="联系客服")
    title = services.title_save(workspace=workspace, text="标题")
    script = services.abc_script_save(
        workspace=workspace, title="剧本", lines=[{"position": "A", "text": "你好"}]
    )
    sop = one_step_sop(workspace, name="sop")
    task = services.sop_apply(sop=sop, community=group).created_tasks[0]
    return {
        "content": item.pk,
        "posts": post.pk,
        "faqs": faq.pk,
        "titles": title.pk,
        "abc-scripts": script.pk,
        "sops": sop.pk,
        "tasks": task.pk,
        "group": group.pk,
        "item": item,
    }


@pytest.mark.parametrize("prefix", ["content", "posts", "faqs", "titles", "abc-scripts", "sops", "tasks"])
def test_another_workspaces_rows_are_404_and_not_listed(api_for, tenant_a, foreign, prefix):
    client = api_for(tenant_a.owner)

    assert client.get(f"/api/{prefix}/{foreign[prefix]}/").status_code == 404
    assert client.get(f"/api/{prefix}/").json()["count"] == 0


@pytest.mark.parametrize(
    "path",
    ["content/{content}/clone/", "posts/{posts}/cancel/", "sops/{sops}/apply/", "tasks/{tasks}/done/"],
)
def test_actions_on_another_workspaces_rows_are_404(api_for, tenant_a, foreign, path):
    response = api_for(tenant_a.owner).post("/api/" + path.format(**foreign), {"group": foreign["group"]})

    assert response.status_code == 404


def test_another_workspaces_item_or_group_cannot_be_posted(api_for, tenant_a, foreign):
    own_item = ContentItemFactory(workspace=tenant_a.workspace)
    own_group = group_with_members(tenant_a.workspace, 1)
    client = api_for(tenant_a.operator)

    foreign_item = client.post("/api/posts/", {"item": foreign["content"], "groups": [own_group.pk]})
    foreign_group = client.post("/api/posts/", {"item": own_item.pk, "groups": [foreign["group"]]})

    assert foreign_item.status_code == 400 and "item" in foreign_item.json()["fields"]
    assert foreign_group.status_code == 400 and "groups" in foreign_group.json()["fields"]
    assert Post.objects.filter(workspace=tenant_a.workspace).count() == 0


def test_an_sop_cannot_be_applied_to_another_workspaces_group(api_for, tenant_a, foreign):
    client = api_for(tenant_a.operator)
    sop = client.post(
        "/api/sops/",
        {"name": "s", "steps": [{"day_offset": 0, "time": "09:00", "role": "lead", "action": "x"}]},
    ).json()

    response = client.post(f"/api/sops/{sop['id']}/apply/", {"group": foreign["group"]})

    assert response.status_code == 400 and "group" in response.json()["fields"]
