import pytest
from django.core.management import call_command

from suo.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_demo_operator_logs_in_and_sees_the_chinese_admin_index(live_server, page):
    call_command("seed_demo")

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "demo_operator")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("input[type=submit]")

    page.wait_for_selector("#site-name")
    assert page.inner_text("#site-name") == "suo 社群运营后台"
    assert "运营控制台" in page.title()
    assert page.locator("#content-main").get_by_text("工作区").first.is_visible()
    assert (
        page.get_by_role("link", name="注销").count() + page.get_by_role("button", name="注销").count() >= 1
    )
