"""The anti-block pages as a visitor sees them: a phone, inside WeChat."""

import pytest
from django.contrib.auth.hashers import make_password
from playwright.sync_api import expect

from links.models import Click
from tests.links.factories import LinkFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def clicks_written_directly(settings):
    settings.LINKS_CLICK_BUFFER = "direct"


def test_guide_page_in_wechat_on_a_phone(live_server, phone_page):
    link = LinkFactory(code="guide1", antiblock="guide", url="https://example.com/welcome")

    phone_page.goto(f"{live_server.url}/{link.code}")

    assert phone_page.title() == "请在浏览器中打开"
    assert phone_page.get_by_text("点击屏幕右上角的 ···").is_visible()
    ios_picture = phone_page.locator("[data-picture=ios] svg")
    assert ios_picture.is_visible()  # an iPhone user agent: the iPhone menu first
    assert phone_page.locator("[data-picture=android]").is_hidden()
    phone_page.get_by_role("tab", name="Android").click()
    assert phone_page.locator("[data-picture=android] svg").is_visible()
    assert ios_picture.is_hidden()
    button = phone_page.get_by_role("link", name="继续访问")
    assert button.get_attribute("href") == "https://example.com/welcome"
    box = button.bounding_box()
    assert box["width"] > 300  # a full-width button on a 390 px phone
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    assert Click.objects.filter(link=link, platform="wechat").count() == 1


def test_copy_page_copies_the_link_with_one_tap(live_server, phone_page):
    phone_page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    link = LinkFactory(code="copy1", antiblock="copy", url="https://example.com/coupon")

    phone_page.goto(f"{live_server.url}/{link.code}")
    phone_page.get_by_role("button", name="复制链接").click()

    expect(phone_page.get_by_text("已复制").first).to_be_visible()  # the clipboard answers asynchronously
    assert phone_page.evaluate("navigator.clipboard.readText()") == "https://example.com/coupon"


def test_password_page_refuses_then_opens(live_server, phone_page):
    link = LinkFactory(
        code="vip1", password=make_password("8888"), antiblock="direct", url=f"{live_server.url}/healthz"
    )

    phone_page.goto(f"{live_server.url}/{link.code}")
    phone_page.fill("#password", "1111")
    phone_page.get_by_role("button", name="打开").click()
    expect(phone_page.get_by_role("alert")).to_be_visible()

    phone_page.fill("#password", "8888")
    phone_page.get_by_role("button", name="打开").click()
    phone_page.wait_for_url(f"{live_server.url}/healthz")
    assert '"status": "ok"' in phone_page.content()


def test_denied_page_names_the_allowed_apps(live_server, phone_page):
    link = LinkFactory(code="qqonly", allowed_platforms=["qq"])

    response = phone_page.goto(f"{live_server.url}/{link.code}")

    assert response.status == 403
    assert phone_page.locator("#allowed-apps").inner_text() == "QQ"
