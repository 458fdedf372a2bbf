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


def event(event_id: str, kind: str, when: str, **fields) -> dict:
    """A bot's event about member u1 of group room-1 on WeChat; a field given as None is left out."""
    body = {
        "id": event_id,
        "type": kind,
        "platform": "wechat",
        "group_external_id": "room-1",
        "member_external_id": "u1",
        "at": when,
        **fields,
    }
    return {key: value for key, value in body.items() if value is not None}


def post(api_for, tenant, events):
    return api_for(tenant.operator).post("/api/events/", {"events": events})


def test_batch_applies_joins_leaves_messages_and_activities(api_for, tenant_a, group):
    events = [
        event("1", "join", at(1, 10), member_name="小明", source="live_code"),
        event("2", "message", at(1, 11), count=3),
        event("3", "message", at(1, 23)),
        event("4", "message", at(2, 1)),
        event("5", "activity", at(2, 2), group_external_id=None, campaign="d11", name="签到"),
        event("6", "leave", at(3, 9), reason="left"),
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
    events = [event(f"m{i}", "message", at(1, 10)) for i in range(5)] + [
        event("j", "join", at(1, 9), member_external_id="u2")
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
        event("ok", "join", at(1, 9)),
        event("nogroup", "join", at(1, 9), group_external_id="room-404"),
        event("wrongplatform", "join", at(1, 9), platform="qq"),
        event("badtype", "dance", at(1, 9), group_external_id=None),
        event("badtime", "message", "yesterday"),
        event("needsgroup", "message", at(1, 9), group_external_id=None),
        "not an object",
        event("ok", "join", at(1, 9)),
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
    joined = event("c1", "join", at(2, 9), member_external_id="u9", channel="朋友圈", campaign="spring")

    response = post(api_for, tenant_a, [joined])

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
            event("a", "join", at(1, 9)),
            event("b", "leave", at(1, 9), member_external_id="u7"),
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
        [event("x", "join", at(1, 9), group_external_id="theirs")],
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
        events.append(event(f"e{i}", kind, at(1 + i % 5, 12), member_external_id=f"u{i % 200}"))
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
    left = event("left-1", "leave", at(2, 10), member_external_id=by_event.member.external_id)
    assert post(api_for, tenant_a, [left]).json()["applied"] == 1
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


def test_an_event_before_1970_is_rejected_by_itself(api_for, tenant_a, group):
    body = post(api_for, tenant_a, [event("old", "join", "0558-03-08T05:23:53+08:00")]).json()

    assert [(r["id"], r["status"]) for r in body["results"]] == [("old", "rejected")]
    assert "at" in body["results"][0]["fields"]
    assert InboundEvent.objects.count() == 0
