"""SOPs: applied in the workspace's time zone to the role holders, reminders on time, ticking, rates."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from content import services
from content.models import ReminderState, SopApplication, SopTask, TaskStatus
from groups.models import RoleAssignment
from suo.models import WebhookDelivery, WebhookEndpoint
from tests.content.helpers import one_step_sop
from tests.groups.factories import CommunityFactory, MemberFactory
from tests.helpers import response_schema_errors

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.fixture
def group(tenant_a):
    group = CommunityFactory(workspace=tenant_a.workspace, external_id="room-sop")
    now = timezone.now()
    RoleAssignment.objects.create(
        workspace=tenant_a.workspace, community=group, role="lead", user=tenant_a.operator, started_at=now
    )
    for name in ("小美", "阿杰"):
        member = MemberFactory(workspace=tenant_a.workspace, display_name=name)
        RoleAssignment.objects.create(
            workspace=tenant_a.workspace, community=group, role="atmosphere", member=member, started_at=now
        )
    return group


STEPS = [
    {"day_offset": 0, "time": "09:00", "role": "lead", "action": "发布群公告"},
    {"day_offset": 1, "time": "20:30", "role": "atmosphere", "action": "按 ABC 剧本暖场"},
    {"day_offset": 2, "time": "10:00", "role": "kol", "action": "分享使用心得"},
]


def make_sop(api_for, tenant, steps=STEPS, **extra):
    response = api_for(tenant.operator).post("/api/sops/", {"name": "新群 7 天 SOP", "steps": steps, **extra})
    assert response.status_code == 201, response.json()
    return response.json()


def test_applying_makes_dated_tasks_for_each_role_holder_in_the_workspace_time_zone(api_for, tenant_a, group):
    sop = make_sop(api_for, tenant_a)

    response = api_for(tenant_a.operator).post(
        f"/api/sops/{sop['id']}/apply/", {"group": group.pk, "start_date": "2026-03-02"}
    )

    assert response.status_code == 201, response.json()
    rows = [
        (t["due_at"], t["role"], t["assignee"], t["assignee_name"], t["action"])
        for t in response.json()["tasks"]
    ]
    assert rows == [
        ("2026-03-02T09:00:00+08:00", "lead", tenant_a.operator.pk, "alpha_operator", "发布群公告"),
        ("2026-03-03T20:30:00+08:00", "atmosphere", None, "小美", "按 ABC 剧本暖场"),
        ("2026-03-03T20:30:00+08:00", "atmosphere", None, "阿杰", "按 ABC 剧本暖场"),
        ("2026-03-04T10:00:00+08:00", "kol", None, "", "分享使用心得"),  # nobody holds it: unassigned
    ]


def test_day_zero_defaults_to_today_in_the_workspace_time_zone(tenant_a, group):
    tenant_a.workspace.timezone = "America/New_York"
    tenant_a.workspace.save()
    sop = one_step_sop(tenant_a.workspace)

    # 03:00 UTC on March 3rd is still March 2nd in New York
    with time_machine.travel(dt.datetime(2026, 3, 3, 3, 0, tzinfo=UTC), tick=False):
        application = services.sop_apply(sop=sop, community=group)

    assert application.start_date == dt.date(2026, 3, 2)
    due = application.created_tasks[0].due_at
    assert due == dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("America/New_York"))


def test_a_weekday_step_falls_on_the_first_such_day_from_its_offset(tenant_a, group):
    sop = services.sop_save(
        workspace=tenant_a.workspace,
        name="周会",
        steps=[
            {"day_offset": 3, "weekday": 0, "time": dt.time(19, 30), "role": "lead", "action": "周一复盘"}
        ],
    )

    application = services.sop_apply(sop=sop, community=group, start_date=dt.date(2026, 3, 4))  # a Wednesday

    due = application.created_tasks[0].due_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert (due.date(), due.hour, due.minute) == (dt.date(2026, 3, 9), 19, 30)  # the next Monday


def test_applying_twice_from_the_same_date_is_refused(api_for, tenant_a, group):
    sop = make_sop(api_for, tenant_a)
    client = api_for(tenant_a.operator)

    client.post(f"/api/sops/{sop['id']}/apply/", {"group": group.pk, "start_date": "2026-03-02"})
    again = client.post(f"/api/sops/{sop['id']}/apply/", {"group": group.pk, "start_date": "2026-03-02"})

    assert again.status_code == 400
    assert SopTask.objects.count() == 4


def test_an_sop_is_not_applied_to_an_archived_group(api_for, tenant_a, group):
    sop = make_sop(api_for, tenant_a)
    group.state = "archived"
    group.save()

    response = api_for(tenant_a.operator).post(f"/api/sops/{sop['id']}/apply/", {"group": group.pk})

    assert response.status_code == 400
    assert response.json()["fields"] == {"group": ["该社群已归档。"]}
    assert not SopApplication.objects.exists() and not SopTask.objects.exists()


@pytest.mark.parametrize("start_date", ["9999-12-31", "0001-01-01", "2048-01-01"])
def test_a_start_date_far_from_today_is_a_400_and_nothing_is_written(api_for, tenant_a, group, start_date):
    sop = make_sop(api_for, tenant_a)

    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        response = api_for(tenant_a.operator).post(
            f"/api/sops/{sop['id']}/apply/", {"group": group.pk, "start_date": start_date}
        )

    assert response.status_code == 400
    assert "start_date" in response.json()["fields"]
    assert not SopApplication.objects.exists() and not SopTask.objects.exists()


def test_reminders_are_enqueued_with_their_due_time_on_commit(
    tenant_a, group, queued, django_capture_on_commit_callbacks
):
    sop = one_step_sop(tenant_a.workspace, day_offset=1)
    with django_capture_on_commit_callbacks(execute=True):
        application = services.sop_apply(sop=sop, community=group, start_date=timezone.localdate())

    task = application.created_tasks[0]
    assert [(q.task, q.args, q.eta) for q in queued] == [
        ("content.tasks.task_remind_task", [task.pk], task.due_at)
    ]


def test_a_due_task_is_reminded_once_by_webhook_and_in_app(api_for, tenant_a, group):
    WebhookEndpoint.objects.create(
        workspace=tenant_a.workspace, name="bot", url="http://127.0.0.1:9/", secret="s"
    )
    start = dt.datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    sop = services.sop_save(
        workspace=tenant_a.workspace,
        name="s",
        steps=[{"time": dt.time(9), "role": "lead", "action": "发公告"}],
    )
    with time_machine.travel(start, tick=False):
        task = services.sop_apply(sop=sop, community=group).created_tasks[0]
        early = services.task_remind(task_id=task.pk)
    with time_machine.travel(start + dt.timedelta(hours=1, minutes=1), tick=False):
        first = services.task_remind(task_id=task.pk)
        second = services.task_remind(task_id=task.pk)
        reminders = api_for(tenant_a.operator).get("/api/tasks/reminders/").json()

    assert early is None and first is not None and second is None
    sent = WebhookDelivery.objects.get(event_type="content.task_due")
    assert sent.payload["data"]["action"] == "发公告"
    assert sent.payload["data"]["assignee"]["user"] == "alpha_operator"
    assert [row["id"] for row in reminders["results"]] == [task.pk]


def test_the_reconciler_sends_reminders_whose_task_was_lost(tenant_a, group):
    sop = services.sop_save(workspace=tenant_a.workspace, name="s", steps=STEPS_AS_SERVICE)
    start = timezone.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    application = services.sop_apply(sop=sop, community=group, start_date=start)
    first_due = min(task.due_at for task in application.created_tasks)

    sent = services.reminders_reconcile(now=first_due + dt.timedelta(minutes=1))
    again = services.reminders_reconcile(now=first_due + dt.timedelta(minutes=2))

    assert (sent, again) == (1, 0)
    assert SopTask.objects.filter(reminder=ReminderState.SENT).count() == 1


STEPS_AS_SERVICE = [
    {
        "day_offset": s["day_offset"],
        "time": dt.time.fromisoformat(s["time"]),
        "role": s["role"],
        "action": s["action"],
    }
    for s in STEPS
]


def test_ticked_tasks_get_no_reminder_and_tick_once(api_for, tenant_a, group):
    sop = make_sop(api_for, tenant_a)
    client = api_for(tenant_a.moderator)
    tasks_ = (
        api_for(tenant_a.operator).post(f"/api/sops/{sop['id']}/apply/", {"group": group.pk}).json()["tasks"]
    )
    first, second = tasks_[0]["id"], tasks_[1]["id"]

    done = client.post(f"/api/tasks/{first}/done/")
    done_again = client.post(f"/api/tasks/{first}/done/")
    skipped = client.post(f"/api/tasks/{second}/skip/")
    conflict = client.post(f"/api/tasks/{first}/skip/")

    assert done.status_code == 200 and done.json()["status"] == "done"
    assert done_again.status_code == 200
    assert skipped.json()["status"] == "skipped"
    assert conflict.status_code == 400 and conflict.json()["code"] == "already_closed"
    assert SopTask.objects.get(pk=first).reminder == ReminderState.CANCELLED
    assert services.task_remind(task_id=first, now=timezone.now() + dt.timedelta(days=30)) is None
    assert api_for(tenant_a.analyst).post(f"/api/tasks/{first}/done/").status_code == 403


def test_tasks_filter_by_due_time_and_assignee(api_for, tenant_a, group):
    sop = make_sop(api_for, tenant_a)
    api_for(tenant_a.operator).post(
        f"/api/sops/{sop['id']}/apply/", {"group": group.pk, "start_date": "2026-03-02"}
    )
    client = api_for(tenant_a.operator)

    mine = client.get("/api/tasks/", {"assignee": tenant_a.operator.pk}).json()["results"]
    me = client.get("/api/tasks/", {"assignee": "me"}).json()["results"]
    early = client.get("/api/tasks/", {"due_before": "2026-03-03T00:00:00+08:00"}).json()["results"]
    bad = client.get("/api/tasks/", {"assignee": "someone"})

    assert [t["action"] for t in mine] == ["发布群公告"] and me == mine
    assert [t["action"] for t in early] == ["发布群公告"]
    assert bad.status_code == 400


def test_completion_rate_per_sop_and_per_person(api_for, tenant_a, group):
    sop = make_sop(api_for, tenant_a)
    client = api_for(tenant_a.operator)
    applied = client.post(
        f"/api/sops/{sop['id']}/apply/", {"group": group.pk, "start_date": "2026-03-02"}
    ).json()
    by_name = {t["assignee_name"]: t["id"] for t in applied["tasks"]}
    client.post(f"/api/tasks/{by_name['alpha_operator']}/done/")
    client.post(f"/api/tasks/{by_name['小美']}/done/")
    client.post(f"/api/tasks/{by_name['阿杰']}/skip/")

    completion = client.get(f"/api/sops/{sop['id']}/completion/").json()
    listed = client.get("/api/sops/").json()["results"][0]

    assert (completion["tasks"], completion["done"], completion["skipped"], completion["overdue"]) == (
        4,
        2,
        1,
        1,
    )
    assert completion["completion_rate"] == 0.5 and listed["completion_rate"] == 0.5
    people = {row["name"]: row["completion_rate"] for row in completion["people"]}
    assert people == {"alpha_operator": 1.0, "小美": 1.0, "阿杰": 0.0, "": 0.0}


def test_an_auto_sop_is_applied_once_to_each_new_group_of_its_kind(tenant_a):
    old_flash = CommunityFactory(workspace=tenant_a.workspace, kind="flash")
    sop = services.sop_save(
        workspace=tenant_a.workspace,
        name="快闪群 SOP",
        auto_kind="flash",
        steps=[{"time": dt.time(9), "role": "lead", "action": "预热"}],
    )
    new_flash = CommunityFactory(workspace=tenant_a.workspace, kind="flash")
    CommunityFactory(workspace=tenant_a.workspace, kind="benefit")

    made = services.sops_auto_apply()
    again = services.sops_auto_apply()

    assert (made, again) == (1, 0)
    applied = SopTask.objects.filter(application__sop=sop)
    assert set(applied.values_list("community", flat=True)) == {new_flash.pk}
    assert old_flash.pk not in set(applied.values_list("community", flat=True))


def test_status_filter_and_list_take_a_bounded_number_of_queries(
    api_for, tenant_a, group, django_assert_max_num_queries
):
    sop = make_sop(api_for, tenant_a)
    for day in range(1, 6):
        api_for(tenant_a.operator).post(
            f"/api/sops/{sop['id']}/apply/", {"group": group.pk, "start_date": f"2026-03-0{day}"}
        )
    client = api_for(tenant_a.analyst)

    with django_assert_max_num_queries(8):
        response = client.get("/api/tasks/", {"status": TaskStatus.OPEN})
    with django_assert_max_num_queries(8):
        sops = client.get("/api/sops/")

    assert response.json()["count"] == 20
    assert sops.json()["count"] == 1


@pytest.mark.parametrize("name", ["group", "sop", "assignee"])
def test_a_task_filter_id_beyond_64_bits_is_a_400_naming_it(api_for, tenant_a, name):
    response = api_for(tenant_a.operator).get("/api/tasks/", {name: "99999999999999999999999"})

    assert response.status_code == 400
    assert name in response.json()["fields"]


def test_a_sop_answers_its_step_times_as_documented(api_for, tenant_a):
    sop = make_sop(api_for, tenant_a)

    shown = api_for(tenant_a.operator).get(f"/api/sops/{sop['id']}/")

    assert [step["time"] for step in shown.json()["steps"]] == ["09:00", "20:30", "10:00"]
    assert response_schema_errors(shown, "/api/sops/{id}/", "get") == []
