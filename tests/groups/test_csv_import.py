"""CSV import of members and memberships: dry run, per-row errors, all-or-nothing, admin and command."""

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from groups.csv_import import members_import
from groups.models import Member, Membership
from tests.groups.factories import CommunityFactory, MemberFactory
from tests.suo.factories import PASSWORD

pytestmark = pytest.mark.django_db

HEADER = "platform,external_id,display_name,phone,wechat_id,tags,group_external_id,joined_at,source\n"


@pytest.fixture
def group(tenant_a):
    return CommunityFactory(workspace=tenant_a.workspace, external_id="room-1", name="一群")


def test_dry_run_reports_what_would_change_and_changes_nothing(tenant_a, group):
    MemberFactory(workspace=tenant_a.workspace, external_id="old", display_name="旧名")
    text = (
        HEADER
        + "wechat,new,小新,,,宝妈|高活跃,room-1,2026-03-01,\nwechat,old,新名,,,,,,\nwechat,old2,,,,,,,\n"
    )

    report = members_import(workspace=tenant_a.workspace, text=text, dry_run=True)

    assert report.ok and not report.applied
    assert (report.members_created, report.members_updated, report.memberships_created) == (2, 1, 1)
    assert report.rows[0].actions[-1].endswith("一群")
    assert not Member.objects.filter(external_id__in=["new", "old2"]).exists()
    assert Member.objects.get(external_id="old").display_name == "旧名"


def test_import_creates_members_tags_and_memberships(tenant_a, group):
    text = HEADER + "wechat,new,小新,13800000000,,宝妈|高活跃,room-1,2026-03-01T20:00,live_code\n"

    report = members_import(workspace=tenant_a.workspace, text=text, dry_run=False)

    assert report.applied
    member = Member.objects.get(external_id="new")
    assert sorted(member.tags.values_list("name", flat=True)) == ["宝妈", "高活跃"]
    stay = Membership.objects.get(member=member)
    assert stay.source == "live_code" and stay.joined_at.hour == 12  # 20:00 Shanghai is 12:00 UTC


def test_rows_with_errors_are_named_and_nothing_is_imported(tenant_a, group):
    text = HEADER + (
        "wechat,good,好人,,,,room-1,,\n"
        "myspace,bad1,,,,,,,\n"
        ",,,,,,,,\n"
        "wechat,bad3,,,,,room-404,someday,party\n"
    )

    report = members_import(workspace=tenant_a.workspace, text=text, dry_run=False)

    assert not report.applied
    errors = {row.line: set(row.errors) for row in report.error_rows}
    assert errors == {3: {"platform"}, 4: {"external_id"}, 5: {"group_external_id", "joined_at", "source"}}
    assert not Member.objects.exists() and not Membership.objects.exists()


def test_unknown_columns_are_refused(tenant_a):
    report = members_import(workspace=tenant_a.workspace, text="external_id,colour\nx,red\n", dry_run=True)

    assert "colour" in report.file_error


def test_groups_of_another_workspace_are_unknown(tenant_a, tenant_b):
    CommunityFactory(workspace=tenant_b.workspace, external_id="theirs")

    report = members_import(
        workspace=tenant_a.workspace, text=HEADER + "wechat,x,,,,,theirs,,\n", dry_run=True
    )

    assert "group_external_id" in report.rows[0].errors


def test_management_command_dry_run_and_errors(tenant_a, group, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "wechat,new,小新,,,,room-1,,\n", encoding="utf-8-sig")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "wechat,,,,,,,,\n", encoding="utf-8")
    out = StringIO()

    call_command("import_members", tenant_a.workspace.slug, str(good), "--dry-run", stdout=out)
    assert not Member.objects.exists()
    assert "line 2" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("import_members", tenant_a.workspace.slug, str(bad), stdout=StringIO())
    call_command("import_members", tenant_a.workspace.slug, str(good), stdout=StringIO())
    assert Membership.objects.filter(member__external_id="new", community=group).exists()


def test_admin_import_previews_then_imports(client, tenant_a, group):
    assert client.login(username=tenant_a.moderator.username, password=PASSWORD)
    csv_bytes = (HEADER + "wechat,new,小新,,,,room-1,,\n").encode()

    preview = client.post(
        "/admin/groups/member/import/",
        {"workspace": tenant_a.workspace.pk, "csv_file": SimpleUploadedFile("m.csv", csv_bytes, "text/csv")},
    )
    assert preview.status_code == 200 and preview.context["report"].ok
    assert not Member.objects.exists()

    done = client.post(
        "/admin/groups/member/import/",
        {"workspace": tenant_a.workspace.pk, "csv_text": csv_bytes.decode(), "confirm": "1"},
    )
    assert done.status_code == 302
    assert Member.objects.filter(workspace=tenant_a.workspace, external_id="new").exists()


def test_admin_import_refuses_another_workspace_and_analysts(client, tenant_a, tenant_b):
    assert client.login(username=tenant_a.owner.username, password=PASSWORD)
    response = client.post(
        "/admin/groups/member/import/",
        {"workspace": tenant_b.workspace.pk, "csv_text": HEADER + "wechat,x,,,,,,,\n", "confirm": "1"},
    )
    assert response.status_code == 200 and "workspace" in response.context["form"].errors
    assert not Member.objects.exists()

    client.logout()
    assert client.login(username=tenant_a.analyst.username, password=PASSWORD)
    assert client.get("/admin/groups/member/import/").status_code == 403
