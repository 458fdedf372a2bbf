"""The admin: live codes with their group pictures inline, alerts, and the short-link-from-QR page."""

import datetime as dt

import pytest
from django.utils import timezone

from links.livecodes.alerts import live_code_alerts_sweep
from links.livecodes.models import LiveCode, LiveCodeAlert, LiveCodeEntry
from links.models import Link
from tests.links import qr_pictures as pictures
from tests.links.livecode_helpers import group_qr_png, group_url, make_live_code, upload

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/links/livecode/add/"
FROM_QR = "/admin/links/link/from-qr/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def form_data(workspace, **extra):
    expires = (timezone.localtime() + dt.timedelta(days=7)).replace(microsecond=0)
    data = {
        "workspace": workspace.pk,
        "name": "后台活码",
        "alias": "",
        "strategy": "fill_first",
        "fallback_message": "",
        "antiblock": "",
        "is_active": "on",
        "entries-TOTAL_FORMS": "1",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
        "entries-0-label": "",
        "entries-0-scan_limit": "200",
        "entries-0-expires_at_0": expires.strftime("%Y-%m-%d"),
        "entries-0-expires_at_1": expires.strftime("%H:%M:%S"),
        "entries-0-is_active": "on",
        "entries-0-position": "0",
    }
    data.update(extra)
    return data


def test_operator_creates_a_live_code_with_a_group_picture(login, tenant_a):
    client = login(tenant_a.operator)

    response = client.post(
        ADD_URL,
        form_data(
            tenant_a.workspace, alias="admin-code", **{"entries-0-upload": upload(group_qr_png(group_url(3)))}
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    live_code = LiveCode.objects.get(code="admin-code")
    entry = live_code.entries.get()
    assert entry.content == group_url(3) and entry.workspace == tenant_a.workspace
    assert live_code.created_by == tenant_a.operator
    page = client.get(f"/admin/links/livecode/{live_code.pk}/change/")
    assert (
        group_url(3) in page.content.decode() and f"/g/admin-code/entry/{entry.pk}" in page.content.decode()
    )


def test_a_picture_without_a_code_is_refused_in_the_admin_and_nothing_stored(login, tenant_a, media):
    client = login(tenant_a.operator)

    response = client.post(
        ADD_URL, form_data(tenant_a.workspace, **{"entries-0-upload": upload(pictures.no_code_photo())})
    )

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0]["upload"]
    assert not LiveCode.objects.exists() and not LiveCodeEntry.objects.exists()
    assert not any(media.rglob("*.*"))


def test_an_empty_extra_row_is_not_an_entry(login, tenant_a):
    client = login(tenant_a.operator)

    response = client.post(ADD_URL, form_data(tenant_a.workspace, alias="no-rows"))

    assert response.status_code == 302
    assert not LiveCode.objects.get(code="no-rows").entries.exists()


def test_changing_an_entry_in_the_admin_goes_through_the_service(login, tenant_a):
    live_code, (entry,) = make_live_code(tenant_a.workspace, alias="edit-me", entries=[{}])
    client = login(tenant_a.operator)
    expires = timezone.localtime(entry.expires_at)
    data = form_data(
        tenant_a.workspace,
        name=live_code.name,
        alias="edit-me",
        **{
            "entries-TOTAL_FORMS": "1",
            "entries-INITIAL_FORMS": "1",
            "entries-0-id": str(entry.pk),
            "entries-0-live_code": str(live_code.pk),
            "entries-0-scan_limit": "321",
            "entries-0-expires_at_0": expires.strftime("%Y-%m-%d"),
            "entries-0-expires_at_1": expires.strftime("%H:%M:%S"),
        },
    )

    response = client.post(f"/admin/links/livecode/{live_code.pk}/change/", data)

    assert response.status_code == 302
    assert LiveCodeEntry.objects.get(pk=entry.pk).scan_limit == 321


def test_other_workspaces_live_codes_and_alerts_are_hidden(login, tenant_a, tenant_b):
    theirs, _ = make_live_code(tenant_b.workspace, entries=[{"scan_limit": 1, "scans": 1}])
    mine, _ = make_live_code(tenant_a.workspace, entries=[{"scan_limit": 1, "scans": 1, "n": 5}])
    live_code_alerts_sweep()
    client = login(tenant_a.operator)

    assert list(client.get("/admin/links/livecode/").context["cl"].queryset) == [mine]
    assert client.get(f"/admin/links/livecode/{theirs.pk}/change/").status_code == 404
    alerts = client.get("/admin/links/livecodealert/")
    assert {a.live_code_id for a in alerts.context["cl"].queryset} == {mine.pk}
    their_alert = LiveCodeAlert.objects.filter(live_code=theirs).first()
    assert client.get(f"/admin/links/livecodealert/{their_alert.pk}/change/").status_code == 404


def test_alerts_are_listed_with_their_message_and_can_be_marked_read(login, tenant_a):
    _live_code, _ = make_live_code(
        tenant_a.workspace, name="福利活码", entries=[{"scan_limit": 1, "scans": 1}]
    )
    live_code_alerts_sweep()
    client = login(tenant_a.operator)

    page = client.get("/admin/links/livecodealert/")
    assert page.status_code == 200 and "福利活码" in page.content.decode()
    ids = [str(pk) for pk in LiveCodeAlert.objects.values_list("pk", flat=True)]
    client.post("/admin/links/livecodealert/", {"action": "mark_read", "_selected_action": ids})

    assert not LiveCodeAlert.objects.filter(read_at__isnull=True).exists()


def test_analyst_sees_live_codes_but_cannot_add(login, tenant_a):
    make_live_code(tenant_a.workspace)
    client = login(tenant_a.analyst)

    assert client.get("/admin/links/livecode/").status_code == 200
    assert client.get(ADD_URL).status_code == 403
    assert client.get(FROM_QR).status_code == 403


def test_changelist_links_to_the_from_qr_page(login, tenant_a):
    page = login(tenant_a.operator).get("/admin/links/link/")

    assert FROM_QR in page.content.decode()


def test_from_qr_page_creates_a_short_link(login, tenant_a):
    client = login(tenant_a.operator)
    assert client.get(FROM_QR).status_code == 200

    response = client.post(
        FROM_QR,
        {
            "workspace": tenant_a.workspace.pk,
            "image": upload(pictures.good_picture("phone_photo").data, "photo.jpg"),
            "create": "on",
            "title": "海报码",
        },
    )

    link = Link.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/links/link/{link.pk}/change/"
    assert link.url == pictures.URL and link.title == "海报码" and link.workspace == tenant_a.workspace


def test_from_qr_page_only_reads_when_asked(login, tenant_a):
    client = login(tenant_a.operator)

    response = client.post(
        FROM_QR,
        {"workspace": tenant_a.workspace.pk, "image": upload(pictures.good_picture("gb18030_text").data)},
    )

    assert response.status_code == 200
    assert pictures.CHINESE_TEXT in response.content.decode()
    assert not Link.objects.exists()


def test_from_qr_page_asks_which_of_several_codes(login, tenant_a):
    client = login(tenant_a.operator)

    response = client.post(
        FROM_QR,
        {"workspace": tenant_a.workspace.pk, "image": upload(pictures.two_codes_data()), "create": "on"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="qr-candidates"' in html and pictures.URL in html and pictures.OTHER_URL in html
    assert not Link.objects.exists()

    chosen = client.post(
        FROM_QR, {"workspace": tenant_a.workspace.pk, "candidate": pictures.OTHER_URL, "create": "on"}
    )

    assert chosen.status_code == 302 and Link.objects.get().url == pictures.OTHER_URL


@pytest.mark.parametrize("make", [pictures.random_bytes, pictures.decompression_bomb, pictures.no_code_photo])
def test_from_qr_page_refuses_bad_pictures(login, tenant_a, make):
    client = login(tenant_a.operator)

    response = client.post(
        FROM_QR, {"workspace": tenant_a.workspace.pk, "image": upload(make()), "create": "on"}
    )

    assert response.status_code == 400 and 'id="qr-error"' in response.content.decode()
    assert not Link.objects.exists()


def test_from_qr_page_cannot_create_in_another_workspace(login, tenant_a, tenant_b):
    client = login(tenant_a.operator)

    response = client.post(
        FROM_QR,
        {
            "workspace": tenant_b.workspace.pk,
            "image": upload(pictures.good_picture("plain").data),
            "create": "on",
        },
    )

    assert response.status_code == 200 and response.context["form"].errors["workspace"]
    assert not Link.objects.exists()
