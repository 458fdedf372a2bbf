import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from links.models import Click
from tests.links.factories import LinkFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def click(link, at, platform="wechat", os="iOS", referrer="", unique=True):
    return Click(
        event_id=uuid.uuid4(),
        workspace=link.workspace,
        link=link,
        at=at,
        day=at.astimezone(SHANGHAI).date(),
        platform=platform,
        os=os,
        device="iPhone",
        referrer_host=referrer,
        visitor_hash=uuid.uuid4().hex,
        is_unique=unique,
    )


@pytest.fixture
def clicked_link(tenant_a):
    link = LinkFactory(workspace=tenant_a.workspace)
    other = LinkFactory(workspace=tenant_a.workspace)
    at = lambda d, h: dt.datetime(2026, 11, d, h, 30, tzinfo=SHANGHAI)  # noqa: E731
    Click.objects.bulk_create(
        [
            click(link, at(1, 0), "wechat", "iOS", "mp.weixin.qq.com"),  # 00:30 Shanghai = Oct 31 16:30 UTC
            click(link, at(1, 9), "wechat", "Android", "mp.weixin.qq.com", unique=False),
            click(link, at(1, 23), "qq", "Android"),
            click(link, at(3, 12), "desktop", "Windows", "www.baidu.com"),
            click(link, at(5, 8), "wechat", "iOS"),  # outside the range asked below
            click(other, at(1, 10), "wechat", "iOS"),
        ]
    )
    return link


def test_totals_breakdowns_and_zero_filled_daily_series_in_workspace_time(api_for, tenant_a, clicked_link):
    body = (
        api_for(tenant_a.analyst)
        .get(f"/api/links/{clicked_link.pk}/stats/?from=2026-11-01&to=2026-11-03&interval=day")
        .json()
    )

    assert (body["total"], body["unique"]) == (4, 3)
    assert body["by_platform"][0] == {"key": "wechat", "clicks": 2, "unique": 1}
    assert {row["key"]: row["clicks"] for row in body["by_os"]} == {"Android": 2, "iOS": 1, "Windows": 1}
    assert {row["key"]: row["clicks"] for row in body["by_referrer"]} == {
        "mp.weixin.qq.com": 2,
        "": 1,
        "www.baidu.com": 1,
    }
    assert [(row["t"][:10], row["clicks"], row["unique"]) for row in body["series"]] == [
        ("2026-11-01", 3, 2),
        ("2026-11-02", 0, 0),
        ("2026-11-03", 1, 1),
    ]
    assert body["series"][0]["t"].endswith("+08:00")


def test_hourly_series(api_for, tenant_a, clicked_link):
    body = (
        api_for(tenant_a.analyst)
        .get(
            f"/api/links/{clicked_link.pk}/stats/?from=2026-11-01T00:00:00%2B08:00&to=2026-11-01T12:00:00%2B08:00&interval=hour"
        )
        .json()
    )

    assert len(body["series"]) == 12
    assert [row["clicks"] for row in body["series"] if row["clicks"]] == [1, 1]
    assert body["series"][9]["t"].startswith("2026-11-01T09:00:00")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=yesterday", "from"),
        ("to=2026-13-01", "to"),
        ("from=2026-11-05&to=2026-11-01", "from"),
        ("interval=week", "interval"),
        ("from=2025-01-01&to=2026-11-01&interval=day", "from"),
        ("from=2026-01-01&to=2026-11-01&interval=hour", "from"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(api_for, tenant_a, clicked_link, query, field):
    response = api_for(tenant_a.analyst).get(f"/api/links/{clicked_link.pk}/stats/?{query}")

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_stats_take_a_constant_number_of_queries(
    api_for, tenant_a, clicked_link, django_assert_max_num_queries
):
    with django_assert_max_num_queries(16):
        api_for(tenant_a.analyst).get(f"/api/links/{clicked_link.pk}/stats/?from=2026-11-01&to=2026-11-30")


OUT_OF_RANGE = [
    ("to=9999-12-31", "to"),
    ("from=0001-01-01T00:00:00%2B00:00", "from"),
    ("from=0001-01-01T00:00:00%2B14:00&to=2026-01-02", "from"),
    ("to=0001-01-01", "to"),
    ("to=9999-12-31T23:59:59-14:00", "to"),
    ("from=9999-12-31T23:59:59Z", "from"),
]


@pytest.mark.parametrize("interval", ["day", "hour"])
@pytest.mark.parametrize(("query", "field"), OUT_OF_RANGE)
def test_out_of_range_dates_are_a_400_naming_the_field_for_link_stats(
    api_for, tenant_a, clicked_link, query, field, interval
):
    response = api_for(tenant_a.analyst).get(
        f"/api/links/{clicked_link.pk}/stats/?interval={interval}&{query}"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


@pytest.mark.parametrize("query", ["from=1970-01-01&to=1970-01-31", "from=8999-12-01&to=8999-12-31"])
def test_the_first_and_last_dates_the_message_offers_are_accepted(api_for, tenant_a, clicked_link, query):
    response = api_for(tenant_a.analyst).get(f"/api/links/{clicked_link.pk}/stats/?{query}")

    assert response.status_code == 200, response.json()
    assert response.json()["total"] == 0


@pytest.mark.parametrize(("query", "field"), OUT_OF_RANGE)
def test_out_of_range_dates_are_a_400_naming_the_field_for_live_code_stats(api_for, tenant_a, query, field):
    from tests.links.livecode_helpers import make_live_code

    live_code, _ = make_live_code(tenant_a.workspace)

    response = api_for(tenant_a.analyst).get(f"/api/live-codes/{live_code.pk}/stats/?{query}")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
