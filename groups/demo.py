"""Demo groups: one of each kind per workspace, with members, roles, thresholds, invite codes and
a few weeks of join / leave / message / activity history. Idempotent: a group that exists is
left as it is."""

import random
from datetime import timedelta
from itertools import pairwise

from django.utils import timezone

from groups.models import (
    ActivityEvent,
    Community,
    CommunityDefaults,
    CommunityState,
    CommunityStateChange,
    Entitlement,
    GroupRole,
    InviteCode,
    JoinSource,
    LeaveReason,
    Member,
    Membership,
    MessageDailyCount,
    RoleAssignment,
    Tag,
    Threshold,
)
from groups.moderation import demo as moderation_demo
from suo.demo import role_holders

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = [
    "小雨",
    "晓峰",
    "佳怡",
    "子轩",
    "欣然",
    "浩然",
    "梓涵",
    "一诺",
    "雨桐",
    "思远",
    "静怡",
    "俊杰",
    "美玲",
    "嘉豪",
    "婉婷",
    "志强",
    "可欣",
    "宇航",
    "诗涵",
    "文博",
]
NICKNAMES = [
    "爱吃鱼的猫",
    "奶茶续命",
    "宝妈小丽",
    "跑步的阿杰",
    "早起打卡",
    "读书人老周",
    "薅羊毛达人",
    "阳光明媚",
]
TAGS = ["高活跃", "宝妈", "已转化", "沉默用户", "KOC", "老客户"]

DEFAULTS = {
    "welcome_template": "欢迎 {nickname} 加入「{group}」！🎉\n请先阅读群规：\n{rules}",
    "announcement_template": "【群公告】欢迎来到「{group}」，每天 20:00 准时开播，记得设置提醒～",
    "rules_text": "1. 禁止发广告和外链\n2. 禁止刷屏\n3. 友善交流，不人身攻击",
}

GROUPS = {
    "demo": [
        {
            "name": "星河好物分享 1 群",
            "kind": "lead_gen",
            "external_id": "wx-room-10001",
            "state": CommunityState.ACTIVE,
            "welcome": "欢迎 {nickname}（{inviter} 邀请）加入「{group}」！邀请 3 位好友入群可领新人礼包 🎁",
            "thresholds": [{"kind": "open"}],
            "members": 48,
        },
        {
            "name": "星河福利社 VIP 群",
            "kind": "benefit",
            "external_id": "wx-room-10002",
            "state": CommunityState.ACTIVE,
            "mode": "any",
            "thresholds": [{"kind": "invite_code"}, {"kind": "paid", "product": "vip-annual"}],
            "members": 36,
        },
        {
            "name": "双十一快闪抢购群",
            "kind": "flash",
            "external_id": "wx-room-10003",
            "state": CommunityState.RECRUITING,
            "member_limit": 200,
            "thresholds": [
                {"kind": "referral", "referral_scope": "workspace"},
                {"kind": "activity", "min_activity": 2, "campaign": "double11"},
            ],
            "members": 25,
        },
        {
            "name": "春季新品老客户群",
            "kind": "benefit",
            "external_id": "wecom-room-20001",
            "platform": "wecom",
            "state": CommunityState.COOLING,
            "thresholds": [{"kind": "open"}],
            "members": 18,
        },
    ],
    "chenguang": [
        {
            "name": "晨光共读 · 三月",
            "kind": "lead_gen",
            "external_id": "wx-book-301",
            "state": CommunityState.ACTIVE,
            "thresholds": [{"kind": "open"}],
            "members": 20,
        },
        {
            "name": "晨光读书会年卡群",
            "kind": "benefit",
            "external_id": "wx-book-302",
            "state": CommunityState.PLANNING,
            "thresholds": [{"kind": "paid"}],
            "members": 0,
        },
    ],
}

LIFECYCLE = [
    CommunityState.PLANNING,
    CommunityState.RECRUITING,
    CommunityState.ACTIVE,
    CommunityState.COOLING,
]


def _members(workspace, rng: random.Random, count: int, prefix: str) -> list[Member]:
    tags = {name: Tag.objects.get_or_create(workspace=workspace, name=name)[0] for name in TAGS}
    now = timezone.now()
    members = []
    for index in range(count):
        external_id = f"{prefix}-{index + 1:04d}"
        if rng.random() < 0.2:
            name = rng.choice(NICKNAMES) + str(index)
        else:
            name = SURNAMES[index % len(SURNAMES)] + GIVEN[(index * 7) % len(GIVEN)]
        member, created = Member.objects.get_or_create(
            workspace=workspace,
            platform="wechat",
            external_id=external_id,
            defaults={
                "display_name": name,
                "phone": f"13{rng.randint(100000000, 999999999)}",
                "wechat_id": f"wxid_{rng.randint(10**7, 10**8 - 1)}",
                "first_seen_at": now - timedelta(days=rng.randint(20, 40)),
            },
        )
        if created:
            member.tags.set(rng.sample(list(tags.values()), rng.randint(0, 2)))
        members.append(member)
    return members


def _community(workspace, spec: dict, members: list[Member], rng: random.Random, users) -> None:
    platform = spec.get("platform", "wechat")
    if Community.objects.filter(
        workspace=workspace, platform=platform, external_id=spec["external_id"]
    ).exists():
        return
    now = timezone.now()
    start = now - timedelta(days=28)
    community = Community.objects.create(
        workspace=workspace,
        name=spec["name"],
        kind=spec["kind"],
        platform=platform,
        external_id=spec["external_id"],
        member_limit=spec.get("member_limit", 500),
        state=spec["state"],
        state_changed_at=start,
        threshold_mode=spec.get("mode", "all"),
        welcome_template=spec.get("welcome", ""),
        notes="演示数据：可以随意修改。",
    )
    # The lifecycle up to its current state, recorded as if the operator moved it.
    path = LIFECYCLE[: LIFECYCLE.index(spec["state"]) + 1]
    for step, (before, after) in enumerate(pairwise(path)):
        CommunityStateChange.objects.create(
            workspace=workspace,
            community=community,
            from_state=before,
            to_state=after,
            by=users.get("operator"),
            at=start + timedelta(days=step * 3),
            note="",
        )
    Threshold.objects.bulk_create(
        [Threshold(workspace=workspace, community=community, **t) for t in spec["thresholds"]]
    )
    if any(t["kind"] == "invite_code" for t in spec["thresholds"]):
        InviteCode.objects.create(
            workspace=workspace,
            community=community,
            code=f"VIP{community.pk:03d}2026",
            max_uses=100,
            uses=12,
            note="朋友圈海报",
            created_by=users.get("operator"),
        )
    chosen = members[: spec["members"]]
    memberships = []
    for index, member in enumerate(chosen):
        joined = start + timedelta(
            days=rng.randint(0, 20), hours=rng.randint(8, 22), minutes=rng.randint(0, 59)
        )
        source = rng.choice(
            [
                JoinSource.LIVE_CODE,
                JoinSource.LIVE_CODE,
                JoinSource.LINK,
                JoinSource.REFERRAL,
                JoinSource.INVITE_CODE,
            ]
        )
        inviter = chosen[index - 1] if source == JoinSource.REFERRAL and index else None
        membership = Membership(
            workspace=workspace,
            community=community,
            member=member,
            joined_at=joined,
            source=source if inviter or source != JoinSource.REFERRAL else JoinSource.LINK,
            inviter=inviter,
        )
        if rng.random() < 0.18:
            membership.is_active = False
            membership.left_at = joined + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 12))
            membership.leave_reason = rng.choice(
                [LeaveReason.LEFT, LeaveReason.LEFT, LeaveReason.KICKED, LeaveReason.MIGRATED]
            )
        memberships.append(membership)
    Membership.objects.bulk_create(memberships)
    counts, activities = [], []
    for membership in memberships:
        end = membership.left_at or now
        day = membership.joined_at
        chatty = rng.random()
        while day < end:
            if rng.random() < chatty:
                counts.append(
                    MessageDailyCount(
                        workspace=workspace,
                        community=community,
                        member=membership.member,
                        day=timezone.localtime(day).date(),
                        count=rng.randint(1, int(3 + chatty * 30)),
                    )
                )
            day += timedelta(days=1)
        for _ in range(rng.randint(0, 3)):
            activities.append(
                ActivityEvent(
                    workspace=workspace,
                    member=membership.member,
                    community=community,
                    campaign=rng.choice(["double11", "spring", ""]),
                    name=rng.choice(["每日签到", "幸运抽奖", "拼团", "晒单"]),
                    at=membership.joined_at + timedelta(hours=rng.randint(1, 72)),
                )
            )
    seen = set()
    MessageDailyCount.objects.bulk_create(
        [c for c in counts if (c.member_id, c.day) not in seen and not seen.add((c.member_id, c.day))]
    )
    ActivityEvent.objects.bulk_create(activities)
    active = [m for m in memberships if m.is_active]
    if active:
        held = {"workspace": workspace, "community": community, "started_at": start}
        roles = [
            RoleAssignment(role=GroupRole.LEAD, member=active[0].member, user=users.get("owner"), **held)
        ]
        if users.get("operator"):
            roles.append(RoleAssignment(role=GroupRole.OPERATOR, user=users["operator"], **held))
        for member, role, position in zip(
            [m.member for m in active[1:6]],
            [GroupRole.KOL, GroupRole.ATMOSPHERE, GroupRole.ATMOSPHERE, GroupRole.ATMOSPHERE, GroupRole.KOL],
            ["A", "B", "B", "C", "C"],
            strict=False,
        ):
            roles.append(RoleAssignment(role=role, member=member, script_position=position, **held))
        RoleAssignment.objects.bulk_create(roles)
    if any(t["kind"] == "paid" for t in spec["thresholds"]):
        for member in chosen[:8]:
            Entitlement.objects.get_or_create(
                workspace=workspace,
                order_id=f"TB{member.pk:06d}",
                defaults={"member": member, "product": "vip-annual", "granted_at": start},
            )


def seed(workspaces: dict) -> None:
    for slug, specs in GROUPS.items():
        workspace = workspaces.get(slug)
        if workspace is None:
            continue
        rng = random.Random(f"suo-demo-{slug}")
        CommunityDefaults.objects.get_or_create(workspace=workspace, defaults=DEFAULTS)
        users = role_holders(workspace, ("owner", "operator"))
        members = _members(workspace, rng, 60 if slug == "demo" else 24, f"{slug}-wx")
        for spec in specs:
            shuffled = members[:]
            rng.shuffle(shuffled)
            _community(workspace, spec, shuffled, rng, users)
    # The code of conduct, ladders and a history of violations (after the groups they happen in).
    moderation_demo.seed(workspaces)
