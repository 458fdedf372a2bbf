"""/api/live-codes/: CRUD, entry uploads (decoded or refused), stats, isolation and roles."""

import datetime as dt

import pytest
from django.utils import timezone

from links.capture import build_visit, store_visits
from links.livecodes.models import LiveCode, LiveCodeEntry
from tests.groups.factories import CommunityFactory
from tests.helpers import response_schema_errors
from tests.links import qr_pictures as pictures
from tests.links.livecode_helpers import WECHAT_IPHONE, group_qr_png, group_url, make_live_code, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def api(tenant_a, api_for):
    return api_for(tenant_a.operator)


def create(api, **fields):
    return api.post("/api/live-codes/", {"name": "福利群活码", **fields}, format="json")


def add_entry(api, live_code_id, data=None, **fields):
    data = data if data is not None else group_qr_png(group_url(1))
    return api.post(
        f"/api/live-codes/{live_code_id}/entries/", {"image": upload(data), **fields}, format="multipart"
    )


def test_create_returns_the_stable_address_and_its_qr(api, tenant_a, settings):
    response = create(api, alias="fuli", strategy="round_robin", allowed_platforms=["wechat"])

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == "fuli" and body["url"] == f"{settings.SHORT_BASE_URL}/g/fuli"
    assert body["qr_png_url"] == f"{settings.SHORT_BASE_URL}/g/fuli.png"
    assert body["strategy"] == "round_robin" and body["allowed_platforms"] == ["wechat"]
    assert (body["entry_count"], body["usable_count"], body["open_alert_count"]) == (0, 0, 0)
    assert LiveCode.objects.get(code="fuli").workspace == tenant_a.workspace


def test_create_with_a_random_code_and_fallback_picture_by_multipart(api):
    response = api.post(
        "/api/live-codes/",
        {
            "name": "活码",
            "fallback_message": "请加客服",
            "fallback_image": upload(group_qr_png("https://kf.example/1")),
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["code"]) == 6 and body["fallback_image_url"].endswith(f"/g/{body['code']}/fallback")
    assert body["is_active"] is True and body["strategy"] == "fill_first"


def test_fallback_picture_without_a_code_is_refused_and_nothing_stored(api, media):
    response = api.post(
        "/api/live-codes/",
        {"name": "活码", "fallback_image": upload(pictures.no_code_photo())},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "no_code" and "fallback_image" in response.json()["fields"]
    assert not LiveCode.objects.exists() and not any(media.rglob("*.*"))


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"name": ""}, "name"),
        ({"alias": "a"}, "alias"),
        ({"strategy": "random"}, "strategy"),
        ({"allowed_platforms": ["myspace"]}, "allowed_platforms"),
        ({"antiblock": "hide"}, "antiblock"),
    ],
)
def test_bad_live_code_input_names_the_field(api, fields, field):
    response = create(api, **fields)

    assert response.status_code == 400
    assert field in response.json()["fields"]


@pytest.mark.parametrize("alias", ["admin", "API", "healthz"])
def test_reserved_words_are_refused_as_live_code_aliases_when_given(api, alias):
    response = create(api, alias=alias)

    assert response.status_code == 400 and "alias" in response.json()["fields"]
    assert not LiveCode.objects.filter(code=alias).exists()


def test_duplicate_alias_is_refused(api):
    create(api, alias="taken")

    response = create(api, alias="taken")

    assert response.status_code == 400 and "alias" in response.json()["fields"]


def test_upload_an_entry_stores_the_decoded_content(api, tenant_a):
    live_code_id = create(api).json()["id"]
    group = CommunityFactory(workspace=tenant_a.workspace, name="福利 8 群")

    response = add_entry(api, live_code_id, group=group.pk, scan_limit=150)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["content"] == group_url(1) and body["content_is_url"] is True
    assert (
        body["group"] == group.pk
        and body["group_name"] == "福利 8 群"
        and body["display_name"] == "福利 8 群"
    )
    assert (body["scan_limit"], body["scans"], body["remaining"], body["state"]) == (150, 0, 150, "usable")
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert abs(expires - timezone.now() - dt.timedelta(days=7)) < dt.timedelta(minutes=1)
    assert f"/entry/{body['id']}?t=" in body["image_url"]
    entry = LiveCodeEntry.objects.get()
    assert entry.workspace == tenant_a.workspace and entry.created_by == tenant_a.operator


def test_operators_image_url_shows_the_picture_whatever_the_entrys_state(api, client, settings):
    live_code_id = create(api).json()["id"]
    entry_id = add_entry(api, live_code_id).json()["id"]
    LiveCodeEntry.objects.filter(pk=entry_id).update(is_active=False, expires_at=timezone.now())

    image_url = api.get(f"/api/live-codes/{live_code_id}/entries/{entry_id}/").json()["image_url"]

    assert client.get(image_url.removeprefix(settings.SHORT_BASE_URL)).status_code == 200


def test_entry_upload_from_a_photo_is_decoded(api):
    live_code_id = create(api).json()["id"]

    response = add_entry(api, live_code_id, pictures.good_picture("phone_photo").data)

    assert response.status_code == 201
    assert response.json()["content"] == pictures.URL


@pytest.mark.parametrize(
    "make, code",
    [
        (pictures.random_bytes, "not_image"),
        (pictures.truncated_png, "truncated"),
        (pictures.decompression_bomb, "too_many_pixels"),
        (pictures.no_code_photo, "no_code"),
        (pictures.two_codes_data, "several_codes"),
    ],
)
def test_an_entry_picture_that_does_not_decode_is_refused_and_nothing_stored(api, media, make, code):
    live_code_id = create(api).json()["id"]

    response = add_entry(api, live_code_id, make())

    assert response.status_code == 400
    assert response.json()["code"] == code and "image" in response.json()["fields"]
    assert not LiveCodeEntry.objects.exists()
    assert not any(media.rglob("*.*"))


def test_the_same_group_code_twice_is_refused(api, media):
    live_code_id = create(api).json()["id"]
    add_entry(api, live_code_id)

    response = add_entry(api, live_code_id)

    assert response.status_code == 400 and "image" in response.json()["fields"]
    assert LiveCodeEntry.objects.count() == 1
    assert len([p for p in media.rglob("*.*")]) == 1


def test_entry_with_an_expiry_in_the_past_is_refused(api):
    live_code_id = create(api).json()["id"]

    response = add_entry(api, live_code_id, expires_at="2020-01-01T00:00:00+08:00")

    assert response.status_code == 400 and "expires_at" in response.json()["fields"]
    assert not LiveCodeEntry.objects.exists()


def test_entries_are_listed_in_order_and_can_be_changed_and_deleted(api, media):
    live_code_id = create(api).json()["id"]
    first = add_entry(api, live_code_id, group_qr_png(group_url(1))).json()
    second = add_entry(api, live_code_id, group_qr_png(group_url(2))).json()

    listed = api.get(f"/api/live-codes/{live_code_id}/entries/").json()
    assert [e["id"] for e in listed["results"]] == [first["id"], second["id"]]

    url = f"/api/live-codes/{live_code_id}/entries/{first['id']}/"
    changed = api.patch(url, {"scan_limit": 300, "is_active": False, "label": "老群"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["scan_limit"], changed.json()["state"], changed.json()["label"]) == (
        300,
        "inactive",
        "老群",
    )
    assert api.get(url).json()["id"] == first["id"]

    assert api.delete(url).status_code == 204
    assert list(LiveCodeEntry.objects.values_list("pk", flat=True)) == [second["id"]]
    assert api.get(url).status_code == 404


def test_stats_count_scans_per_entry_per_day_and_per_platform(api, tenant_a, rf):
    live_code, (a, b) = make_live_code(tenant_a.workspace, entries=[{}, {}])

    def scan(entry, ua, ip):
        request = rf.get("/", HTTP_USER_AGENT=ua, REMOTE_ADDR=ip)
        from links.platforms import detect

        return build_visit(
            meta=request.META,
            link_id=None,
            workspace_id=live_code.workspace_id,
            workspace_tz="Asia/Shanghai",
            platform=detect(ua),
            live_code_id=live_code.pk,
            entry_id=entry.pk if entry else None,
        )

    store_visits(
        [
            scan(a, WECHAT_IPHONE, "1.1.1.1"),
            scan(a, WECHAT_IPHONE, "1.1.1.1"),
            scan(b, WECHAT_IPHONE, "2.2.2.2"),
            scan(None, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36", "3.3.3.3"),
        ]
    )

    response = api.get(f"/api/live-codes/{live_code.pk}/stats/")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["total"], body["unique"], body["fallback"]) == (4, 3, 1)
    assert [(r["entry"], r["scans"], r["unique"]) for r in body["by_entry"]] == [(a.pk, 2, 1), (b.pk, 1, 1)]
    assert {r["key"]: r["scans"] for r in body["by_platform"]} == {"wechat": 3, "desktop": 1}
    assert len(body["by_day"]) == 31 and body["by_day"][-1]["scans"] == 4
    assert sum(d["scans"] for d in body["by_day"]) == 4


def test_stats_refuse_a_bad_range(api, tenant_a):
    live_code, _ = make_live_code(tenant_a.workspace)

    response = api.get(f"/api/live-codes/{live_code.pk}/stats/?from=yesterday")

    assert response.status_code == 400 and "from" in response.json()["fields"]


def test_patch_and_delete_a_live_code(api, media):
    body = create(api, alias="to-change").json()
    add_entry(api, body["id"])

    changed = api.patch(
        f"/api/live-codes/{body['id']}/", {"name": "新名字", "strategy": "least_scanned"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["name"] == "新名字"
    assert changed.json()["strategy"] == "least_scanned" and changed.json()["entry_count"] == 1

    assert api.delete(f"/api/live-codes/{body['id']}/").status_code == 204
    assert not LiveCode.objects.exists() and not LiveCodeEntry.objects.exists()


def test_list_is_paginated_without_n_plus_one(api, tenant_a, django_assert_max_num_queries):
    for n in range(5):
        make_live_code(tenant_a.workspace, entries=[{"n": n * 10}, {"n": n * 10 + 1}])

    with django_assert_max_num_queries(8):
        response = api.get("/api/live-codes/")

    assert response.json()["count"] == 5
    assert all(row["entry_count"] == 2 and row["usable_count"] == 2 for row in response.json()["results"])


def test_other_workspaces_live_codes_do_not_exist(api, tenant_b):
    other, (entry,) = make_live_code(tenant_b.workspace, entries=[{}])

    assert api.get("/api/live-codes/").json()["count"] == 0
    for url in (
        f"/api/live-codes/{other.pk}/",
        f"/api/live-codes/{other.pk}/entries/",
        f"/api/live-codes/{other.pk}/entries/{entry.pk}/",
        f"/api/live-codes/{other.pk}/stats/",
    ):
        assert api.get(url).status_code == 404, url
    assert api.patch(f"/api/live-codes/{other.pk}/", {"name": "x"}, format="json").status_code == 404
    assert api.delete(f"/api/live-codes/{other.pk}/").status_code == 404
    assert add_entry(api, other.pk).status_code == 404
    assert LiveCodeEntry.objects.count() == 1


def test_entry_of_another_live_code_is_a_404(api, tenant_a):
    mine, _ = make_live_code(tenant_a.workspace)
    _, (theirs,) = make_live_code(tenant_a.workspace, entries=[{}])

    assert api.get(f"/api/live-codes/{mine.pk}/entries/{theirs.pk}/").status_code == 404


def test_a_group_of_another_workspace_cannot_be_used(api, tenant_b):
    live_code_id = create(api).json()["id"]
    their_group = CommunityFactory(workspace=tenant_b.workspace)

    response = add_entry(api, live_code_id, group=their_group.pk)

    assert response.status_code == 400 and "group" in response.json()["fields"]
    assert not LiveCodeEntry.objects.exists()


@pytest.mark.parametrize(
    "role, can_write", [("owner", True), ("operator", True), ("moderator", False), ("analyst", False)]
)
def test_roles(tenant_a, api_for, role, can_write):
    api = api_for(tenant_a.user(role))
    live_code, _ = make_live_code(tenant_a.workspace)

    assert api.get("/api/live-codes/").status_code == 200
    assert api.get(f"/api/live-codes/{live_code.pk}/stats/").status_code == 200
    assert (create(api).status_code == 201) is can_write
    assert (add_entry(api, live_code.pk).status_code == 201) is can_write


def test_an_entry_position_too_big_for_the_database_is_a_400(api, media):
    live_code_id = create(api).json()["id"]
    entry = add_entry(api, live_code_id).json()

    changed = api.patch(
        f"/api/live-codes/{live_code_id}/entries/{entry['id']}/", {"position": 10**20}, format="json"
    )
    added = add_entry(api, live_code_id, group_qr_png(group_url(2)), position=10**20)

    assert changed.status_code == 400 and "position" in changed.json()["fields"]
    assert added.status_code == 400 and "position" in added.json()["fields"]
    assert LiveCodeEntry.objects.get(pk=entry["id"]).position != 10**20
    assert LiveCodeEntry.objects.count() == 1


def test_a_live_code_with_the_default_antiblock_matches_the_documented_answer(api):
    created = create(api)

    assert created.status_code == 201, created.json()
    assert created.json()["antiblock"] == ""
    assert response_schema_errors(created, "/api/live-codes/", "post") == []
