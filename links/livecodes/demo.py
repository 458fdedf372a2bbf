"""Demo live group code: three groups (one nearly full, one expired, one fresh) with scans."""

import datetime as dt
import io
import random
import uuid
from zoneinfo import ZoneInfo

import qrcode
from django.utils import timezone

from groups.models import Community
from links.capture import Visit, store_visits, visitor_hash
from links.livecodes.alerts import live_code_alerts_check
from links.livecodes.models import LiveCode, LiveCodeEntry, RotationStrategy
from links.livecodes.services import entry_add, live_code_create
from links.qr_upload import read_qr_upload

DEMO_CODE = "xh-join"
# (label, group QR content, scans so far, days until expiry; negative = expired)
DEMO_ENTRIES = [
    ("星河福利 1 群", "https://weixin.qq.com/g/AQYAAHx7pQdemo1Kc", 186, 5),
    ("星河福利 2 群", "https://weixin.qq.com/g/AQYAAHx7pQdemo2Lm", 23, 6),
    ("星河福利 3 群（旧码）", "https://weixin.qq.com/g/AQYAAHx7pQdemo3Np", 200, -1),
]
CUSTOMER_SERVICE = "https://work.weixin.qq.com/u/vcDEMOxinghe-kefu"
USER_AGENTS = {
    "wechat": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323b) NetType/WIFI Language/zh_CN",
    "mobile": "Mozilla/5.0 (Linux; Android 14; 23127PN0CC) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36",
}


def qr_png(content: str) -> bytes:
    image = qrcode.make(content, box_size=8, border=3).get_image()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _scans(
    live_code: LiveCode, entry: LiveCodeEntry, count: int, days: int, rng: random.Random
) -> list[Visit]:
    zone = ZoneInfo(live_code.workspace.timezone)
    now = timezone.now()
    visits = []
    for n in range(count):
        at = now - dt.timedelta(days=rng.randint(0, days), seconds=rng.randint(0, 80_000))
        at = min(at, now)
        platform = "wechat" if rng.random() < 0.85 else "mobile"
        day = at.astimezone(zone).date().isoformat()
        visits.append(
            Visit(
                event_id=uuid.uuid4().hex,
                link_id=None,
                workspace_id=live_code.workspace_id,
                at=at.timestamp(),
                day=day,
                platform=platform,
                user_agent=USER_AGENTS[platform],
                referrer_host="",
                country="CN",
                visitor=visitor_hash(
                    ip=f"10.1.{n % 250}.{rng.randint(1, 250)}", user_agent=platform, day=day
                ),
                live_code_id=live_code.pk,
                entry_id=entry.pk,
            )
        )
    return visits


def seed(workspaces: dict) -> None:
    workspace = workspaces["demo"]
    if LiveCode.objects.filter(code=DEMO_CODE).exists():
        return
    live_code = live_code_create(
        workspace=workspace,
        name="星河福利群 · 扫码入群",
        alias=DEMO_CODE,
        strategy=RotationStrategy.FILL_FIRST,
        fallback_message="群已满员，请长按下方二维码添加客服微信，客服会拉你进新群。",
        fallback_image=read_qr_upload(qr_png(CUSTOMER_SERVICE)),
    )
    groups = list(Community.objects.filter(workspace=workspace).order_by("pk")[:3])
    rng = random.Random(20261125)
    now = timezone.now()
    for index, (label, content, scans, days) in enumerate(DEMO_ENTRIES):
        entry = entry_add(
            live_code=live_code,
            upload=read_qr_upload(qr_png(content)),
            group=groups[index] if index < len(groups) else None,
            label=label,
        )
        store_visits(_scans(live_code, entry, scans, 6, rng), known_new=True)
        # Counters and expiry as they would be after a week of use (an expiry in the past cannot be
        # set through the service, on purpose).
        LiveCodeEntry.objects.filter(pk=entry.pk).update(
            scans=scans,
            expires_at=now + dt.timedelta(days=days),
            created_at=now - dt.timedelta(days=7 - max(days, 0)),
            last_scanned_at=now - dt.timedelta(hours=1) if scans else None,
        )
    live_code_alerts_check(live_code_id=live_code.pk)
