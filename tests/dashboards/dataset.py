"""A small hand-made history in Asia/Shanghai whose figures are worked out by hand in the tests.

Weeks (Monday, Shanghai): W1 = 2026-11-02, W2 = 11-09, W3 = 11-16, W4 = 11-23 (the current week:
"now" is Thursday 2026-11-26 12:00, so W4 has not ended). Groups: g1 (lead_gen), g2 (benefit).

member  stays                                                         notes
A       g1 11-02 00:30 → ;  g2 11-06 → 11-07                          joins at 16:30 UTC on Sunday 11-01
B       g1 11-08 23:30 → 11-12 10:00 (left)     source referral      Sunday night: still W1
C       g1 11-01 23:30 → 11-13 09:00 (kicked)                         joined before W1
D       g1 11-10 09:00 → 11-17 08:00 (left)     pushed via /api/events/ with past `at`
E       g1 11-03 → 11-04 (left);  g2 11-10 →
F       g1 11-05 → 11-20 (left)                 campaign double11
G       g1 11-24 →                                                    current week: no ended week
messages (daily counts): A 11-03, A 11-17, B 11-10, D 11-11
activity: E 2026-11-16 00:30 Shanghai (16:30 UTC on Sunday 11-15: W3 in Shanghai, W2 in UTC)
entitlements: E granted 11-12 (after joining 11-10: converted); D granted 11-01 (before joining:
not converted) and one granted 11-12 but revoked.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from groups.models import ActivityEvent, MessageDailyCount
from links.models import Click
from tests.groups.factories import CommunityFactory, EntitlementFactory, MemberFactory, MembershipFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=SHANGHAI)


def local(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class History:
    workspace: object
    g1: object
    g2: object
    members: dict


def build(workspace, api_client) -> History:
    g1 = CommunityFactory(workspace=workspace, name="引流一群", kind="lead_gen", external_id="room-g1")
    g2 = CommunityFactory(workspace=workspace, name="福利二群", kind="benefit", external_id="room-g2")
    m = {
        name: MemberFactory(workspace=workspace, display_name=name, external_id=f"wx-{name}")
        for name in "ABCEFG"
    }

    def stay(member, group, joined, left=None, reason="left", **extra):
        fields = {"is_active": left is None, "left_at": left, "leave_reason": reason if left else ""}
        return MembershipFactory(community=group, member=member, joined_at=joined, **fields, **extra)

    stay(m["A"], g1, local(11, 2, 0, 30))
    stay(m["A"], g2, local(11, 6), local(11, 7))
    stay(m["B"], g1, local(11, 8, 23, 30), local(11, 12, 10), source="referral")
    stay(m["C"], g1, local(11, 1, 23, 30), local(11, 13, 9), reason="kicked")
    stay(m["E"], g1, local(11, 3), local(11, 4))
    stay(m["E"], g2, local(11, 10))
    stay(m["F"], g1, local(11, 5), local(11, 20), campaign="double11")
    stay(m["G"], g1, local(11, 24))
    # D arrives through the events API, with times in the past.
    events = [
        {
            "id": "d-join",
            "type": "join",
            "platform": "wechat",
            "group_external_id": "room-g1",
            "member_external_id": "wx-D",
            "member_name": "D",
            "at": local(11, 10, 9).isoformat(),
            "source": "link",
        },
        {
            "id": "d-leave",
            "type": "leave",
            "platform": "wechat",
            "group_external_id": "room-g1",
            "member_external_id": "wx-D",
            "at": local(11, 17, 8).isoformat(),
            "reason": "left",
        },
    ]
    response = api_client.post("/api/events/", {"events": events})
    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()["results"]] == ["applied", "applied"], response.json()
    from groups.models import Member

    m["D"] = Member.objects.get(workspace=workspace, external_id="wx-D")
    for name, group, day in (("A", g1, 3), ("A", g1, 17), ("B", g1, 10), ("D", g1, 11)):
        MessageDailyCount.objects.create(
            workspace=workspace, community=group, member=m[name], day=dt.date(2026, 11, day), count=3
        )
    ActivityEvent.objects.create(
        workspace=workspace, member=m["E"], community=g2, name="签到", at=local(11, 16, 0, 30)
    )
    EntitlementFactory(member=m["E"], workspace=workspace, granted_at=local(11, 12))
    EntitlementFactory(member=m["D"], workspace=workspace, granted_at=local(11, 1))
    EntitlementFactory(member=m["D"], workspace=workspace, granted_at=local(11, 12), revoked_at=local(11, 13))
    return History(workspace=workspace, g1=g1, g2=g2, members=m)


def click(workspace, link, when, *, unique=True) -> Click:
    """A stored click of `link` at `when` (a visitor of its own, unless `unique` is False)."""
    return Click.objects.create(
        workspace=workspace,
        link=link,
        at=when,
        day=when.date(),
        platform="wechat",
        visitor_hash=f"v{when.timestamp()}",
        is_unique=unique,
    )
