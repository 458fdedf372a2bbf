"""Demo moderation: a code of conduct, the default ladder, a strict ladder for the flash group and a
few weeks of violations (with a live mute, a kick, a ban, a revoke and appeals), all logged
through the services so the audit trail and penalties are what a real desk would leave.
Idempotent: rules are keyed by title, and the history is made once per workspace."""

from datetime import timedelta

from django.utils import timezone

from groups.models import Appeal, Community, Ladder, Membership, Rule, Violation
from groups.moderation import conduct, ladders, mutes, services
from suo.demo import role_holders

RULES = {
    "demo": [
        ("禁止发广告", "不发微商广告、外链、二维码和其他群的邀请。", "ads", 0, ""),
        ("禁止刷屏", "一分钟内不连续发 5 条以上消息，不刷表情包。", "spam", 0, ""),
        ("禁止人身攻击", "对事不对人，不辱骂、不嘲讽、不地域黑。", "abuse", 1, ""),
        ("不聊无关话题", "福利群只聊活动和好物，闲聊请移步朋友圈。", "off_topic", 0, "benefit"),
        ("严禁诈骗", "冒充客服、虚假交易、诱导转账，一经发现直接处理到最后一步。", "fraud", 99, ""),
        ("其他违规", "违反平台规定或群公告的其他行为。", "other", 0, ""),
    ],
    "chenguang": [
        ("禁止发广告", "共读群不发任何广告和外链。", "ads", 0, ""),
        ("友善交流", "尊重不同观点，不人身攻击。", "abuse", 1, ""),
        ("不剧透", "共读进度之外的情节请勿剧透。", "off_topic", 0, ""),
    ],
}

STRICT_LADDER = {
    "name": "快闪群严格阶梯",
    "window_days": 7,
    "scope": "workspace",
    "steps": [("mute", 10), ("mute", 24 * 60), ("kick", None), ("ban", None)],
}

# (group external id, member index among its active members, rule title, hours ago)
HISTORY = [
    ("wx-room-10001", 0, "禁止刷屏", 24 * 20),
    ("wx-room-10001", 0, "禁止发广告", 24 * 9),
    ("wx-room-10001", 0, "禁止发广告", 24 * 2),
    ("wx-room-10001", 1, "禁止发广告", 24 * 15),
    ("wx-room-10001", 1, "禁止刷屏", 6),
    ("wx-room-10001", 2, "禁止人身攻击", 24 * 4),
    ("wx-room-10001", 3, "禁止刷屏", 24 * 8),
    ("wx-room-10001", 4, "其他违规", 30),
    ("wx-room-10002", 0, "不聊无关话题", 24 * 12),
    ("wx-room-10002", 0, "不聊无关话题", 24 * 3),
    ("wx-room-10002", 1, "禁止发广告", 24 * 6),
    ("wx-room-10002", 2, "不聊无关话题", 20),
    ("wx-room-10003", 0, "禁止刷屏", 24 * 5),
    ("wx-room-10003", 0, "禁止刷屏", 24 * 2),
    ("wx-room-10003", 1, "严禁诈骗", 24 * 1),
    ("wx-room-10003", 2, "禁止发广告", 3),
]
NOTES = ["连发 8 条拼团链接", "发了别的群二维码", "和其他成员争吵", "", "凌晨刷表情包", "私信拉人去别的群"]


def _rules(workspace, specs, users) -> dict[str, Rule]:
    rules = {}
    for position, (title, description, category, severity, kind) in enumerate(specs, start=1):
        rule = Rule.objects.filter(workspace=workspace, title=title).first()
        if rule is None:
            rule = conduct.rule_save(
                rule=Rule(workspace=workspace),
                by=users.get("operator"),
                title=title,
                description=description,
                category=category,
                severity=severity,
                community_kind=kind,
                position=position * 10,
            )
        rules[title] = rule
    return rules


def _strict_ladder(workspace, users) -> Ladder:
    ladder = Ladder.objects.filter(workspace=workspace, name=STRICT_LADDER["name"]).first()
    if ladder is None:
        ladder = conduct.ladder_save(
            ladder=Ladder(workspace=workspace),
            by=users.get("operator"),
            name=STRICT_LADDER["name"],
            window_days=STRICT_LADDER["window_days"],
            scope=STRICT_LADDER["scope"],
            steps=[{"action": action, "mute_minutes": minutes} for action, minutes in STRICT_LADDER["steps"]],
        )
    return ladder


def _history(workspace, rules, users) -> None:
    if Violation.objects.filter(workspace=workspace).exists():
        return
    now = timezone.now()
    moderator, operator = users.get("moderator"), users.get("operator")
    events = []
    for external_id, index, title, hours_ago in HISTORY:
        community = Community.objects.filter(workspace=workspace, external_id=external_id).first()
        if community is None or title not in rules:
            continue
        stays = list(
            Membership.objects.filter(community=community, is_active=True).order_by("joined_at", "pk")
        )
        if index >= len(stays):
            continue
        at = max(now - timedelta(hours=hours_ago), stays[index].joined_at + timedelta(hours=1))
        events.append((min(at, now), community, stays[index].member, rules[title]))
    logged = []
    for number, (at, community, member, rule) in enumerate(sorted(events, key=lambda e: e[0])):
        if not rule.applies_to(community):
            continue
        logged.append(
            services.violation_log(
                community=community,
                member=member,
                rule=rule,
                by=moderator,
                note=NOTES[number % len(NOTES)],
                at=at,
            ).violation
        )
    mutes.mutes_sweep()  # mutes of the past are over
    by_action = {}
    for violation in logged:
        by_action.setdefault(violation.action, []).append(violation)
    warns = by_action.get("warn", [])
    if len(warns) >= 3:
        services.violation_revoke(violation=warns[0], by=operator, reason="误判：是活动口令，不算刷屏")
        rejected = services.appeal_file(violation=warns[1], statement="我只是回答了别人的问题", by=moderator)
        services.appeal_decide(
            appeal=rejected, accept=False, reason="聊天记录显示多次跑题，维持处罚", by=operator
        )
        services.appeal_file(violation=warns[2], statement="我没有发广告，是朋友用我手机发的", by=moderator)
    for action in ("ban", "kick"):
        if by_action.get(action) and not Appeal.objects.filter(violation=by_action[action][0]).exists():
            services.appeal_file(
                violation=by_action[action][0], statement="请再给一次机会，保证不再犯", by=moderator
            )
            break


def seed(workspaces: dict) -> None:
    for slug, specs in RULES.items():
        workspace = workspaces.get(slug)
        if workspace is None:
            continue
        users = role_holders(workspace, ("owner", "operator", "moderator"))
        users["moderator"] = users["moderator"] or users["owner"]
        users["operator"] = users["operator"] or users["owner"]
        ladders.ladder_default(workspace)
        rules = _rules(workspace, specs, users)
        if slug == "demo":
            ladder = _strict_ladder(workspace, users)
            Community.objects.filter(workspace=workspace, kind="flash", ladder__isnull=True).update(
                ladder=ladder
            )
            _history(workspace, rules, users)
