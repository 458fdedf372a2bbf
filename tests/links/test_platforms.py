import pytest

from links.platforms import IN_APP_PLATFORMS, RULES, VisitorPlatform, detect, os_and_device, platform_names
from tests.links.user_agents import USER_AGENTS

CASES = [(platform, ua) for platform, agents in USER_AGENTS.items() for ua in agents]


@pytest.mark.parametrize(
    ("expected", "user_agent"), CASES, ids=[f"{p.value}-{i}" for i, (p, _) in enumerate(CASES)]
)
def test_real_user_agent_is_classified(expected, user_agent):
    assert detect(user_agent) == expected


def test_every_platform_has_real_user_agents_and_every_rule_is_exercised():
    assert set(USER_AGENTS) == set(VisitorPlatform)
    matched_rules = {
        next(rule for rule in RULES if rule.pattern.search(ua)).platform
        for agents in USER_AGENTS.values()
        for ua in agents
        if ua and any(rule.pattern.search(ua) for rule in RULES)
    }
    assert matched_rules == {rule.platform for rule in RULES}


def test_in_app_user_agents_have_both_ios_and_android_examples():
    for platform in IN_APP_PLATFORMS:
        agents = USER_AGENTS[platform]
        assert any("iPhone" in ua for ua in agents), platform
        assert any("Android" in ua for ua in agents), platform


def test_os_and_device_come_from_ua_parser():
    wechat_android = USER_AGENTS[VisitorPlatform.WECHAT][1]
    wechat_ios = USER_AGENTS[VisitorPlatform.WECHAT][0]

    assert os_and_device(wechat_android).os == "Android"
    assert os_and_device(wechat_ios).os == "iOS"
    assert os_and_device(wechat_ios).device == "iPhone"


def test_platform_names_in_chinese_and_english():
    names = {row["id"]: row for row in platform_names()}

    assert names["wechat"]["name_zh"] == "微信"
    assert names["wechat"]["name_en"] == "WeChat"
    assert names["wechat"]["in_app"] is True
    assert names["desktop"]["in_app"] is False
    assert len(names) == len(VisitorPlatform)
