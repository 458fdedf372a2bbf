"""The public path: /<code> redirects, gates, pages; /<code>.png|svg QR codes."""

import datetime as dt
import io

import pytest
import zxingcpp
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from PIL import Image

from links.models import Click, Link
from links.platforms import VisitorPlatform
from links.services import link_settings_update
from tests.links.factories import LinkFactory
from tests.links.user_agents import USER_AGENTS

pytestmark = pytest.mark.django_db

WECHAT = USER_AGENTS[VisitorPlatform.WECHAT][0]
WECHAT_ANDROID = USER_AGENTS[VisitorPlatform.WECHAT][1]
QQ = USER_AGENTS[VisitorPlatform.QQ][1]
DESKTOP = USER_AGENTS[VisitorPlatform.DESKTOP][0]
PHONE = USER_AGENTS[VisitorPlatform.MOBILE][0]
BOT = USER_AGENTS[VisitorPlatform.BOT][0]


@pytest.fixture(autouse=True)
def clicks_written_directly(settings):
    # These tests look at the clicks each visit made; the Redis buffer has its own tests.
    settings.LINKS_CLICK_BUFFER = "direct"


def visit(client, link, ua=DESKTOP, **extra):
    return client.get(f"/{link.code}", HTTP_USER_AGENT=ua, **extra)


def test_plain_link_redirects_with_302_and_counts_the_click(client):
    link = LinkFactory(url="https://example.com/landing?x=1")

    response = visit(client, link, HTTP_REFERER="https://mp.weixin.qq.com/s/abc")

    assert response.status_code == 302
    assert response["Location"] == "https://example.com/landing?x=1"
    assert "no-store" in response["Cache-Control"]
    click = Click.objects.get(link=link)
    assert (click.platform, click.os, click.referrer_host, click.is_unique) == (
        "desktop",
        "Windows",
        "mp.weixin.qq.com",
        True,
    )
    link.refresh_from_db()
    assert (link.click_count, link.unique_click_count) == (1, 1)


def test_codes_are_case_sensitive(client):
    link = LinkFactory(code="AbCdEf")

    assert client.get("/abcdef", HTTP_USER_AGENT=DESKTOP).status_code == 404
    assert visit(client, link).status_code == 302


def test_unknown_code_is_a_friendly_404(client):
    response = client.get("/nosuch", HTTP_USER_AGENT=DESKTOP)

    assert response.status_code == 404
    assert "找不到" in response.content.decode() or "could not find" in response.content.decode()


def test_same_visitor_twice_a_day_is_one_unique(client):
    link = LinkFactory()

    visit(client, link)
    visit(client, link)
    visit(client, link, ua=PHONE)

    assert list(Click.objects.filter(link=link).order_by("pk").values_list("is_unique", flat=True)) == [
        True,
        False,
        True,
    ]
    link.refresh_from_db()
    assert (link.click_count, link.unique_click_count) == (3, 2)


def test_no_raw_ip_is_stored(client):
    link = LinkFactory()

    visit(client, link, REMOTE_ADDR="203.0.113.77")

    row = Click.objects.filter(link=link).values().get()
    assert not any("203.0.113.77" in str(value) for value in row.values())


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"is_active": False}, "switched off"),
        ({"expires_at": dt.timedelta(minutes=-1)}, "expired"),
        ({"max_clicks": 2, "capped_clicks": 2}, "limit"),
    ],
)
def test_unusable_links_show_a_410_page_and_count_nothing(client, change, reason):
    if "expires_at" in change:
        change = {"expires_at": timezone.now() + change["expires_at"]}
    link = LinkFactory(**change)

    response = client.get(f"/{link.code}", HTTP_USER_AGENT=DESKTOP, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 410
    assert reason in response.content.decode()
    assert not Click.objects.exists()


def test_link_that_expires_later_still_redirects(client):
    link = LinkFactory(expires_at=timezone.now() + dt.timedelta(hours=1))

    assert visit(client, link).status_code == 302


def test_max_clicks_stops_exactly_at_the_limit(client):
    link = LinkFactory(max_clicks=3)

    statuses = [visit(client, link).status_code for _ in range(5)]

    assert statuses == [302, 302, 302, 410, 410]
    link.refresh_from_db()
    assert (link.capped_clicks, link.click_count) == (3, 3)


def test_platform_not_allowed_gets_a_403_page_naming_the_allowed_apps(client):
    link = LinkFactory(allowed_platforms=["wechat", "qq"])

    denied = visit(client, link, ua=DESKTOP, HTTP_ACCEPT_LANGUAGE="en")
    allowed = visit(client, link, ua=QQ)

    assert denied.status_code == 403
    page = denied.content.decode()
    assert "WeChat" in page and "QQ" in page
    assert allowed.status_code in (200, 302)
    assert Click.objects.filter(link=link).count() == 1


def test_bots_get_open_graph_and_are_not_counted(client):
    link = LinkFactory(title="福利", og_title="Big sale", og_description="Everything half price")

    for ua in USER_AGENTS[VisitorPlatform.BOT]:
        response = visit(client, link, ua=ua)
        assert response.status_code == 200
        page = response.content.decode()
        assert '<meta property="og:title" content="Big sale">' in page
        assert '<meta property="og:description" content="Everything half price">' in page
    assert not Click.objects.exists()


def test_guide_mode_shows_the_guide_in_wechat_and_redirects_in_a_browser(client):
    link = LinkFactory(antiblock="guide", url="https://example.com/x")

    in_wechat = visit(client, link, ua=WECHAT)
    in_browser = visit(client, link, ua=PHONE)

    assert in_wechat.status_code == 200
    page = in_wechat.content.decode()
    assert 'href="https://example.com/x"' in page
    assert 'data-picture="ios"' in page and 'data-picture="android"' in page
    assert in_browser.status_code == 302
    assert Click.objects.filter(link=link).count() == 2


def test_copy_mode_shows_the_link_with_a_copy_button_in_apps(client):
    link = LinkFactory(antiblock="copy", url="https://example.com/coupon")

    page = visit(client, link, ua=QQ).content.decode()

    assert 'data-copy="https://example.com/coupon"' in page


def test_direct_mode_redirects_even_in_wechat(client):
    link = LinkFactory(antiblock="direct")

    assert visit(client, link, ua=WECHAT).status_code == 302


def test_mode_resolution_link_platform_then_link_then_workspace_then_builtin(client):
    link = LinkFactory(antiblock="", antiblock_by_platform={"qq": "copy"})
    link_settings_update(workspace=link.workspace, antiblock_defaults={"wechat": "direct"})

    assert visit(client, link, ua=WECHAT).status_code == 302  # workspace: direct in WeChat
    assert "data-copy" in visit(client, link, ua=QQ).content.decode()  # link: copy in QQ
    dingtalk = visit(client, link, ua=USER_AGENTS[VisitorPlatform.DINGTALK][0])
    assert 'data-picture="ios"' in dingtalk.content.decode()  # built-in: guide in apps


def test_password_page_then_right_password_redirects(client):
    link = LinkFactory(password=make_password("8888"), url="https://example.com/vip")

    page = visit(client, link)
    wrong = client.post(f"/{link.code}", {"password": "1234"}, HTTP_USER_AGENT=DESKTOP)
    right = client.post(f"/{link.code}", {"password": "8888"}, HTTP_USER_AGENT=DESKTOP)

    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    assert wrong.status_code == 403 and 'role="alert"' in wrong.content.decode()
    assert right.status_code == 302 and right["Location"] == "https://example.com/vip"
    assert Click.objects.filter(link=link).count() == 1


def test_wrong_passwords_are_rate_limited_per_ip_and_link(client):
    link = LinkFactory(password=make_password("8888"))
    other = LinkFactory(password=make_password("8888"))

    statuses = [
        client.post(
            f"/{link.code}", {"password": "nope"}, HTTP_USER_AGENT=DESKTOP, REMOTE_ADDR="198.51.100.1"
        ).status_code
        for _ in range(6)
    ]
    even_right = client.post(
        f"/{link.code}", {"password": "8888"}, HTTP_USER_AGENT=DESKTOP, REMOTE_ADDR="198.51.100.1"
    )
    other_ip = client.post(
        f"/{link.code}", {"password": "8888"}, HTTP_USER_AGENT=DESKTOP, REMOTE_ADDR="198.51.100.2"
    )
    other_link = client.post(
        f"/{other.code}", {"password": "8888"}, HTTP_USER_AGENT=DESKTOP, REMOTE_ADDR="198.51.100.1"
    )

    assert statuses == [403] * 5 + [429]
    assert even_right.status_code == 429
    assert "一分钟" in even_right.content.decode() or "minute" in even_right.content.decode()
    assert other_ip.status_code == 302
    assert other_link.status_code == 302


def _decode(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1
    return results[0].text


def test_qr_png_decodes_to_the_short_url_at_the_size_asked(client, settings):
    link = LinkFactory(code="qrTest1")

    response = client.get(f"/{link.code}.png?size=256&margin=4&ecc=H")

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (256, 256)
    assert _decode(response.content) == f"{settings.SHORT_BASE_URL}/qrTest1"


def test_qr_svg_is_valid_and_scaled(client):
    link = LinkFactory()

    response = client.get(f"/{link.code}.svg?size=512")

    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)
    assert (root.get("width"), root.get("height")) == ("512", "512")


@pytest.mark.parametrize(
    "query", ["size=abc", "size=10", "size=99999", "margin=-1", "margin=50", "ecc=Z", "size=1e3"]
)
def test_qr_nonsense_parameters_are_a_400(client, query):
    link = LinkFactory()

    response = client.get(f"/{link.code}.png?{query}")

    assert response.status_code == 400
    assert response.content


def test_qr_is_cacheable_with_etag(client):
    link = LinkFactory()

    first = client.get(f"/{link.code}.png")
    again = client.get(f"/{link.code}.png", HTTP_IF_NONE_MATCH=first["ETag"])
    other_size = client.get(f"/{link.code}.png?size=400")

    assert "max-age" in first["Cache-Control"]
    assert again.status_code == 304
    assert other_size["ETag"] != first["ETag"]


def test_qr_of_unknown_code_is_404(client):
    assert client.get("/nosuch.png").status_code == 404


def test_reserved_prefixes_still_reach_their_pages(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/admin/login/").status_code == 200
    assert Link.objects.count() == 0


def test_head_requests_are_answered_but_not_counted(client):
    link = LinkFactory(max_clicks=1)

    response = client.head(f"/{link.code}", HTTP_USER_AGENT=DESKTOP)

    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.capped_clicks, Click.objects.count()) == (0, 0)


CRAWLERS = ["curl/8.0", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"]


@pytest.mark.parametrize("ua", CRAWLERS)
@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"password": make_password("8888")}, 200),
        ({"expires_at": dt.timedelta(minutes=-1)}, 410),
        ({"is_active": False}, 410),
        ({"max_clicks": 1, "capped_clicks": 1}, 410),
        ({"allowed_platforms": ["wechat"]}, 403),
    ],
    ids=["password", "expired", "inactive", "exhausted", "wechat-only"],
)
def test_crawlers_never_see_the_target_when_a_gate_is_closed(client, ua, fields, status):
    if "expires_at" in fields:
        fields = {"expires_at": timezone.now() + fields["expires_at"]}
    link = LinkFactory(
        url="https://secret.example/prize",
        og_title="Secret prize",
        og_description="Only for members",
        **fields,
    )

    response = visit(client, link, ua=ua)

    page = response.content.decode()
    assert response.status_code == status
    assert "secret.example" not in page and "Secret prize" not in page and "Only for members" not in page
    assert not Click.objects.exists()


def test_crawler_that_gives_the_right_password_gets_the_preview_uncounted(client):
    link = LinkFactory(password=make_password("8888"), url="https://secret.example/prize", og_title="Prize")

    response = client.post(f"/{link.code}", {"password": "8888"}, HTTP_USER_AGENT="curl/8.0")

    assert response.status_code == 200 and "https://secret.example/prize" in response.content.decode()
    assert not Click.objects.exists()
