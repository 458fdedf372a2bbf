"""The content admin: metrics and flags on an item, writes through services, the calendar, SOP apply."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from content import services
from content.models import ContentItem, LibraryImage, Post, Sop, SopTask
from groups.models import RoleAssignment
from suo.audit import AuditRecord
from tests.content.factories import ContentItemFactory
from tests.content.helpers import group_with_members, one_step_sop
from tests.content.test_flags import History
from tests.helpers import admin_form_errors

pytestmark = pytest.mark.django_db


def test_an_items_page_shows_its_metrics_and_hit_flag(login, tenant_a):
    history = History(tenant_a.workspace)
    hit, other = (
        ContentItemFactory(workspace=tenant_a.workspace),
        ContentItemFactory(workspace=tenant_a.workspace),
    )
    history.post(hit, reach=50, engaged=10)
    history.post(other, reach=50, engaged=1)
    client = login(tenant_a.analyst)

    page = client.get(f"/admin/content/contentitem/{hit.pk}/change/").content.decode()
    listing = client.get("/admin/content/contentitem/").content.decode()

    assert "爆款模板" in page and "<td>50</td>" in page and "5 (10.0%)" in page
    assert listing.count("爆款模板") == 1


def test_adding_an_item_in_the_admin_goes_through_the_service(login, tenant_a):
    response = login(tenant_a.operator).post(
        "/admin/content/contentitem/add/",
        {
            "workspace": tenant_a.workspace.pk,
            "title": "后台新建",
            "body": "正文",
            "category": "brand",
            "method": "original",
            "status": "draft",
            "tag_names": "品牌，故事",
        },
    )

    assert response.status_code == 302
    item = ContentItem.objects.get(title="后台新建")
    assert sorted(t.name for t in item.tags.all()) == ["品牌", "故事"]
    assert AuditRecord.objects.filter(verb="content.item_created", target_id=str(item.pk)).exists()


def test_another_workspaces_items_are_404_and_not_listed_in_the_admin(login, tenant_a, tenant_b):
    foreign = ContentItemFactory(workspace=tenant_b.workspace, title="别家的内容")
    client = login(tenant_a.owner)

    assert client.get(f"/admin/content/contentitem/{foreign.pk}/change/").status_code == 404
    assert "别家的内容" not in client.get("/admin/content/contentitem/").content.decode()
    choices = client.get("/admin/content/post/add/").context["adminform"].form.fields["groups"].queryset
    assert not choices.filter(workspace=tenant_b.workspace).exists()


def test_the_calendar_lists_upcoming_posts_and_tasks_of_the_users_workspace_only(login, tenant_a, tenant_b):
    group = group_with_members(tenant_a.workspace, 1, name="读书1群")
    RoleAssignment.objects.create(
        workspace=tenant_a.workspace,
        community=group,
        role="lead",
        user=tenant_a.operator,
        started_at=timezone.now(),
    )
    tomorrow = timezone.now() + dt.timedelta(days=1)
    services.post_create(
        workspace=tenant_a.workspace,
        item=ContentItemFactory(workspace=tenant_a.workspace, title="明日早报"),
        groups=[group],
        scheduled_at=tomorrow,
    )
    sop = one_step_sop(tenant_a.workspace, action="周末团购", day_offset=2)
    services.sop_apply(sop=sop, community=group)
    foreign_group = group_with_members(tenant_b.workspace, 1)
    services.post_create(
        workspace=tenant_b.workspace,
        item=ContentItemFactory(workspace=tenant_b.workspace, title="别家早报"),
        groups=[foreign_group],
        scheduled_at=tomorrow,
    )
    client = login(tenant_a.operator)

    page = client.get("/admin/content/post/calendar/").content.decode()
    forced = client.get(f"/admin/content/post/calendar/?workspace={tenant_b.workspace.pk}").content.decode()

    assert "明日早报" in page and "周末团购" in page and "读书1群" in page
    assert "别家早报" not in page and "别家早报" not in forced


def test_applying_an_sop_from_the_admin_creates_the_tasks(login, tenant_a):
    group = group_with_members(tenant_a.workspace, 1)
    sop = one_step_sop(tenant_a.workspace, role="kol", action="分享")

    response = login(tenant_a.operator).post(
        f"/admin/content/sop/{sop.pk}/apply/", {"group": group.pk, "start_date": "2026-05-01"}
    )

    assert response.status_code == 302
    assert SopTask.objects.filter(community=group, action="分享").count() == 1


def test_adding_an_sop_with_steps_in_the_admin_goes_through_the_service(login, tenant_a):
    data = {
        "workspace": tenant_a.workspace.pk,
        "name": "后台 SOP",
        "description": "",
        "auto_kind": "",
        "is_active": "on",
        "steps-TOTAL_FORMS": 2,
        "steps-INITIAL_FORMS": 0,
        "steps-MIN_NUM_FORMS": 1,
        "steps-MAX_NUM_FORMS": 1000,
        "steps-0-day_offset": 0,
        "steps-0-time": "09:00",
        "steps-0-role": "lead",
        "steps-0-action": "开场",
        "steps-1-day_offset": 1,
        "steps-1-time": "20:00",
        "steps-1-role": "atmosphere",
        "steps-1-action": "暖场",
    }

    response = login(tenant_a.operator).post("/admin/content/sop/add/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    sop = Sop.objects.get(name="后台 SOP")
    assert [(s.order, s.action) for s in sop.steps.order_by("order")] == [(1, "开场"), (2, "暖场")]


def test_a_bad_picture_is_a_form_error_in_the_admin(login, tenant_a, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)

    response = login(tenant_a.operator).post(
        "/admin/content/libraryimage/add/",
        {
            "workspace": tenant_a.workspace.pk,
            "title": "x",
            "upload": SimpleUploadedFile("x.png", b"not a picture"),
        },
    )

    assert "upload" in admin_form_errors(response)
    assert not LibraryImage.objects.exists()


def test_a_post_added_in_the_admin_is_scheduled_with_tracked_links(login, tenant_a):
    group = group_with_members(tenant_a.workspace, 1)
    item = ContentItemFactory(workspace=tenant_a.workspace, body="看这里 https://example.com/x")
    when = timezone.localtime(timezone.now() + dt.timedelta(hours=1))

    response = login(tenant_a.operator).post(
        "/admin/content/post/add/",
        {
            "workspace": tenant_a.workspace.pk,
            "item": item.pk,
            "groups": [group.pk],
            "scheduled_at_0": when.strftime("%Y-%m-%d"),
            "scheduled_at_1": when.strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    post = Post.objects.get()
    assert "example.com" not in post.deliveries.get().body


def test_tasks_are_ticked_from_the_admin_list_through_the_service(login, tenant_a):
    group = group_with_members(tenant_a.workspace, 1)
    sop = one_step_sop(tenant_a.workspace)
    task = services.sop_apply(sop=sop, community=group).created_tasks[0]

    response = login(tenant_a.moderator).post(
        "/admin/content/soptask/", {"action": "mark_done", "_selected_action": [task.pk]}
    )

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "done" and task.closed_by == tenant_a.moderator
    assert AuditRecord.objects.filter(verb="content.task_done", target_id=str(task.pk)).exists()
