"""The live group code page as a visitor sees it: a phone, inside WeChat."""

import pytest

from links.livecodes.models import LiveCodeEntry
from links.models import Click
from links.qr_upload import read_qr_upload
from tests.links.livecode_helpers import group_qr_png, make_live_code
from tests.suo.factories import WorkspaceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def setup(settings, tmp_path):
    settings.LINKS_CLICK_BUFFER = "direct"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def alert_checks_not_queued(queued):
    """Transactional tests run on_commit hooks: keep their alert checks out of the shared broker."""
    return queued


def test_live_code_page_shows_the_group_code_to_long_press(live_server, phone_page):
    live_code, (first, second) = make_live_code(
        WorkspaceFactory(),
        alias="e2e-join",
        entries=[{"label": "福利 1 群", "scan_limit": 1}, {"label": "福利 2 群"}],
    )

    phone_page.goto(f"{live_server.url}/g/e2e-join")

    card = phone_page.locator("#live-code")
    assert card.get_attribute("data-entry") == str(first.pk)
    assert phone_page.locator("#group-name").inner_text() == "福利 1 群"
    image = phone_page.locator("#group-qr")
    assert image.is_visible()
    assert phone_page.evaluate("document.getElementById('group-qr').naturalWidth") > 100  # the picture loaded
    box = image.bounding_box()
    assert 250 <= box["width"] <= 330  # big enough to long-press on a 390 px phone
    assert phone_page.locator("[data-steps=wechat] li").count() == 3
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    click = Click.objects.get(live_code=live_code)
    assert click.platform == "wechat" and click.live_code_entry_id == first.pk

    phone_page.reload()  # the same visitor again: the same group, no second place used
    assert phone_page.locator("#live-code").get_attribute("data-entry") == str(first.pk)
    assert LiveCodeEntry.objects.get(pk=first.pk).scans == 1

    other_visitor = phone_page.context.browser.new_context(
        user_agent=phone_page.evaluate("navigator.userAgent"), viewport={"width": 390, "height": 844}
    )
    page = other_visitor.new_page()
    page.goto(f"{live_server.url}/g/e2e-join")  # the first group is full: the next one
    assert page.locator("#live-code").get_attribute("data-entry") == str(second.pk)
    other_visitor.close()


def test_fallback_page_when_every_group_is_full(live_server, phone_page):
    make_live_code(
        WorkspaceFactory(),
        alias="e2e-full",
        fallback_message="群已满，请加客服微信",
        fallback_image=read_qr_upload(group_qr_png("https://work.weixin.qq.com/u/kefu-e2e")),
        entries=[{"scan_limit": 1, "scans": 1}, {"expired": True}],
    )

    phone_page.goto(f"{live_server.url}/g/e2e-full")

    assert phone_page.locator("#live-code-fallback").is_visible()
    assert phone_page.locator("#fallback-message").inner_text() == "群已满，请加客服微信"
    assert phone_page.evaluate("document.getElementById('fallback-qr').naturalWidth") > 100
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
