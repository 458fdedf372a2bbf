"""Demo history for the dashboards: twelve weeks of joins, leaves, messages, activities and
purchases in the demo workspace's groups, across join sources, channels and campaigns, so every
chart shows a believable picture (a double-11 spike, retention that decays, a group going cold).
Idempotent: nothing is added when the history exists."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.utils import timezone

from groups.dashboards.services import cold_groups_flag
from groups.models import (
    ActivityEvent,
    Community,
    CommunityState,
    Entitlement,
    JoinSource,
    LeaveReason,
    Member,
    Membership,
    MessageDailyCount,
)

PREFIX = "dash-"
WEEKS = 12
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["晓雨", "子涵", "一鸣", "欣怡", "浩宇", "思琪", "俊熙", "雨萱", "梓轩", "佳琪", "明哲", "诗雨"]
SOURCES = [
    (JoinSource.LIVE_CODE, 30),
    (JoinSource.LINK, 25),
    (JoinSource.REFERRAL, 20),
    (JoinSource.INVITE_CODE, 10),
    (JoinSource.CAMPAIGN, 15),
]
CHANNELS = {
    JoinSource.LIVE_CODE: ["门店海报", "朋友圈海报", "公众号菜单"],
    JoinSource.LINK: ["公众号推文", "小红书笔记", "视频号直播"],
    JoinSource.REFERRAL: ["老带新"],
    JoinSource.INVITE_CODE: ["会员短信"],
    JoinSource.CAMPAIGN: ["双十一预热", "春季上新"],
}


def _pick(rng: random.Random, weighted):
    return rng.choices([value for value, _w in weighted], weights=[w for _v, w in weighted])[0]


def seed(workspaces: dict) -> None:
    workspace = workspaces.get("demo")
    if (
        workspace is None
        or Member.objects.filter(workspace=workspace, external_id__startswith=PREFIX).exists()
    ):
        return
    # A group that went quiet: lively at first, hardly a message in the last weeks (flagged cold).
    Community.objects.get_or_create(
        workspace=workspace,
        platform="wechat",
        external_id="wx-room-10009",
        defaults={"name": "老客户答谢群", "kind": "benefit", "state": CommunityState.ACTIVE},
    )
    groups = list(
        Community.objects.filter(workspace=workspace).exclude(state=CommunityState.ARCHIVED).order_by("pk")
    )
    rng = random.Random("suo-dashboards-demo")
    zone = ZoneInfo(workspace.timezone)
    now = timezone.now()
    today = timezone.localtime(now, zone).date()
    first_monday = today - dt.timedelta(days=today.weekday(), weeks=WEEKS)
    quiet = [g for g in groups if g.external_id == "wx-room-10009"]
    lively = [g for g in groups if g not in quiet]
    members, stays = [], []
    for week in range(WEEKS + 1):
        # Double 11 (the 8th week) brings a spike; otherwise steady growth.
        joins = 40 + week * 4 + (90 if week == WEEKS - 4 else 0)
        for _n in range(joins):
            index = len(members)
            day = first_monday + dt.timedelta(weeks=week, days=rng.randint(0, 6))
            joined = dt.datetime.combine(day, dt.time(rng.randint(8, 22), rng.randint(0, 59)), zone)
            if joined >= now:
                continue
            members.append(
                Member(
                    workspace=workspace,
                    display_name=SURNAMES[index % len(SURNAMES)] + GIVEN[(index * 5) % len(GIVEN)],
                    platform="wechat",
                    external_id=f"{PREFIX}{index + 1:05d}",
                    first_seen_at=joined,
                )
            )
            source = _pick(rng, SOURCES)
            group = rng.choice(quiet if week < 6 and rng.random() < 0.25 else lively)
            campaign = (
                "double11" if week == WEEKS - 4 else ("spring" if source == JoinSource.CAMPAIGN else "")
            )
            stays.append((index, group, joined, source, rng.choice(CHANNELS[source]), campaign))
    Member.objects.bulk_create(members)
    members = list(
        Member.objects.filter(workspace=workspace, external_id__startswith=PREFIX).order_by("external_id")
    )
    memberships, counts, activities, entitlements = [], {}, [], []
    for index, group, joined, source, channel, campaign in stays:
        member = members[index]
        # Retention decays: most who leave do so in the first weeks; referrals stay longer.
        loyal = 0.85 if source == JoinSource.REFERRAL else 0.7
        left = None
        if rng.random() > loyal:
            left = joined + dt.timedelta(days=rng.expovariate(1 / 12), hours=rng.randint(1, 20))
            left = left if left < now else None
        reason = ""
        if left:
            reason = rng.choices(
                [LeaveReason.LEFT, LeaveReason.KICKED, LeaveReason.BANNED], weights=[85, 12, 3]
            )[0]
        memberships.append(
            Membership(
                workspace=workspace,
                community=group,
                member=member,
                joined_at=joined,
                source=source,
                channel=channel,
                campaign=campaign,
                is_active=left is None,
                left_at=left,
                leave_reason=reason,
            )
        )
        chatty = rng.random()
        day, end = joined.date(), (left or now).date()
        while day <= end:
            weeks_in = (day - joined.date()).days // 7
            if rng.random() < chatty * 0.5 * (0.85**weeks_in) and not (
                group in quiet and (today - day).days < 35
            ):
                counts[(group.pk, member.pk, day)] = rng.randint(1, 12)
            day += dt.timedelta(days=1)
        if rng.random() < 0.3:
            activities.append(
                ActivityEvent(
                    workspace=workspace,
                    member=member,
                    community=group,
                    campaign=campaign,
                    name=rng.choice(["每日签到", "幸运抽奖", "拼团", "晒单"]),
                    at=joined + dt.timedelta(days=rng.randint(0, 10), hours=rng.randint(0, 12)),
                )
            )
        if rng.random() < (0.2 if campaign == "double11" else 0.1):
            granted = joined + dt.timedelta(days=rng.randint(0, 14), hours=3)
            if granted < now:
                entitlements.append(
                    Entitlement(
                        workspace=workspace,
                        member=member,
                        product="vip-annual",
                        order_id=f"DASH{member.pk:07d}",
                        granted_at=granted,
                    )
                )
    Membership.objects.bulk_create(memberships, batch_size=500)
    MessageDailyCount.objects.bulk_create(
        [
            MessageDailyCount(workspace=workspace, community_id=g, member_id=m, day=day, count=n)
            for (g, m, day), n in counts.items()
            if day <= today
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    ActivityEvent.objects.bulk_create([a for a in activities if a.at < now], batch_size=500)
    Entitlement.objects.bulk_create(entitlements, batch_size=500)
    cold_groups_flag(workspace=workspace, now=now)
