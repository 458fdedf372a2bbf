"""Which app or browser a visit comes from.

General user-agent parsers misread the Chinese in-app browsers (WeChat on Android looks like
Chrome WebView, the QQ app like QQ Browser, WeCom like WeChat), so the app is decided here by one
ordered rule table: the first rule that matches wins, so more specific apps come first (WeCom
and WeChat mini programs before WeChat, QQ the app before QQ Browser). ua-parser is used only
for the operating system and the device family.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class VisitorPlatform(models.TextChoices):
    WECHAT = "wechat", _("WeChat")
    WECOM = "wecom", _("WeCom")
    WECHAT_MINIPROGRAM = "wechat_miniprogram", _("WeChat mini program")
    QQ = "qq", _("QQ")
    DINGTALK = "dingtalk", _("DingTalk")
    ALIPAY = "alipay", _("Alipay")
    WEIBO = "weibo", _("Weibo")
    DOUYIN = "douyin", _("Douyin")
    FEISHU = "feishu", _("Feishu")
    MOBILE = "mobile", _("Phone browser")
    DESKTOP = "desktop", _("Desktop browser")
    BOT = "bot", _("Crawler or link preview")


# In-app browsers: the places where links get intercepted and the anti-block pages help.
IN_APP_PLATFORMS = frozenset(
    {
        VisitorPlatform.WECHAT,
        VisitorPlatform.WECOM,
        VisitorPlatform.WECHAT_MINIPROGRAM,
        VisitorPlatform.QQ,
        VisitorPlatform.DINGTALK,
        VisitorPlatform.ALIPAY,
        VisitorPlatform.WEIBO,
        VisitorPlatform.DOUYIN,
        VisitorPlatform.FEISHU,
    }
)


@dataclass(frozen=True)
class Rule:
    platform: VisitorPlatform
    pattern: re.Pattern
    why: str


def _rule(platform: VisitorPlatform, pattern: str, why: str) -> Rule:
    return Rule(platform, re.compile(pattern, re.IGNORECASE), why)


RULES: tuple[Rule, ...] = (
    _rule(
        VisitorPlatform.BOT,
        r"(?<!cu)bot(?:[/;)\s_-]|$)|crawler|spider|slurp|facebookexternalhit|facebookcatalog|embedly"
        r"|quora link preview"
        r"|whatsapp|telegram|skypeuripreview|vkshare|pinterest|bitlybot|curl/|wget/|python-requests"
        r"|python-urllib|go-http-client|okhttp|java/|libwww|httpclient|axios/|node-fetch|headlesschrome"
        r"|lighthouse|preview|feedfetcher|mediapartners",
        "crawlers, link-preview fetchers and scripts; checked first so they are never counted",
    ),
    _rule(VisitorPlatform.WECOM, r"\bwxwork/", "WeCom carries MicroMessenger too, so it goes before WeChat"),
    _rule(
        VisitorPlatform.WECHAT_MINIPROGRAM,
        r"miniprogram",
        "mini program web-views (Android: 'miniProgram', iOS: 'MiniProgramEnv') also carry MicroMessenger",
    ),
    _rule(VisitorPlatform.WECHAT, r"micromessenger/", "WeChat's in-app browser"),
    _rule(
        VisitorPlatform.FEISHU, r"\blark/|feishu", "Feishu/Lark; before Douyin, both are ByteDance web-views"
    ),
    _rule(VisitorPlatform.DINGTALK, r"dingtalk", "DingTalk ('DingTalk/' and 'AliApp(DingTalk/')"),
    _rule(
        VisitorPlatform.ALIPAY, r"alipayclient|aliapp\(ap/", "Alipay; after DingTalk, which also says AliApp"
    ),
    _rule(VisitorPlatform.WEIBO, r"\bweibo\b|__weibo__", "Weibo ('Weibo (' and '__weibo__')"),
    _rule(
        VisitorPlatform.DOUYIN,
        r"aweme|bytedancewebview|\bdouyin",
        "Douyin ('aweme_' app name, ByteDance web-view)",
    ),
    _rule(
        VisitorPlatform.QQ,
        r"(?<![a-z])qq/\d",
        "the QQ app says 'QQ/8.9…'; QQ Browser says 'MQQBrowser/' and is an ordinary phone browser",
    ),
    _rule(
        VisitorPlatform.MOBILE,
        r"mobile|android|iphone|ipod|ipad|harmonyos|openharmony|windows phone|blackberry|opera mini",
        "any other phone or tablet browser",
    ),
)


@lru_cache(maxsize=8192)
def detect(user_agent: str) -> VisitorPlatform:
    """The platform of a visit; an empty user agent is a script, so a bot."""
    if not user_agent or not user_agent.strip():
        return VisitorPlatform.BOT
    for rule in RULES:
        if rule.pattern.search(user_agent):
            return rule.platform
    return VisitorPlatform.DESKTOP


@dataclass(frozen=True)
class Client:
    os: str
    device: str


@lru_cache(maxsize=8192)
def os_and_device(user_agent: str) -> Client:
    """OS family and device family, from ua-parser; cached, user agents repeat a lot."""
    from ua_parser import parse_device, parse_os

    os_result = parse_os(user_agent or "")
    device_result = parse_device(user_agent or "")
    os_family = os_result.family if os_result else "Other"
    device_family = device_result.family if device_result else "Other"
    return Client(os=os_family[:32], device=device_family[:64])


def is_ios(user_agent: str) -> bool:
    return bool(re.search(r"iphone|ipad|ipod|ios", user_agent or "", re.IGNORECASE))


def platform_names() -> list[dict]:
    """Every platform id with its Chinese and English name."""
    rows = []
    for platform in VisitorPlatform:
        with translation.override("zh-hans"):
            name_zh = str(platform.label)
        with translation.override("en"):
            name_en = str(platform.label)
        rows.append(
            {
                "id": platform.value,
                "name_zh": name_zh,
                "name_en": name_en,
                "in_app": platform in IN_APP_PLATFORMS,
            }
        )
    return rows
