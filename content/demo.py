"""Demo content: a library, three weeks of sent posts with clicks, replies and shares, a hit template
(and its clone), FAQ answers, an ABC script and an SOP applied to a group. Idempotent: it does
nothing once the demo library exists."""

import datetime as dt
import io
import random
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from content import services
from content.models import ContentItem, Post, PostDelivery, PostEngagement, PostLink, TaskStatus
from groups.models import Community, CommunityState, Membership
from links.capture import store_visits
from links.demo import demo_visit
from suo.models import Workspace

ITEMS = [
    (
        "双11预售开启，前 100 名半价",
        "**今晚 20:00** 准时开抢 👉 https://example.com/d11 手慢无！",
        "promotion",
        "original",
    ),
    (
        "新人专享 9.9 元体验装",
        "新朋友专属福利，点这里领取：https://example.com/newbie",
        "promotion",
        "original",
    ),
    (
        "周末团购：有机蔬菜礼盒",
        "本周团购已开团，满 30 人成团：https://example.com/veg",
        "conversion",
        "original",
    ),
    ("会员续费立减 50", "老会员专属，续费链接 https://example.com/vip 三天有效", "conversion", "repost"),
    (
        "品牌故事：我们为什么做社群",
        "从 2019 年的一个宝妈群开始……完整故事 https://example.com/story",
        "brand",
        "original",
    ),
    ("群友晒单合集", "感谢大家的分享！更多晒单 https://example.com/ugc", "brand", "ugc"),
    ("直播预告：育儿专家答疑", "周四晚 8 点，直播间见 https://example.com/live", "promotion", "repost"),
]
# Engagement per post as a share of the reach: the first item is the demo's hit template.
ENGAGEMENT = [0.30, 0.08, 0.12, 0.05, 0.10, 0.02, 0.06]
TITLES = [
    ("宝妈必看：5 个带娃省钱小技巧", "headline"),
    ("限时 24 小时，错过再等一年", "headline"),
    ("平价护肤推荐", "keyword"),
    ("有机蔬菜团购", "keyword"),
]
FAQS = [
    (
        "如何申请退款？",
        "在订单页点击“申请售后”，选择退款原因并提交，1-3 个工作日原路退回。",
        ["退款", "售后"],
    ),
    (
        "会员到期后怎么续费？",
        "打开小程序“我的-会员中心”，点击续费即可，续费后权益立即生效。",
        ["会员", "续费"],
    ),
    ("快递一般几天能到？", "下单后 48 小时内发货，江浙沪一般 2 天到，其他地区 3-5 天。", ["物流", "发货"]),
    ("群里的优惠券在哪里领？", "点击群公告里的领券链接，或者私聊群主领取新人优惠券。", ["优惠券"]),
]
SCRIPT = [
    ("A", "今天的秒杀大家抢到了吗？"),
    ("B", "抢到了！价格真的很香，已经下单两件"),
    ("C", "我也去看看，还有库存吗？"),
    ("A", "还有最后 20 份，链接在群公告～"),
]
SOP_STEPS = [
    (0, dt.time(9, 0), "lead", "发布群公告和群规"),
    (0, dt.time(20, 0), "atmosphere", "按 ABC 剧本暖场"),
    (1, dt.time(12, 0), "operator", "发新人福利内容"),
    (2, dt.time(20, 0), "kol", "分享使用心得"),
    (3, dt.time(19, 30), "operator", "发起签到活动"),
    (6, dt.time(21, 0), "lead", "一周复盘，整理 FAQ"),
]


def _demo_picture() -> SimpleUploadedFile:
    image = Image.new("RGB", (800, 450), (250, 236, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 760, 410), outline=(214, 92, 60), width=8)
    draw.ellipse((320, 140, 480, 300), fill=(214, 92, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile("demo-banner.png", out.getvalue(), content_type="image/png")


def _clicks(post: Post, rng: random.Random, count: int) -> None:
    zone = ZoneInfo(post.workspace.timezone)
    sent_at = post.sent_at
    assert sent_at is not None  # the demo clicks the links of posts it sent
    visits = []
    for post_link in PostLink.objects.filter(post=post):
        for _ in range(count):
            at = sent_at + dt.timedelta(minutes=rng.randint(1, 600))
            visits.append(
                demo_visit(
                    link_id=post_link.link_id,
                    workspace_id=post.workspace_id,
                    at=at,
                    zone=zone,
                    platform="wechat",
                    user_agent="Mozilla/5.0 (iPhone) MicroMessenger/8.0.50",
                )
            )
    store_visits(visits, known_new=True)


def _engagement(post: Post, rng: random.Random, share: float) -> None:
    rows = []
    for delivery in PostDelivery.objects.filter(post=post).select_related("community"):
        members = list(
            Membership.objects.filter(community=delivery.community, is_active=True).values_list(
                "member", flat=True
            )
        )
        wanted = round((delivery.reach or 0) * share)
        for index in range(wanted):
            rows.append(
                PostEngagement(
                    workspace=post.workspace,
                    post=post,
                    community=delivery.community,
                    member_id=rng.choice(members),
                    kind=("reply", "reaction", "share")[index % 3],
                    at=post.sent_at + dt.timedelta(minutes=rng.randint(1, 300)),
                )
            )
    PostEngagement.objects.bulk_create(rows)


def _posts(workspace: Workspace, items: list[ContentItem], groups: list[Community], by) -> None:
    """Three weeks of posts, one a day, sent and moved back to their day."""
    rng = random.Random("suo-demo-content")
    now = timezone.now()
    for days_ago in range(21, 0, -1):
        index = days_ago % len(items)
        item = items[index]
        chosen = groups[: 1 + days_ago % len(groups)]
        post = services.post_create(workspace=workspace, item=item, groups=chosen, by=by)
        services.post_send(post_id=post.pk)
        sent = (now - dt.timedelta(days=days_ago)).replace(hour=12, minute=0, second=0, microsecond=0)
        Post.objects.filter(pk=post.pk).update(scheduled_at=sent, sent_at=sent)
        post.refresh_from_db()
        reach = sum(PostDelivery.objects.filter(post=post).values_list("reach", flat=True))
        _clicks(post, rng, max(1, round(reach * ENGAGEMENT[index] * 1.5)))
        _engagement(post, rng, ENGAGEMENT[index])
    # One post is still to come, so the calendar has something.
    services.post_create(
        workspace=workspace, item=items[1], groups=groups[:1], scheduled_at=now + dt.timedelta(days=1), by=by
    )


def seed(workspaces: dict) -> None:
    workspace = workspaces.get("demo")
    if workspace is None or ContentItem.objects.filter(workspace=workspace, title=ITEMS[0][0]).exists():
        return
    groups = list(
        Community.objects.filter(workspace=workspace)
        .exclude(state=CommunityState.ARCHIVED)
        .order_by("pk")[:3]
    )
    if not groups:
        return
    by = get_user_model().objects.filter(username="demo_operator").first()
    picture = services.image_upload(
        workspace=workspace, upload=_demo_picture(), title="活动横幅", tags=["横幅"], by=by
    )
    items = [
        services.content_item_create(
            workspace=workspace,
            title=title,
            body=body,
            category=category,
            method=method,
            status="approved",
            tags=[category],
            images=[picture] if index == 0 else [],
            by=by,
        )
        for index, (title, body, category, method) in enumerate(ITEMS)
    ]
    _posts(workspace, items, groups, by)
    services.content_item_clone(item=items[0], by=by)  # the hit template, cloned as a draft
    for text, kind in TITLES:
        services.title_save(workspace=workspace, text=text, kind=kind, tags=["demo"])
    for question, answer, keywords in FAQS:
        services.faq_save(workspace=workspace, question=question, answer=answer, keywords=keywords, by=by)
    script = services.abc_script_save(
        workspace=workspace, title="秒杀暖场", lines=[{"position": p, "text": t} for p, t in SCRIPT]
    )
    sop = services.sop_save(
        workspace=workspace,
        name="新群 7 天 SOP",
        description="新建引流群的第一周：公告、暖场、福利、签到、复盘。",
        steps=[
            {
                "day_offset": d,
                "time": t,
                "role": r,
                "action": a,
                "script": script if r == "atmosphere" else None,
                "item": items[1] if a == "发新人福利内容" else None,
            }
            for d, t, r, a in SOP_STEPS
        ],
        by=by,
    )
    start = (timezone.now() - dt.timedelta(days=3)).astimezone(ZoneInfo(workspace.timezone)).date()
    application = services.sop_apply(sop=sop, community=groups[0], start_date=start, by=by)
    for task in application.created_tasks[:3]:
        services.task_close(task=task, status=TaskStatus.DONE, by=by)
