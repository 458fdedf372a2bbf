"""CSV import of members and memberships: dry run, per-row errors, all-or-nothing, admin and command."""

from datetime import timedelta
from io import StringIO
from urllib.parse import urlencode

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groups import csv_import, services
from groups.csv_import import members_import
from groups.models import Member, Membership, Tag
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


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


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
        {
            "workspace": tenant_a.workspace.pk,
            "token": preview.context["form"]["token"].value(),
            "confirm": "1",
        },
    )
    assert done.status_code == 302
    assert Member.objects.filter(workspace=tenant_a.workspace, external_id="new").exists()


def test_admin_import_refuses_another_workspace_and_analysts(client, tenant_a, tenant_b):
    assert client.login(username=tenant_a.owner.username, password=PASSWORD)
    response = client.post(
        "/admin/groups/member/import/",
        {
            "workspace": tenant_b.workspace.pk,
            "csv_file": SimpleUploadedFile("m.csv", (HEADER + "wechat,x,,,,,,,\n").encode(), "text/csv"),
        },
    )
    assert response.status_code == 200 and "workspace" in response.context["form"].errors
    assert not Member.objects.exists()

    client.logout()
    assert client.login(username=tenant_a.analyst.username, password=PASSWORD)
    assert client.get("/admin/groups/member/import/").status_code == 403


# --- big files, batches, late failures, the kept upload ---------------------------------------

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)


def chinese_rows(count: int, start: int = 0) -> str:
    """Rows with long Chinese names and ids (about 700 bytes each in UTF-8)."""
    lines = []
    for n in range(start, start + count):
        name = (SURNAMES[n % len(SURNAMES)] + "晓明爱读书喜欢跑步和旅行") * 7
        external_id = f"微信用户{n:06d}" + "号" * 90
        lines.append(f"wechat,{external_id},{name[:100]},1380000{n:04d},wxid_{n:06d},,,2026-03-01,\n")
    return "".join(lines)


def test_a_3_mb_file_of_chinese_names_is_previewed_then_imported_from_the_upload_kept_on_the_server(
    client, tenant_a, media
):
    text = HEADER + chinese_rows(5500)
    data = text.encode("utf-8")
    assert len(data) > 3 * 1024 * 1024
    client.force_login(tenant_a.moderator)

    preview = client.post(
        "/admin/groups/member/import/",
        {"workspace": tenant_a.workspace.pk, "csv_file": SimpleUploadedFile("会员.csv", data, "text/csv")},
    )
    token = preview.context["form"]["token"].value()
    kept = [path.stat().st_size for path in (media / "imports").iterdir()]
    written_by_the_preview = Member.objects.exists()
    confirm = {"workspace": tenant_a.workspace.pk, "token": token, "confirm": "1"}
    done = client.post("/admin/groups/member/import/", confirm)

    assert preview.status_code == 200 and preview.context["report"].ok and not written_by_the_preview
    assert kept == [len(data)]
    assert len(urlencode(confirm)) < 2000  # the confirmation no longer carries the file
    assert done.status_code == 302
    assert Member.objects.filter(workspace=tenant_a.workspace).count() == 5500
    assert Member.objects.get(phone="13800000007").display_name.startswith(SURNAMES[7] + "晓明")
    assert list((media / "imports").iterdir()) == []  # deleted once imported


def test_the_preview_writes_nothing_at_all(tenant_a, group):
    text = HEADER + "wechat,new,小新,,,宝妈,room-1,2026-03-01,\n"

    with CaptureQueriesContext(connection) as queries:
        report = members_import(workspace=tenant_a.workspace, text=text, dry_run=True)

    assert report.ok and report.members_created == 1 and report.memberships_created == 1
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []


def test_the_import_writes_a_batch_of_rows_per_transaction(tenant_a, monkeypatch):
    batches = []
    apply = csv_import._apply

    def spy(step, journal):
        batches.append(connection.savepoint_ids[-1] if connection.savepoint_ids else "top")
        return apply(step, journal)

    monkeypatch.setattr(csv_import, "_apply", spy)

    report = members_import(
        workspace=tenant_a.workspace, text=HEADER + chinese_rows(12), dry_run=False, batch_rows=5
    )

    assert report.applied and csv_import.BATCH_ROWS == 500
    sizes = [sum(1 for b in batches if b == name) for name in dict.fromkeys(batches)]
    assert sizes == [5, 5, 2]
    assert Member.objects.count() == 12


def test_a_row_that_fails_late_undoes_the_batches_before_it(tenant_a, group, monkeypatch):
    old = MemberFactory(
        workspace=tenant_a.workspace, platform="wechat", external_id="old", display_name="旧名"
    )
    old.tags.set([Tag.objects.create(workspace=tenant_a.workspace, name="老客户")])
    text = HEADER + "wechat,old,新名,,,新标签,room-1,,\n" + chinese_rows(12)
    late_id = f"微信用户{10:06d}" + "号" * 90
    create = services.member_create

    def fails_on_the_late_row(**fields):
        if fields["external_id"] == late_id:  # e.g. someone else added this member meanwhile
            raise ValidationError({"external_id": "已被占用"})
        return create(**fields)

    monkeypatch.setattr(services, "member_create", fails_on_the_late_row)

    report = members_import(workspace=tenant_a.workspace, text=text, dry_run=False, batch_rows=5)

    assert not report.applied
    assert "13" in report.file_error  # line 13: the header, the "old" row, then row 10 of the rest
    assert [row.line for row in report.error_rows] == [13]
    assert Member.objects.count() == 1 and not Membership.objects.exists()
    old.refresh_from_db()
    assert old.display_name == "旧名"
    assert list(old.tags.values_list("name", flat=True)) == ["老客户"]
    assert not Tag.objects.filter(name="新标签").exists()


def test_an_expired_or_someone_elses_upload_imports_nothing(client, tenant_a, media, settings):
    from groups import import_uploads

    client.force_login(tenant_a.moderator)
    preview = client.post(
        "/admin/groups/member/import/",
        {
            "workspace": tenant_a.workspace.pk,
            "csv_file": SimpleUploadedFile("m.csv", (HEADER + "wechat,x1,,,,,,,\n").encode(), "text/csv"),
        },
    )
    token = preview.context["form"]["token"].value()
    confirm = {"workspace": tenant_a.workspace.pk, "token": token, "confirm": "1"}

    client.force_login(tenant_a.owner)
    by_someone_else = client.post("/admin/groups/member/import/", confirm)
    client.force_login(tenant_a.moderator)
    with time_machine.travel(timezone.now() + import_uploads.UPLOAD_TTL + timedelta(minutes=1)):
        too_late = client.post("/admin/groups/member/import/", confirm)
        swept = import_uploads.uploads_sweep()

    for response in (by_someone_else, too_late):
        assert response.status_code == 200 and "csv_file" in response.context["form"].errors
    assert swept == 1 and list((media / "imports").iterdir()) == []
    assert not Member.objects.exists()
