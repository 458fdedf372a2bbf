"""Helpers for live-code tests: group QR pictures and live codes built through the services."""

import datetime as dt
import functools

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from links.livecodes.models import LiveCodeEntry
from links.livecodes.services import entry_add, live_code_create
from links.qr_upload import read_qr_upload
from tests.links import qr_pictures as pictures

WECHAT_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.50(0x1800323b) NetType/WIFI Language/zh_CN"
)
PHONE_BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


@functools.cache
def group_qr_png(content: str) -> bytes:
    return pictures.encode(pictures.qr_image(content, box_size=6))


def group_url(n: int) -> str:
    return f"https://weixin.qq.com/g/AQYAAGroup{n:04d}"


def upload(data: bytes, name: str = "qr.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def make_live_code(workspace, *, entries=(), **kwargs):
    """A live code with entries given as dicts of entry_add arguments (plus `n` for its content)."""
    live_code = live_code_create(workspace=workspace, name=kwargs.pop("name", "测试活码"), **kwargs)
    made = []
    for index, spec in enumerate(entries):
        spec = dict(spec)
        n = spec.pop("n", index)
        scans = spec.pop("scans", None)
        expired = spec.pop("expired", False)
        entry = entry_add(live_code=live_code, upload=read_qr_upload(group_qr_png(group_url(n))), **spec)
        changes = {}
        if scans is not None:
            changes["scans"] = scans
        if expired:
            changes["expires_at"] = timezone.now() - dt.timedelta(minutes=1)
        if changes:
            LiveCodeEntry.objects.filter(pk=entry.pk).update(**changes)
            entry.refresh_from_db()
        made.append(entry)
    return live_code, made
