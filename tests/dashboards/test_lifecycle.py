"""Cold groups (detection, flags, alerts) and migration (preview, apply, cleanup): services, API, admin."""

import datetime as dt
from decimal import Decimal

import pytest

from groups.dashboards.models import ColdGroupFlag, GroupMigration
from groups.dashboards.services import cold_groups_flag, lifecycle_settings_update
from groups.dashboards.tasks import cold_groups_sweep
from groups.models import ActivityEvent, Membership, MessageDailyCount
from suo.models import AuditRecord, WebhookDelivery, WebhookEndpoint
from tests.dashboards.dataset import NOW, local
from tests.groups.factories import CommunityFactory, MemberFactory, MembershipFactory

pytestmark = pytest.mark.django_db

# The last three ended weeks before NOW (Thursday 11-26): 11-02, 11-09, 11-16.
WEEKS = (dt.date(2026, 11, 2), dt.date(2026, 11, 9), dt.date(2026, 11, 16))


def group_with(workspace, name, messages_per_week, *, members=10, joined=None):
    joined = joined or local(10, 20)
    group = CommunityFactory(workspace=workspace, name=name)
    people = [MemberFactory(workspace=workspace) for _ in range(members)]
    for person in people:
        MembershipFactory(community=group, member=person, joined_at=joined)
    for week, count in zip(WEEKS, messages_per_week, strict=True):
        if count:
            MessageDailyCount.objects.create(
                workspace=workspace,
                community=group,
                member=people[0],
                day=week + dt.timedelta(days=2),
                count=count,
            )
    return group


@pytest.fixture
def endpoint(tenant_a):
    return WebhookEndpoint.objects.create(
        workspace=tenant_a.workspace, name="bot", url="http://127.0.0.1:9/", secret="s"
    )


def test_a_group_under_the_threshold_for_three_weeks_is_flagged_once(tenant_a, frozen, endpoint):
    ws = tenant_a.workspace
    cold = group_with(ws, "冷群", [1, 1, 1])  # 0.1 messages per member each week
    group_with(ws, "暖群", [1, 1, 5])  # warmed up in the last week
    group_with(ws, "刚好", [2, 2, 2])  # exactly 0.2: not under it
    group_with(ws, "新群", [0, 0, 0], joined=local(11, 10))  # not three weeks old

    flags = cold_groups_flag(workspace=ws)
    again = cold_groups_flag(workspace=ws)

    assert [flag.community for flag in flags] == [cold]
    assert again == []
    assert [week["per_member"] for week in flags[0].weeks] == [0.1, 0.1, 0.1]
    assert [week["week"] for week in flags[0].weeks] == ["2026-11-02", "2026-11-09", "2026-11-16"]
    alert = WebhookDelivery.objects.get(event_type="group.cold")
    assert alert.payload["data"]["group"]["id"] == cold.pk
    assert AuditRecord.objects.filter(verb="group.cold", target_id=str(cold.pk)).count() == 1


def test_the_flag_closes_when_the_threshold_no_longer_makes_the_group_cold(tenant_a, frozen):
    ws = tenant_a.workspace
    cold = group_with(ws, "冷群", [1, 1, 1])
    cold_groups_flag(workspace=ws)
    assert ColdGroupFlag.objects.get(community=cold).resolved_at is None

    lifecycle_settings_update(workspace=ws, cold_messages_per_member=Decimal("0.05"), by=tenant_a.operator)
    cold_groups_flag(workspace=ws)

    assert ColdGroupFlag.objects.get(community=cold).resolved_at == NOW
    assert AuditRecord.objects.filter(verb="lifecycle.settings_changed").count() == 1


def test_the_weeks_setting_changes_how_long_a_group_must_stay_cold(tenant_a, frozen):
    ws = tenant_a.workspace
    group = group_with(ws, "两周冷", [5, 1, 1])
    assert cold_groups_flag(workspace=ws) == []

    lifecycle_settings_update(workspace=ws, cold_weeks=2)

    assert [flag.community for flag in cold_groups_flag(workspace=ws)] == [group]


def test_the_periodic_sweep_flags_every_workspace(tenant_a, tenant_b, frozen):
    group_with(tenant_a.workspace, "冷群 A", [0, 0, 0])
    group_with(tenant_b.workspace, "冷群 B", [0, 1, 0])

    assert cold_groups_sweep() == 2
    assert cold_groups_sweep() == 0


def test_cold_groups_and_settings_through_the_api(api_for, tenant_a, tenant_b, frozen):
    group_with(tenant_a.workspace, "冷群", [0, 0, 0])
    cold_groups_flag(workspace=tenant_a.workspace)

    mine = api_for(tenant_a.analyst).get("/api/cold-groups/", {"open": "true"}).json()
    theirs = api_for(tenant_b.analyst).get("/api/cold-groups/").json()
    refused = api_for(tenant_a.analyst).patch("/api/lifecycle-settings/", {"cold_weeks": 4})
    changed = api_for(tenant_a.operator).patch("/api/lifecycle-settings/", {"cold_weeks": 4})
    bad = api_for(tenant_a.operator).patch("/api/lifecycle-settings/", {"cold_weeks": 0})

    assert [row["group_name"] for row in mine["results"]] == ["冷群"]
    assert theirs["results"] == []
    assert refused.status_code == 403
    assert changed.status_code == 200 and changed.json()["cold_weeks"] == 4
    assert bad.status_code == 400 and "cold_weeks" in bad.json()["fields"]
    assert api_for(tenant_b.operator).get("/api/lifecycle-settings/").json()["cold_weeks"] == 3


@pytest.fixture
def migration(tenant_a, frozen):
    ws = tenant_a.workspace
    source = CommunityFactory(workspace=ws, name="旧群")
    target = CommunityFactory(workspace=ws, name="新群")
    people = {name: MemberFactory(workspace=ws, display_name=name) for name in ("甲", "乙", "丙", "丁", "戊")}
    for name in ("甲", "乙", "丙", "戊"):
        MembershipFactory(community=source, member=people[name], joined_at=local(10, 1))
    MembershipFactory(
        community=source,
        member=people["丁"],
        joined_at=local(10, 1),
        is_active=False,
        left_at=local(11, 25),
        leave_reason="left",
    )
    MembershipFactory(community=target, member=people["戊"], joined_at=local(10, 1))

    def message(name, day):
        MessageDailyCount.objects.create(
            workspace=ws, community=source, member=people[name], day=day, count=2
        )

    message("甲", dt.date(2026, 11, 23))  # 3 days ago
    ActivityEvent.objects.create(workspace=ws, member=people["乙"], community=source, at=local(11, 21))
    message("丙", dt.date(2026, 10, 27))  # a month ago: not active
    message("丁", dt.date(2026, 11, 24))  # active, but no longer in the group
    message("戊", dt.date(2026, 11, 25))  # active and already in the target
    return {"source": source, "target": target, "people": people}


def test_migration_preview_lists_members_active_in_the_last_days(api_for, tenant_a, migration):
    response = api_for(tenant_a.operator).get(
        "/api/migrations/preview/", {"source": migration["source"].pk, "active_days": 14}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert sorted(m["display_name"] for m in body["members"]) == ["乙", "戊", "甲"]
    assert not GroupMigration.objects.exists()


def test_migration_moves_active_members_invites_them_and_archives_the_source(
    api_for, tenant_a, migration, endpoint
):
    source, target, people = migration["source"], migration["target"], migration["people"]

    response = api_for(tenant_a.operator).post(
        "/api/migrations/",
        {"source": source.pk, "target": target.pk, "active_days": 14, "archive_source": True},
    )

    assert response.status_code == 201, response.content
    assert (response.json()["moved"], response.json()["already_in_target"]) == (2, 1)
    for name in ("甲", "乙", "戊"):
        stay = Membership.objects.get(community=source, member=people[name])
        assert (stay.is_active, stay.leave_reason) == (False, "migrated")
    for name in ("甲", "乙"):
        joined = Membership.objects.get(community=target, member=people[name], is_active=True)
        assert joined.channel == "migration"
    assert Membership.objects.filter(community=target, member=people["戊"]).count() == 1
    assert Membership.objects.get(community=source, member=people["丙"]).leave_reason == "archived"
    source.refresh_from_db()
    assert source.state == "archived"
    invites = WebhookDelivery.objects.filter(event_type="member.migration_invited")
    assert sorted(d.payload["data"]["member"]["display_name"] for d in invites) == ["乙", "甲"]
    assert AuditRecord.objects.filter(verb="group.migrated").count() == 1
    assert AuditRecord.objects.filter(verb="community.state_changed", target_id=str(source.pk)).exists()


def test_bad_migrations_change_nothing(api_for, tenant_a, tenant_b, migration):
    source, target = migration["source"], migration["target"]
    foreign = CommunityFactory(workspace=tenant_b.workspace)

    same = api_for(tenant_a.operator).post("/api/migrations/", {"source": source.pk, "target": source.pk})
    other = api_for(tenant_a.operator).post("/api/migrations/", {"source": source.pk, "target": foreign.pk})
    analyst = api_for(tenant_a.analyst).post("/api/migrations/", {"source": source.pk, "target": target.pk})
    preview = api_for(tenant_b.operator).get("/api/migrations/preview/", {"source": source.pk})

    assert same.status_code == 400 and "target" in same.json()["fields"]
    assert other.status_code == 400 and "target" in other.json()["fields"]
    assert analyst.status_code == 403
    assert preview.status_code == 400 and "source" in preview.json()["fields"]
    assert not Membership.objects.filter(leave_reason="migrated").exists()


def test_admin_migration_page_previews_then_applies(client, tenant_a, migration):
    client.force_login(tenant_a.operator)
    url = "/admin/dashboards/groupmigration/migrate/"
    form = {"source": migration["source"].pk, "target": migration["target"].pk, "active_days": 14}

    page = client.get(url, {"source": migration["source"].pk})
    preview = client.post(url, {**form, "preview": "1"})
    assert not GroupMigration.objects.exists()
    applied = client.post(url, {**form, "apply": "1"})

    assert page.status_code == 200
    assert 'data-count="3"' in preview.content.decode()
    assert applied.status_code == 302
    assert GroupMigration.objects.get().moved == 2


def test_analysts_cannot_open_the_admin_migration_page(client, tenant_a, migration):
    client.force_login(tenant_a.analyst)

    assert client.get("/admin/dashboards/groupmigration/migrate/").status_code == 403


def test_admin_shows_another_workspace_neither_flags_nor_groups(client, tenant_a, tenant_b, frozen):
    group_with(tenant_a.workspace, "甲方冷群", [0, 0, 0])
    flag = cold_groups_flag(workspace=tenant_a.workspace)[0]
    client.force_login(tenant_b.operator)

    flags = client.get("/admin/dashboards/coldgroupflag/").content.decode()
    foreign = client.get(f"/admin/dashboards/coldgroupflag/{flag.pk}/change/")
    migrate = client.get("/admin/dashboards/groupmigration/migrate/").content.decode()
    forged = client.post(
        "/admin/dashboards/groupmigration/migrate/",
        {"source": flag.community_id, "target": flag.community_id, "active_days": 14, "apply": "1"},
    )

    assert "甲方冷群" not in flags and "甲方冷群" not in migrate
    assert foreign.status_code == 404
    assert forged.status_code == 200 and not GroupMigration.objects.exists()


def test_admin_lifecycle_settings_are_saved_through_the_service(client, tenant_a):
    client.force_login(tenant_a.owner)

    response = client.post(
        "/admin/dashboards/lifecyclesettings/add/",
        {"workspace": tenant_a.workspace.pk, "cold_messages_per_member": "0.5", "cold_weeks": 4,
         "migration_active_days": 7},
    )  # fmt: skip

    assert response.status_code == 302
    assert AuditRecord.objects.filter(
        verb="lifecycle.settings_changed", workspace=tenant_a.workspace
    ).exists()
