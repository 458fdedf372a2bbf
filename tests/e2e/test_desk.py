"""The violation desk in a real browser: search as you type, preview of the step, submit, next."""

import pytest
from django.conf import settings
from django.test import Client

from groups.models import Membership, Violation
from groups.moderation import services as moderation
from tests.groups.factories import CommunityFactory, MemberFactory, MembershipFactory, RuleFactory
from tests.suo.factories import UserFactory, WorkspaceFactory, WorkspaceMembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(live_server):
    workspace = WorkspaceFactory(slug="desk", name="星河")
    moderator = UserFactory(username="desk_mod")
    WorkspaceMembershipFactory(workspace=workspace, user=moderator, role="moderator")
    group = CommunityFactory(workspace=workspace, name="甲群")
    CommunityFactory(workspace=workspace, name="乙群")
    target = MemberFactory(workspace=workspace, display_name="张三丰", external_id="wxid_zsf")
    other = MemberFactory(workspace=workspace, display_name="张小凡", external_id="wxid_zxf")
    for member in (target, other):
        MembershipFactory(community=group, member=member)
    spam = RuleFactory(workspace=workspace, title="禁止刷屏", category="spam")
    RuleFactory(workspace=workspace, title="快闪专属", community_kind="flash")
    moderation.violation_log(community=group, member=target, rule=spam, by=moderator)  # a warning already

    def open_page(page):
        client = Client()
        client.force_login(moderator)
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        page.goto(f"{live_server.url}/desk/")
        page.wait_for_selector("body[data-ready=true]")
        return page

    return {"open": open_page, "group": group, "target": target, "spam": spam}


def test_search_preview_submit_and_ready_for_the_next(desk, page):
    page = desk["open"](page)
    search = page.locator("#member-search")
    assert search.evaluate("el => el === document.activeElement")

    search.press_sequentially("张", delay=30)
    page.wait_for_function("document.querySelectorAll('#member-results [data-member-id]').length === 2")
    search.press_sequentially("三", delay=30)
    page.wait_for_function("document.querySelectorAll('#member-results [data-member-id]').length === 1")
    search.press("Enter")

    card = page.locator("#member-card")
    assert card.get_attribute("data-member-id") == str(desk["target"].pk)
    assert page.locator("#group").input_value() == str(desk["group"].pk)  # the member's only group
    rule_options = page.locator("#rule option").all_inner_texts()
    assert any("禁止刷屏" in text for text in rule_options)
    assert not any("快闪专属" in text for text in rule_options)  # not for this kind of group
    assert page.locator("#submit").is_disabled()
    page.select_option("#rule", str(desk["spam"].pk))

    page.wait_for_selector("#preview[data-state=ready][data-action=mute][data-step='2']")
    assert page.locator("#preview").get_attribute("data-counted") == "1"
    assert page.locator("#history li[data-violation-id]").count() == 1
    page.fill("#note", "连发 10 条链接")
    page.locator("#submit").click()

    page.wait_for_selector("#result[data-violation-id]")
    violation = Violation.objects.get(pk=page.locator("#result").get_attribute("data-violation-id"))
    assert (violation.step, violation.action, violation.note) == (2, "mute", "连发 10 条链接")
    assert violation.logged_by.username == "desk_mod"
    assert Membership.objects.get(member=desk["target"], is_active=True).muted_until is not None
    assert page.locator("#result").get_attribute("data-action") == "mute"
    # Ready for the next one: the search box is back, empty and focused; the form is clear.
    assert search.is_visible() and search.input_value() == ""
    assert search.evaluate("el => el === document.activeElement")
    assert card.is_hidden() and page.locator("#note").input_value() == ""

    search.press_sequentially("wxid_zsf", delay=20)
    page.wait_for_selector("#member-results [data-member-id]")
    page.locator("#member-results [data-member-id]").first.click()
    page.wait_for_selector("#preview[data-state=ready][data-action=kick][data-step='3']")
    assert page.locator("#flag-muted").is_visible()
    page.locator("#submit").click()
    page.wait_for_selector("#result[data-action=kick]")
    assert Violation.objects.filter(member=desk["target"]).count() == 3
    assert not Membership.objects.filter(member=desk["target"], is_active=True).exists()


def test_the_desk_fits_a_phone(desk, phone_page):
    page = desk["open"](phone_page)

    page.locator("#member-search").press_sequentially("张小", delay=30)
    page.wait_for_selector("#member-results [data-member-id]")
    page.locator("#member-results [data-member-id]").first.tap()
    page.select_option("#rule", str(desk["spam"].pk))
    page.wait_for_selector("#preview[data-state=ready][data-action=warn][data-step='1']")

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("#submit").bounding_box()["width"] > 300
    page.locator("#submit").tap()
    page.wait_for_selector("#result[data-action=warn]")
    assert Violation.objects.filter(member__display_name="张小凡").count() == 1
