"""Demo campaigns: a flash sale starting a few minutes after seed_demo, a benefit calendar (a drawn
lottery, a running check-in, an upcoming group-buy) and a fission drive with a leaderboard.

Idempotent: the fission drive and the plays are made once; the flash sale is left alone while it
is still to start, and planned again otherwise (a fresh one when the last one already ran), so
`make run` always has one to watch.
"""

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from groups.campaigns import lottery, services
from groups.campaigns.models import (
    PHASES,
    Campaign,
    CampaignPhase,
    PhaseTransition,
    Play,
    PlayEntry,
    TransitionState,
)
from groups.models import Community, Member, Membership

FLASH_SLUG = "xh-flash"
FISSION_SLUG = "xh-fission"


def _group(workspace, external_id: str) -> Community | None:
    return Community.objects.filter(workspace=workspace, external_id=external_id).first()


def _flash(workspace) -> None:
    group = _group(workspace, "wx-room-10003")
    if group is None:
        return
    now = timezone.now().replace(microsecond=0)
    offsets = [timedelta(minutes=m) for m in (2, 10, 40, 60)]
    phases = [
        {"phase": phase, "starts_at": now + offset} for phase, offset in zip(PHASES, offsets, strict=True)
    ]
    campaign = Campaign.objects.filter(slug=FLASH_SLUG).first()
    if campaign is not None and campaign.phase == CampaignPhase.DRAFT:
        preheat = campaign.transitions.get(phase=CampaignPhase.PREHEAT).due_at
        if preheat <= now:  # planned by an earlier run, and no worker started it: plan it again
            services.campaign_update(campaign=campaign, phases=phases)
        return
    if campaign is not None:
        campaign.delete()  # the last demo sale already ran: plan a new one
    campaign = services.campaign_create(
        workspace=workspace,
        group=group,
        name="双十一快闪抢购",
        slug=FLASH_SLUG,
        phases=phases,
        description="两分钟后预热，十分钟后开抢：限量礼盒 100 份，每人限 1 份。",
        thank_you_message="感谢大家参与双十一快闪！群里发个红包，下次活动见～",
        thank_you_red_packet="66.00",
    )
    services.offer_create(campaign=campaign, name="双十一限量礼盒", stock=100, price="199.00")
    services.offer_create(
        campaign=campaign, name="爆款面膜 5 片装", stock=300, price="49.90", per_member_limit=2
    )
    texts = {
        CampaignPhase.PREHEAT: "🔥 双十一快闪预热开始！8 分钟后开抢，先把倒计时页面收藏好～",
        CampaignPhase.IGNITE: "⏰ 开抢啦！打开你的专属链接，限量礼盒先到先得！",
        CampaignPhase.WRAP_UP: "活动进入收尾，没抢到的小伙伴别灰心，客服会逐一回访～",
        CampaignPhase.CLOSED: "本次快闪圆满结束，群将进入冷却期，感谢陪伴！",
    }
    for phase, text in texts.items():
        services.message_create(campaign=campaign, phase=phase, text=text)


def _past_play(group, **fields) -> Play | None:
    """A play that already ran (planned before demo time, so made directly, then closed by the service)."""
    if Play.objects.filter(group=group, title=fields["title"]).exists():
        return None
    seed = lottery.new_seed() if fields["kind"] == "lottery" else ""
    commitment = lottery.commitment_of(seed) if seed else ""
    return Play.objects.create(
        workspace=group.workspace, group=group, seed=seed, commitment=commitment, **fields
    )


def _benefit_calendar(workspace, rng: random.Random) -> None:
    group = _group(workspace, "wx-room-10002")
    if group is None:
        return
    members = list(
        Member.objects.filter(memberships__community=group, memberships__is_active=True).order_by("pk")[:30]
    )
    now = timezone.now()
    drawn = _past_play(
        group,
        kind="lottery",
        title="上周五福利抽奖",
        opens_at=now - timedelta(days=8),
        closes_at=now - timedelta(days=6),
        winners_count=3,
        prize="品牌保温杯",
    )
    if drawn is not None:
        PlayEntry.objects.bulk_create(
            [
                PlayEntry(
                    workspace=workspace, play=drawn, member=m, created_at=drawn.opens_at + timedelta(hours=1)
                )
                for m in members[:24]
            ]
        )
        services.play_close(play_id=drawn.pk)
    checkin = _past_play(
        group,
        kind="checkin",
        title="七天打卡领积分",
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=4),
        streak_days=7,
        prize="100 积分",
    )
    if checkin is not None:
        tz = ZoneInfo(workspace.timezone)
        entries = []
        for member in members[:18]:
            streak = 0
            for back in (3, 2, 1):
                if rng.random() < 0.75:
                    streak += 1
                    moment = now - timedelta(days=back)
                    entries.append(
                        PlayEntry(
                            workspace=workspace,
                            play=checkin,
                            member=member,
                            day=moment.astimezone(tz).date(),
                            streak=streak,
                            created_at=moment,
                        )
                    )
                else:
                    streak = 0
        PlayEntry.objects.bulk_create(entries)
    upcoming = [
        {
            "kind": "group_buy",
            "title": "周末拼团：有机水果礼盒",
            "days": (1, 3),
            "min_participants": 10,
            "deal_price": "89.00",
        },
        {
            "kind": "lottery",
            "title": "下周五福利抽奖",
            "days": (6, 7),
            "winners_count": 5,
            "prize": "品牌帆布袋",
        },
    ]
    for spec in upcoming:
        opens, closes = (now + timedelta(days=day) for day in spec.pop("days"))
        if not Play.objects.filter(group=group, title=spec["title"]).exists():
            services.play_create(workspace=workspace, group=group, opens_at=opens, closes_at=closes, **spec)


def _fission(workspace, rng: random.Random) -> None:
    group = _group(workspace, "wx-room-10001")
    if group is None or Campaign.objects.filter(slug=FISSION_SLUG).exists():
        return
    now = timezone.now()
    campaign = Campaign.objects.create(
        workspace=workspace,
        group=group,
        name="好友助力领育儿手册",
        slug=FISSION_SLUG,
        phase=CampaignPhase.IGNITE,
        phase_changed_at=now - timedelta(days=9),
        description="邀请 1 位好友入群并留满 3 天，即得《0–3 岁育儿手册》电子版。",
        referral_reward="《0–3 岁育儿手册》电子版",
    )
    starts = [
        now - timedelta(days=10),
        now - timedelta(days=9),
        now + timedelta(days=10),
        now + timedelta(days=14),
    ]
    PhaseTransition.objects.bulk_create(
        PhaseTransition(
            workspace=workspace,
            campaign=campaign,
            phase=phase,
            position=index,
            due_at=at,
            state=TransitionState.DONE if at < now else TransitionState.DUE,
            done_at=at if at < now else None,
        )
        for index, (phase, at) in enumerate(zip(PHASES, starts, strict=True), start=1)
    )
    services.lure_create(
        campaign=campaign,
        name="《0–3 岁育儿手册》",
        channels=[
            {"channel": "douyin", "url": "https://example.com/handbook?from=douyin"},
            {"channel": "xiaohongshu", "url": "https://example.com/handbook?from=xhs"},
        ],
    )
    inviters = list(Membership.objects.filter(community=group, is_active=True).order_by("pk")[:4])
    for index, count in enumerate([6, 4, 3, 1]):
        if index >= len(inviters):
            break
        for number in range(count):
            joined = now - timedelta(days=rng.randint(2, 8), hours=rng.randint(0, 12))
            member = Member.objects.create(
                workspace=workspace,
                display_name=f"助力好友{index + 1}-{number + 1}",
                external_id=f"demo-fission-{index}-{number}",
                first_seen_at=joined,
            )
            stay = Membership(
                workspace=workspace,
                community=group,
                member=member,
                joined_at=joined,
                source="referral",
                inviter=inviters[index].member,
                channel=rng.choice(["douyin", "xiaohongshu"]),
                campaign=FISSION_SLUG,
            )
            if rng.random() < 0.15:  # some leave early and do not count
                stay.is_active, stay.left_at, stay.leave_reason = False, joined + timedelta(hours=20), "left"
            stay.save()
    services.referrals_discover(campaign=campaign)
    for referral_id in campaign.referrals.filter(state="pending").values_list("pk", flat=True):
        services.referral_check(referral_id=referral_id)


def seed(workspaces: dict) -> None:
    workspace = workspaces.get("demo")
    if workspace is None:
        return
    rng = random.Random("suo-demo-campaigns")
    _flash(workspace)
    _benefit_calendar(workspace, rng)
    _fission(workspace, rng)
