"""The dashboards in a real browser: an analyst logs in, opens retention, changes a filter, sees the
chart drawn (its canvas has coloured pixels) and downloads the CSV; screenshots are kept as artefacts."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tests.groups.factories import CommunityFactory, MemberFactory, MembershipFactory
from tests.suo.factories import PASSWORD, UserFactory, WorkspaceFactory, WorkspaceMembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Pixels of the chart's canvas that are neither transparent nor white: axes, lines and points.
PAINTED = """el => {
  const canvas = el.querySelector('canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235)) painted++;
  }
  return painted;
}"""


def log_in(page, base: str, next_url: str) -> None:
    page.goto(f"{base}/admin/login/?next={next_url}")
    page.fill("#id_username", "xh_analyst")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def artifacts() -> Path:
    path = Path(settings.VAR_DIR) / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def analyst(live_server):
    workspace = WorkspaceFactory(slug="xinghe", name="星河")
    user = UserFactory(username="xh_analyst")
    WorkspaceMembershipFactory(workspace=workspace, user=user, role="analyst")
    lead = CommunityFactory(workspace=workspace, name="引流群", kind="lead_gen")
    benefit = CommunityFactory(workspace=workspace, name="福利群", kind="benefit")
    now = timezone.now()
    for n in range(40):
        joined = now - dt.timedelta(days=42 - n, hours=3)
        left = joined + dt.timedelta(days=3 + n % 9) if n % 3 == 0 else None
        left = left if left and left < now else None
        MembershipFactory(
            community=lead if n % 2 else benefit,
            member=MemberFactory(workspace=workspace),
            joined_at=joined,
            source="referral" if n % 4 == 0 else "link",
            is_active=left is None,
            left_at=left,
            leave_reason="left" if left else "",
        )
    return {"user": user, "url": live_server.url}


def test_analyst_changes_a_retention_filter_sees_the_chart_and_downloads_the_csv(analyst, page):
    log_in(page, analyst["url"], "/dash/retention/")
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("h3", has_text="按入群周的留存").is_visible()

    with page.expect_navigation():
        page.select_option("select[name=kind]", "lead_gen")  # the form applies itself on change
    page.wait_for_selector("body[data-ready=true]")
    assert "kind=lead_gen" in page.url
    chart = page.locator("#dashboards-retention .chart")
    page.wait_for_selector("#dashboards-retention .chart[data-drawn=true] canvas")
    assert chart.evaluate(PAINTED) > 2000
    page.screenshot(path=str(artifacts() / "dashboards-retention-desktop.png"), full_page=True)

    with page.expect_download() as download_info:
        page.click("#dashboards-retention a.csv")
    download = download_info.value
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["同期群（首次入群周）", "成员数"]
    table = page.locator("#dashboards-retention tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells, c => c.textContent))"
    )
    assert rows[1:] == table and table
    download.save_as(artifacts() / download.suggested_filename)


def test_retention_on_a_phone_is_readable(analyst, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    log_in(phone, analyst["url"], "/dash/retention/%3Fcompare%3Dreferral%26source%3Dlink")
    phone.wait_for_selector("#dashboards-retention-compare .chart[data-drawn=true] canvas")

    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the screen: tables scroll inside their card
    assert phone.locator("#dashboards-retention-compare .chart").evaluate(PAINTED) > 1000
    phone.screenshot(path=str(artifacts() / "dashboards-retention-phone.png"), full_page=True)
    context.close()
