"""Demo links of each anti-block mode, with a fortnight of clicks so the admin and stats show something."""

import datetime as dt
import random
import uuid
from zoneinfo import ZoneInfo

from django.utils import timezone

from links.capture import Visit, store_visits, visitor_hash
from links.models import AntiBlockMode, Link
from links.platforms import VisitorPlatform
from links.services import link_create, link_settings_update

DEMO_LINKS = [
    {
        "alias": "xh-welcome",
        "url": "https://example.com/welcome",
        "title": "新人福利领取页",
        "antiblock": AntiBlockMode.GUIDE,
        "tags": ["引流", "新人"],
        "source": "wechat-moments",
    },
    {
        "alias": "xh-shop",
        "url": "https://example.com/shop?utm_source=suo",
        "title": "618 团购商品页",
        "antiblock": AntiBlockMode.DIRECT,
        "tags": ["转化"],
        "source": "group-post",
    },
    {
        "alias": "xh-copy",
        "url": "https://example.com/coupon",
        "title": "优惠券（复制打开）",
        "antiblock": AntiBlockMode.COPY,
        "tags": ["福利"],
        "source": "qq-group",
    },
    {
        "alias": "xh-vip",
        "url": "https://example.com/vip",
        "title": "会员专享（密码：8888）",
        "password": "8888",
        "tags": ["会员"],
    },
    {
        "alias": "xh-wechat-only",
        "url": "https://example.com/live",
        "title": "直播间（仅微信可开）",
        "allowed_platforms": [VisitorPlatform.WECHAT, VisitorPlatform.WECOM],
        "tags": ["直播"],
    },
    {
        "alias": "xh-flash",
        "url": "https://example.com/flash",
        "title": "快闪限量 100 份",
        "max_clicks": 100,
        "tags": ["快闪"],
    },
]

USER_AGENTS = {
    VisitorPlatform.WECHAT: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323b) NetType/WIFI Language/zh_CN",
    VisitorPlatform.QQ: "Mozilla/5.0 (Linux; Android 12; PEHM00 Build/SKQ1.210216.001; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/98.0.4758.102 MQQBrowser/6.2 "
    "TBS/046613 Mobile Safari/537.36 V1_AND_SQ_8.9.80_4614_YYB_D QQ/8.9.80.12440 NetType/WIFI "
    "WebP/0.3.0 AppId/537176863",
    VisitorPlatform.MOBILE: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    VisitorPlatform.DESKTOP: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
}
PLATFORM_WEIGHTS = [
    (VisitorPlatform.WECHAT, 6),
    (VisitorPlatform.QQ, 2),
    (VisitorPlatform.MOBILE, 2),
    (VisitorPlatform.DESKTOP, 1),
]
REFERRERS = ["", "", "mp.weixin.qq.com", "qun.qq.com", "www.xiaohongshu.com"]


def demo_visit(
    *,
    link_id: int,
    workspace_id: int,
    at: dt.datetime,
    zone: ZoneInfo,
    platform: str,
    user_agent: str,
    referrer_host: str = "",
    ip: str = "",
) -> Visit:
    """A made-up visit of a link from China, counted on its day in the workspace's time zone; the
    visitor is the one an IP address gives, or a new one each time."""
    day = at.astimezone(zone).date().isoformat()
    return Visit(
        event_id=uuid.uuid4().hex,
        link_id=link_id,
        workspace_id=workspace_id,
        at=at.timestamp(),
        day=day,
        platform=platform,
        user_agent=user_agent,
        referrer_host=referrer_host,
        country="CN",
        visitor=visitor_hash(ip=ip, user_agent=user_agent, day=day) if ip else uuid.uuid4().hex,
    )


def _demo_clicks(link: Link, rng: random.Random, days: int = 14) -> list[Visit]:
    zone = ZoneInfo(link.workspace.timezone)
    now = timezone.now()
    platforms = [p for p, w in PLATFORM_WEIGHTS for _ in range(w)]
    visits = []
    for day_offset in range(days, -1, -1):
        for _ in range(rng.randint(3, 25)):
            at = now - dt.timedelta(days=day_offset, seconds=rng.randint(0, 86_000))
            at = min(at, now)
            platform = rng.choice(platforms)
            ip = f"10.0.{rng.randint(0, 3)}.{rng.randint(1, 12)}"
            visits.append(
                demo_visit(
                    link_id=link.pk,
                    workspace_id=link.workspace_id,
                    at=at,
                    zone=zone,
                    platform=platform,
                    user_agent=USER_AGENTS[platform],
                    referrer_host=rng.choice(REFERRERS),
                    ip=ip,
                )
            )
    return visits


def seed(workspaces: dict) -> None:
    workspace = workspaces["demo"]
    link_settings_update(
        workspace=workspace,
        antiblock_defaults={VisitorPlatform.WECHAT: AntiBlockMode.GUIDE},
        blocked_domains=["spam.example"],
    )
    rng = random.Random(20261125)
    for spec in DEMO_LINKS:
        link = Link.objects.filter(code=spec["alias"]).first()
        if link is None:
            link = link_create(workspace=workspace, **spec)
        if link.workspace_id == workspace.pk and not link.clicks.exists() and link.max_clicks is None:
            store_visits(_demo_clicks(link, rng), known_new=True)
