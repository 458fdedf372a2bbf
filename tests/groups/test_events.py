"""POST /api/events/: batches, idempotency by id, per-event errors, message counts per day."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from groups.models import ActivityEvent, InboundEvent, Member, Membership, MessageDailyCount
from suo.models import WebhookDelivery, WebhookEndpoint
from tests.groups.factories import CommunityFactory, MemberFactory, MembershipFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int) -> str:
    return datetime(2026, 3, day, hour, 0, tzinfo=SHANGHAI).isoformat()


@pytest.fixture
def group(tenant_a):
    return CommunityFactory(
        workspace=tenant_a.workspace, external_id="room-1", welcome_template="欢迎 {nickname}"
    )


def post(api_for, tenant, events):
    return api_for(tenant.operator).post("/api/events/", {"events": events})


def test_batch_applies_joins_leaves_messages_and_activities(api_for, tenant_a, group):
    events = [
        {
            "id": "1",
            "type": "join",
            "platform": "wechat",
            "group_external_id": "room-1",
            "member_external_id": "u1",
            "member_name": "小明",
            "at": at(1, 10),
            "source": "live_code",
        },
        {
            "id": "2",
            "type": "message",
            "platform": "wechat",
            "group_external_id": "room-1",
            "member_external_id": "u1",
            "at": at(1, 11),
            "count": 3,
        },
        {
            "id": "3",
            "type": "message",
            "platform": "wechat",
            "group_external_id": "room-1",
            "member_external_id": "u1",
            "at": at(1, 23),
        },
        {
            "id": "4",
            "type": "message",
            "platform": "wechat",
            "group_external_id": "room-1",
            "member_external_id": "u1",
            "at": at(2, 1),
        },
        {
            "id": "5",
            "type": "activity",
            "platform": "wechat",
            "member_external_id": "u1",
            "at": at(2, 2),
            "campaign": "d11",
            "name": "签到",
        },
        {
            "id": "6",
            "type": "leave",
            "platform": "wechat",
            "group_external_id": "room-1",
            "member_external_id": "u1",
            "at": at(3, 9),
            "reason": "left",
        },
    ]

    response = post(api_for, tenant_a, events)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["applied"] == 6 and body["rejected"] == 0 and body["received"] == 6
    member = Member.objects.get(external_id="u1")
    assert member.display_name == "小明"
    stay = Membership.objects.get(member=member)
    assert stay.source == "live_code" and not stay.is_active and stay.leave_reason == "left"
    days = dict(MessageDailyCount.objects.filter(member=member).values_list("day", "count"))
    assert {str(day): count for day, count in days.items()} == {"2026-03-01": 4, "2026-03-02": 1}
    assert ActivityEvent.objects.get(member=member).campaign == "d11"


def test_sending_the_same_batch_twice_changes_nothing(api_for, tenant_a, group):
    events = [
        {
            "id": f"m{i}",
            "type": "message",
            "platform": "wechat",
            "group_external_id": "room-1",
            "member_external_id": "u1",
            "at": at(1, 10),
        }
        for i in range(5)
    ] + [
        {
            "id": "j",
            "type": "join",
            "platform": "wechat",
            "group_external_id": "room-1",
            "member_external_id": "u2",
            "at": at(1, 9),
        }
    ]

    first = post(api_for, tenant_a, events).json()
    second = post(api_for, tenant_a, events).json()

    assert first["applied"] == 6
    assert second["duplicates"] == 6 and second["applied"] == 0
    assert MessageDailyCount.objects.get().count == 5
    assert Membership.objects.count() == 1
    assert InboundEvent.objects.count() == 6


def test_unknown_groups_and_bad_events_are_reported_per_event(api_for, tenant_a, group):
    events = [
        {
            "id": "ok",
            "type": "join",
            "platform": "wechat",
            "group_external_id": "room-1",
            "member_external_id": "u1",
            "at": at(1, 9),
        },
        {
            "id": "nogroup",
            "type": "join",
            "platform": "wechat",
            "group_external_id": "room-404",
            "member_external_id": "u1",
            "at": at(1, 9),
        },
        {
            "id": "wrongplatform",
            "type": "join",
            "platform": "qq",
            "group_external_id": "room-1",
            "member_external_id": "u1",
            "at": at(1, 9),
        },
        {"id": "badtype", "type": "dance", "platform": "wechat", "member_external_id": "u1", "at": at(1, 9)},
        {
            "id": "badtime",
            "type": "message",
            "platform": "wechat",
            "group_external_id": "room-1",
            "member_external_id": "u1",
            "at": "yesterday",
        },
        {
            "id": "needsgroup",
            "type": "message",
            "platform": "wechat",
            "member_external_id": "u1",
            "at": at(1, 9),
        },
        "not an object",
        {
            "id": "ok",
            "type": "join",
            "platform": "wechat",
            "group_external_id": "room-1",
            "member_external_id": "u1",
            "at": at(1, 9),
        },
    ]

    body = post(api_for, tenant_a, events).json()

    by_id = [(r["id"], r["status"], r.get("code")) for r in body["results"]]
    assert by_id == [
        ("ok", "applied", None),
        ("nogroup", "rejected", "unknown_group"),
        ("wrongplatform", "rejected", "unknown_group"),
        ("badtype", "rejected", "invalid"),
        ("badtime", "rejected", "invalid"),
        ("needsgroup", "rejected", "invalid"),
        (None, "rejected", "invalid"),
        ("ok", "duplicate", "duplicate_in_batch"),
    ]
    assert "type" in body["results"][3]["fields"] and "at" in body["results"][4]["fields"]
    assert InboundEvent.objects.count() == 1  # rejected events can be fixed and sent again


def test_batch_shape_errors_are_400(api_for, tenant_a):
    assert post(api_for, tenant_a, []).status_code == 400
    assert api_for(tenant_a.operator).post("/api/events/", {"nope": 1}).status_code == 400
    too_many = [{"id": str(i)} for i in range(1001)]
    response = post(api_for, tenant_a, too_many)
    assert response.status_code == 400 and "events" in response.json()["fields"]


def test_join_event_records_channel_and_campaign(api_for, tenant_a, group):
    event = {
        "id": "c1",
        "type": "join",
        "platform": "wechat",
        "group_external_id": "room-1",
        "member_external_id": "u9",
        "at": at(2, 9),
        "channel": "朋友圈",
        "campaign": "spring",
    }

    response = post(api_for, tenant_a, [event])

    assert response.status_code == 200, response.json()
    membership = Membership.objects.get(community=group, member__external_id="u9")
    assert (membership.channel, membership.campaign) == ("朋友圈", "spring")


def test_join_of_a_member_already_in_is_skipped_and_leave_of_a_stranger_too(api_for, tenant_a, group):
    member = MemberFactory(workspace=tenant_a.workspace, external_id="u1")
    MembershipFactory(community=group, member=member)

    body = post(
        api_for,
        tenant_a,
        [
            {
                "id": "a",
                "type": "join",
                "platform": "wechat",
                "group_external_id": "room-1",
                "member_external_id": "u1",
                "at": at(1, 9),
            },
            {
                "id": "b",
                "type": "leave",
                "platform": "wechat",
                "group_external_id": "room-1",
                "member_external_id": "u7",
                "at": at(1, 9),
            },
        ],
    ).json()

    assert [(r["status"], r["code"]) for r in body["results"]] == [
        ("skipped", "already_member"),
        ("skipped", "not_a_member"),
    ]


def test_events_of_another_workspace_group_are_unknown(api_for, tenant_a, tenant_b):
    CommunityFactory(workspace=tenant_b.workspace, external_id="theirs")

    body = post(
        api_for,
        tenant_a,
        [
            {
                "id": "x",
                "type": "join",
                "platform": "wechat",
                "group_external_id": "theirs",
                "member_external_id": "u1",
                "at": at(1, 9),
            }
        ],
    ).json()

    assert body["results"][0]["code"] == "unknown_group"
    assert not Membership.objects.exists()


def test_analyst_cannot_push_events(api_for, tenant_a, group):
    response = api_for(tenant_a.analyst).post("/api/events/", {"events": [{"id": "x"}]})

    assert response.status_code == 403


def test_a_1000_event_batch_takes_a_bounded_number_of_queries(
    api_for, tenant_a, group, django_assert_max_num_queries
):
    WebhookEndpoint.objects.create(
        workspace=tenant_a.workspace, name="bot", url="http://127.0.0.1:9/", secret="s"
    )
    events = []
    for i in range(1000):
        kind = "join" if i < 200 else "message"
        events.append(
            {
                "id": f"e{i}",
                "type": kind,
                "platform": "wechat",
                "group_external_id": "room-1",
                "member_external_id": f"u{i % 200}",
                "at": at(1 + i % 5, 12),
            }
        )
    client = api_for(tenant_a.operator)

    with django_assert_max_num_queries(40):
        body = client.post("/api/events/", {"events": events}).json()

    assert body["applied"] == 1000
    assert Membership.objects.filter(is_active=True).count() == 200
    assert sum(MessageDailyCount.objects.values_list("count", flat=True)) == 800
    # each join is announced (member.joined) with its rendered welcome (member.welcomed)
    assert WebhookDelivery.objects.filter(event_type="member.welcomed").count() == 200


def test_member_left_webhook_has_the_same_shape_from_an_event_as_from_the_api(api_for, tenant_a, group):
    WebhookEndpoint.objects.create(
        workspace=tenant_a.workspace, name="bot", url="http://127.0.0.1:9/hook", secret="s"
    )
    by_event = MembershipFactory(community=group, member=MemberFactory(workspace=tenant_a.workspace))
    by_api = MembershipFactory(community=group, member=MemberFactory(workspace=tenant_a.workspace))
    event = {
        "id": "left-1",
        "type": "leave",
        "platform": "wechat",
        "group_external_id": "room-1",
        "member_external_id": by_event.member.external_id,
        "at": at(2, 10),
    }
    assert post(api_for, tenant_a, [event]).json()["applied"] == 1
    api_for(tenant_a.moderator).post(f"/api/groups/{group.pk}/leave/", {"member": by_api.member_id})

    payloads = [
        delivery.payload["data"]
        for delivery in WebhookDelivery.objects.filter(event_type="member.left").order_by("pk")
    ]
    assert len(payloads) == 2
    assert [set(payload) for payload in payloads] == [set(payloads[1])] * 2
    assert (
        set(payloads[0]["group"])
        == set(payloads[1]["group"])
        == {
            "id",
            "name",
            "kind",
            "platform",
            "external_id",
        }
    )
    assert set(payloads[0]["member"]) == {"id", "display_name", "platform", "external_id"}
    assert payloads[0]["member"]["id"] == by_event.member_id


def test_an_event_dated_in_the_future_is_rejected_and_writes_nothing(api_for, tenant_a, group):
    soon = (timezone.now() + timedelta(minutes=5)).isoformat()
    later = (timezone.now() + timedelta(days=30)).isoformat()
    base = {"type": "join", "platform": "wechat", "group_external_id": "room-1"}

    body = post(
        api_for,
        tenant_a,
        [
            {**base, "id": "clock-skew", "member_external_id": "u1", "at": soon},
            {**base, "id": "future", "member_external_id": "u2", "at": later},
        ],
    ).json()

    assert [r["status"] for r in body["results"]] == ["applied", "rejected"]
    assert "at" in body["results"][1]["fields"]
    assert list(Membership.objects.values_list("member__external_id", flat=True)) == ["u1"]
    assert not Member.objects.filter(external_id="u2").exists()
