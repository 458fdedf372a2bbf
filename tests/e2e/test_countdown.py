"""The flash campaign's countdown page on a phone, through its phases, with the server's clock faked.

The server runs in 2030 (time-machine) while the browser's clock says today: the countdown must
follow the server, and the page must move to the next phase by itself when the time comes.
"""

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from groups.campaigns import services
from tests.campaigns.factories import flash_group, phases_from
from tests.groups.factories import MemberFactory
from tests.suo.factories import WorkspaceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
T0 = datetime(2030, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def no_broker(queued):
    """Transactional tests run on_commit hooks: the test plays the worker, nothing goes to the broker."""
    return queued


class Clock:
    """The server's fake clock: jump to a moment, then let it run."""

    def __init__(self):
        self.traveller = None

    def at(self, moment):
        if self.traveller:
            self.traveller.stop()
        self.traveller = time_machine.travel(moment, tick=True)
        self.traveller.start()

    def stop(self):
        if self.traveller:
            self.traveller.stop()


@pytest.fixture
def clock():
    clock = Clock()
    yield clock
    clock.stop()


def seconds_left(page) -> int:
    text = page.locator("#countdown").inner_text()
    hours, minutes, seconds = (int(part) for part in re.fullmatch(r"(\d\d):(\d\d):(\d\d)", text).groups())
    return hours * 3600 + minutes * 60 + seconds


def worker_runs_when_due(campaign, phase):
    """What the Celery worker does: once the phase's time has come, advance the campaign."""
    due = campaign.transitions.get(phase=phase).due_at
    for _ in range(200):
        if datetime.now(UTC) >= due and services.campaigns_reconcile():
            return
        time.sleep(0.05)
    raise AssertionError(f"{phase} did not start")


def test_the_countdown_follows_the_server_clock_through_the_phases(live_server, phone_page, clock):
    clock.at(T0)
    workspace = WorkspaceFactory(slug="e2e", timezone="Asia/Shanghai")
    campaign = services.campaign_create(
        workspace=workspace,
        group=flash_group(workspace),
        name="春季快闪",
        slug="spring",
        phases=phases_from(T0 + timedelta(hours=1)),
        description="限量 2 份，先到先得",
    )
    services.offer_create(campaign=campaign, name="春季礼盒", stock=2, price="59.00")
    member = MemberFactory(workspace=workspace, display_name="小雨")
    link = services.member_link(campaign=campaign, member=member).split("/c/", 1)[1]
    url = f"{live_server.url}/c/{link}"

    phone_page.goto(url)  # an hour before the preheat, by the server's clock
    expect(phone_page.locator("#phase")).to_have_text("未开始")
    expect(phone_page.locator("#countdown")).to_have_text(re.compile(r"00:59:\d\d|01:00:00"))
    assert 3540 <= seconds_left(phone_page) <= 3600  # not years: the phone's clock plays no part
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390

    clock.at(T0 + timedelta(minutes=59, seconds=57))
    phone_page.goto(url)
    assert seconds_left(phone_page) <= 3
    worker_runs_when_due(campaign, "preheat")
    expect(phone_page.locator("#phase")).to_have_text("预热", timeout=15_000)  # the page moved on by itself
    expect(phone_page.locator("#next-phase")).to_contain_text("距开抢还有")
    assert 3590 <= seconds_left(phone_page) <= 3600

    clock.at(T0 + timedelta(hours=1, minutes=59, seconds=58))
    phone_page.goto(url)
    expect(phone_page.locator("button.claim")).to_have_count(0)
    worker_runs_when_due(campaign, "ignite")
    expect(phone_page.locator("#phase")).to_have_text("引爆", timeout=15_000)
    phone_page.locator("button.claim").click()
    expect(phone_page.locator("#notice")).to_contain_text("恭喜抢到")
    expect(phone_page.locator("[data-offer] .remaining")).to_have_text("1")

    clock.at(T0 + timedelta(hours=4, seconds=1))
    services.campaigns_reconcile()  # wrap-up and close, in order
    phone_page.goto(url)
    expect(phone_page.locator("#phase")).to_have_text("已结束")
    expect(phone_page.locator("#ended")).to_be_visible()
    expect(phone_page.locator("button.claim")).to_have_count(0)
    assert services.outcome_tag(campaign, "claimed") in set(member.tags.values_list("name", flat=True))
