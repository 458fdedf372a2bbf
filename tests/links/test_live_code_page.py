"""The public /g/<code> page, its QR code and pictures, and scans counted as clicks."""

import io
import re

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image

from links.livecodes.models import LiveCodeEntry
from links.livecodes.services import entry_add, live_code_update
from links.models import Click
from links.qr_upload import read_qr_upload
from tests.links import qr_pictures as pictures
from tests.links.livecode_helpers import PHONE_BROWSER, WECHAT_IPHONE, group_qr_png, make_live_code
from tests.links.user_agents import USER_AGENTS
from tests.suo.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LINKS_CLICK_BUFFER = "direct"


@pytest.fixture
def live_code():
    code, _ = make_live_code(WorkspaceFactory(), alias="join-us", entries=[{"label": "福利 1 群"}, {}])
    return code


def visit(client, code="join-us", ua=WECHAT_IPHONE, **extra):
    return client.get(f"/g/{code}", HTTP_USER_AGENT=ua, **extra)


def test_wechat_visitor_sees_the_group_code_to_long_press(client, live_code):
    response = visit(client)

    assert response.status_code == 200
    entry = live_code.entries.order_by("position").first()
    html = response.content.decode()
    assert f'data-entry="{entry.pk}"' in html
    assert f'src="/g/join-us/entry/{entry.pk}?t=' in html
    assert "福利 1 群" in html
    assert 'data-steps="wechat"' in html
    assert response["Cache-Control"] == "private, no-store"


def test_phone_browser_visitor_is_told_to_scan_it_with_wechat(client, live_code):
    html = visit(client, ua=PHONE_BROWSER).content.decode()

    assert 'data-steps="other"' in html


def test_the_scan_counts_as_a_click_of_the_live_code_with_its_group(client, live_code):
    visit(client, REMOTE_ADDR="203.0.113.7", HTTP_REFERER="https://mp.weixin.qq.com/s/abc")

    click = Click.objects.get()
    entry = live_code.entries.order_by("position").first()
    assert click.live_code == live_code and click.live_code_entry == entry and click.link is None
    assert click.platform == "wechat" and click.referrer_host == "mp.weixin.qq.com" and click.is_unique
    live_code.refresh_from_db()
    assert (live_code.scan_count, live_code.unique_scan_count) == (1, 1)
    assert LiveCodeEntry.objects.get(pk=entry.pk).scans == 1


def test_a_visitor_who_reloads_sees_the_same_group_without_using_a_second_place(client, live_code):
    first = visit(client)
    second = visit(client)

    entry = live_code.entries.order_by("position").first()
    assert f'data-entry="{entry.pk}"' in second.content.decode()
    assert LiveCodeEntry.objects.get(pk=entry.pk).scans == 1
    assert Click.objects.filter(live_code=live_code).count() == 2
    assert list(Click.objects.order_by("at").values_list("is_unique", flat=True)) == [True, False]
    assert first.cookies  # the signed cookie that remembers the group


def test_a_forged_cookie_is_ignored(client, live_code):
    client.cookies[f"suo_g_{live_code.pk}"] = "999999"

    response = visit(client)

    assert response.status_code == 200
    assert LiveCodeEntry.objects.filter(scans=1).count() == 1


def test_fallback_page_shows_the_message_and_the_customer_service_code(client):
    live_code, _ = make_live_code(
        WorkspaceFactory(),
        alias="all-full",
        fallback_message="群满了，请加客服",
        fallback_image=read_qr_upload(group_qr_png("https://work.weixin.qq.com/u/kefu")),
        entries=[{"scan_limit": 1, "scans": 1}, {"expired": True}],
    )

    response = visit(client, "all-full")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="live-code-fallback"' in html and "群满了，请加客服" in html
    assert 'src="/g/all-full/fallback"' in html
    image = client.get("/g/all-full/fallback")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    texts = {
        r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(b"".join(image.streaming_content))))
    }
    assert texts == {"https://work.weixin.qq.com/u/kefu"}
    click = Click.objects.get()
    assert click.live_code == live_code and click.live_code_entry is None


def test_fallback_without_a_message_has_a_standard_one(client):
    make_live_code(WorkspaceFactory(), alias="empty-code")

    html = visit(client, "empty-code").content.decode()

    assert 'id="fallback-message"' in html and 'id="fallback-qr"' not in html


def test_unknown_code_is_a_404(client):
    assert visit(client, "nope").status_code == 404


def test_switched_off_live_code_is_a_410(client, live_code):
    live_code_update(live_code=live_code, is_active=False)

    response = visit(client)

    assert response.status_code == 410
    assert not Click.objects.exists()


def test_platform_not_allowed_gets_the_403_page(client, live_code):
    live_code_update(live_code=live_code, allowed_platforms=["wechat"])

    response = visit(client, ua=USER_AGENTS["qq"][0])

    assert response.status_code == 403
    assert "/g/join-us" in response.content.decode()
    assert visit(client).status_code == 200


def test_guide_mode_in_an_app_shows_the_guide_without_using_a_place(client, live_code):
    live_code_update(live_code=live_code, antiblock_by_platform={"qq": "guide"})

    response = visit(client, ua=USER_AGENTS["qq"][0])

    assert response.status_code == 200
    assert 'id="continue"' in response.content.decode() and "/g/join-us" in response.content.decode()
    assert not LiveCodeEntry.objects.filter(scans__gt=0).exists() and not Click.objects.exists()


def test_default_mode_shows_the_code_even_inside_wechat_whatever_the_link_defaults(client, live_code):
    from links.services import link_settings_update

    link_settings_update(workspace=live_code.workspace, antiblock_defaults={"wechat": "guide"})

    assert 'id="live-code"' in visit(client).content.decode()


def test_bots_get_a_preview_and_use_nothing(client, live_code):
    response = visit(client, ua=USER_AGENTS["bot"][0])

    assert response.status_code == 200
    assert 'property="og:title"' in response.content.decode()
    assert not Click.objects.exists() and not LiveCodeEntry.objects.filter(scans__gt=0).exists()


@pytest.mark.parametrize("ua", ["curl/8.0", "facebookexternalhit/1.1"])
@pytest.mark.parametrize(
    ("change", "status"), [({"is_active": False}, 410), ({"allowed_platforms": ["wechat"]}, 403)]
)
def test_bots_meet_the_live_codes_gates_when_one_is_closed(client, live_code, ua, change, status):
    live_code_update(live_code=live_code, **change)

    response = visit(client, ua=ua)

    page = response.content.decode()
    assert response.status_code == status
    assert 'property="og:title"' not in page and "/entry/" not in page
    assert not Click.objects.exists() and not LiveCodeEntry.objects.filter(scans__gt=0).exists()


def test_head_requests_use_no_place(client, live_code):
    response = client.head("/g/join-us", HTTP_USER_AGENT=WECHAT_IPHONE)

    assert response.status_code == 200
    assert not Click.objects.exists() and not LiveCodeEntry.objects.filter(scans__gt=0).exists()


def image_src(response) -> str:
    return re.search(r'id="group-qr" src="([^"]+)"', response.content.decode()).group(1).replace("&amp;", "&")


def test_entry_image_is_served_with_etag_to_the_visitor_it_was_given_to(client, live_code):
    entry = live_code.entries.order_by("position").first()
    src = image_src(visit(client))

    response = client.get(src)

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Cache-Control"].startswith("private")
    data = b"".join(response.streaming_content)
    assert {r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))} == {entry.content}
    again = client.get(src, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_entry_images_are_a_404_when_the_id_is_guessed_without_a_token(client, live_code):
    for entry in live_code.entries.all():
        assert client.get(f"/g/join-us/entry/{entry.pk}").status_code == 404
        assert client.get(f"/g/join-us/entry/{entry.pk}?t=1abc:forged").status_code == 404


def test_a_token_for_one_group_does_not_open_another_groups_image(client, live_code):
    src = image_src(visit(client))
    given = int(re.search(r"/entry/(\d+)\?", src).group(1))
    other = live_code.entries.exclude(pk=given).get()

    assert client.get(src.replace(f"/entry/{given}?", f"/entry/{other.pk}?")).status_code == 404


@pytest.mark.parametrize("closed", ["live_code_off", "entry_off", "entry_expired"])
def test_entry_image_is_a_404_when_the_page_would_no_longer_show_it(client, live_code, closed):
    src = image_src(visit(client))
    entry = live_code.entries.order_by("position").first()
    if closed == "live_code_off":
        live_code_update(live_code=live_code, is_active=False)
    elif closed == "entry_off":
        LiveCodeEntry.objects.filter(pk=entry.pk).update(is_active=False)
    else:
        LiveCodeEntry.objects.filter(pk=entry.pk).update(expires_at=timezone.now())

    assert client.get(src).status_code == 404


def test_entry_image_of_another_live_code_is_a_404(client, live_code):
    make_live_code(WorkspaceFactory(), alias="other-code", entries=[{"n": 50}])
    src = image_src(visit(client, code="other-code"))

    assert client.get(src.replace("/g/other-code/", "/g/join-us/")).status_code == 404
    assert client.get(src).status_code == 200


def test_stored_picture_has_no_camera_metadata_and_is_upright():
    live_code, _ = make_live_code(WorkspaceFactory(), alias="exif-code")

    entry = entry_add(live_code=live_code, upload=read_qr_upload(pictures.exif_upright_data(6)))

    stored = Image.open(entry.image.open("rb"))
    assert stored.format == "JPEG" and stored.size == (900, 500)  # shown upright: landscape
    assert not stored.getexif()


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_qr_of_the_live_code_points_at_its_stable_address(client, live_code, settings, fmt):
    response = client.get(f"/g/join-us.{fmt}?size=300")

    assert response.status_code == 200 and response["ETag"] and "max-age" in response["Cache-Control"]
    if fmt == "png":
        image = Image.open(io.BytesIO(response.content))
        assert [r.text for r in zxingcpp.read_barcodes(image)] == [f"{settings.SHORT_BASE_URL}/g/join-us"]
    else:
        assert response.content.startswith(b"<?xml") or b"<svg" in response.content[:200]
    assert client.get(f"/g/join-us.{fmt}", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_qr_nonsense_size_is_a_400(client, live_code):
    assert client.get("/g/join-us.png?size=99999").status_code == 400


def test_short_links_and_live_codes_do_not_collide(client, live_code):
    from tests.links.factories import LinkFactory

    LinkFactory(code="join-us")

    assert client.get("/join-us", HTTP_USER_AGENT=PHONE_BROWSER).status_code == 302
    assert 'id="live-code"' in visit(client).content.decode()


def test_a_scan_takes_few_queries(client, live_code, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = visit(client, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 200


def test_buffered_scans_and_link_clicks_are_stored_once_each(rf):
    from links.capture import build_visit, store_visits
    from tests.links.factories import LinkFactory

    live_code, (entry,) = make_live_code(WorkspaceFactory(), entries=[{}])
    link = LinkFactory()
    meta = rf.get("/", HTTP_USER_AGENT=WECHAT_IPHONE, REMOTE_ADDR="192.0.2.5").META
    common = {"meta": meta, "workspace_tz": "Asia/Shanghai", "platform": "wechat"}
    visits = [
        build_visit(link_id=link.pk, workspace_id=link.workspace_id, **common),
        build_visit(
            link_id=None,
            workspace_id=live_code.workspace_id,
            live_code_id=live_code.pk,
            entry_id=entry.pk,
            **common,
        ),
        build_visit(link_id=None, workspace_id=live_code.workspace_id, live_code_id=live_code.pk, **common),
    ]

    assert store_visits(visits) == 3
    assert store_visits(visits) == 0  # a flusher that runs the batch again stores nothing twice

    link.refresh_from_db()
    live_code.refresh_from_db()
    assert (link.click_count, live_code.scan_count, live_code.unique_scan_count) == (1, 2, 1)
    assert Click.objects.filter(live_code=live_code, live_code_entry=entry).count() == 1
    assert Click.objects.filter(live_code=live_code, live_code_entry__isnull=True).count() == 1


def test_a_click_must_belong_to_a_link_or_a_live_code():
    from django.db import IntegrityError, transaction

    live_code, _ = make_live_code(WorkspaceFactory())
    common = {"workspace": live_code.workspace, "at": "2026-11-25T10:00:00Z", "day": "2026-11-25"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Click.objects.create(platform="wechat", visitor_hash="x", **common)
    from tests.links.factories import LinkFactory

    with pytest.raises(IntegrityError), transaction.atomic():
        Click.objects.create(
            link=LinkFactory(workspace=live_code.workspace),
            live_code=live_code,
            platform="wechat",
            visitor_hash="x",
            **common,
        )


def test_a_scan_of_a_live_code_deleted_meanwhile_is_dropped(rf):
    from links.capture import build_visit, store_visits
    from links.livecodes.services import live_code_delete

    live_code, _ = make_live_code(WorkspaceFactory())
    meta = rf.get("/", HTTP_USER_AGENT=WECHAT_IPHONE).META
    visit_ = build_visit(
        meta=meta,
        link_id=None,
        workspace_id=live_code.workspace_id,
        workspace_tz="Asia/Shanghai",
        platform="wechat",
        live_code_id=live_code.pk,
    )
    live_code_delete(live_code=live_code)

    assert store_visits([visit_]) == 0


def test_a_buffered_scan_keeps_counting_when_its_group_was_deleted_meanwhile(rf):
    from links.capture import build_visit, store_visits
    from links.livecodes.services import entry_delete

    live_code, (entry,) = make_live_code(WorkspaceFactory(), entries=[{}])
    visit_ = build_visit(
        meta=rf.get("/", HTTP_USER_AGENT=WECHAT_IPHONE).META,
        link_id=None,
        workspace_id=live_code.workspace_id,
        workspace_tz="Asia/Shanghai",
        platform="wechat",
        live_code_id=live_code.pk,
        entry_id=entry.pk,
    )
    entry_delete(entry=entry)

    assert store_visits([visit_]) == 1
    live_code.refresh_from_db()
    assert live_code.scan_count == 1
    assert Click.objects.get(live_code=live_code).live_code_entry_id is None
