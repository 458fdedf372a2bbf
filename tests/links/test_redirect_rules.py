"""links.redirect.decide: the one set of redirect rules, in one order, for every way in."""

import datetime as dt

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from links.models import Link, LinkState
from links.redirect import BOT, CHECK_ONLY, COPY, DENIED, GONE, GUIDE, NOT_FOUND, OPEN, PASSWORD, decide

WECHAT, PHONE = "wechat", "mobile"


def link(**fields) -> Link:
    # Unsaved: the rules read the link's fields only, so these tests need no database.
    return Link(code="abc123", url="https://example.com/", **fields)


def test_unknown_code_is_not_found():
    assert decide(None, platform=PHONE, method="GET") is NOT_FOUND


def test_plain_link_opens_and_counts_when_nothing_stands_in_the_way():
    assert decide(link(), platform=PHONE, method="GET") is OPEN
    assert OPEN.opens and OPEN.counted


def test_head_is_answered_as_an_open_but_not_counted_when_the_gates_pass():
    assert decide(link(), platform=PHONE, method="HEAD") is CHECK_ONLY
    assert CHECK_ONLY.opens and not CHECK_ONLY.counted


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({"is_active": False}, LinkState.INACTIVE),
        ({"expires_at": dt.timedelta(seconds=-1)}, LinkState.EXPIRED),
        ({"max_clicks": 1, "capped_clicks": 1}, LinkState.EXHAUSTED),
    ],
)
def test_state_comes_before_platform_and_password_when_the_link_is_unusable(fields, state):
    if "expires_at" in fields:
        fields = {"expires_at": timezone.now() + fields["expires_at"]}
    gated = link(allowed_platforms=["qq"], password=make_password("1"), **fields)

    outcome = decide(gated, platform=PHONE, method="GET")

    assert outcome is GONE[state] and not outcome.counted


def test_platform_rule_comes_before_the_password_when_the_platform_is_not_allowed():
    gated = link(allowed_platforms=["wechat"], password=make_password("1"))

    assert decide(gated, platform=PHONE, method="GET") is DENIED


def test_password_page_until_the_password_is_proven_when_the_link_has_one():
    gated = link(password=make_password("1"))

    assert decide(gated, platform=PHONE, method="GET") is PASSWORD
    assert decide(gated, platform=PHONE, method="POST", password_proven=True) is OPEN


@pytest.mark.parametrize(("mode", "expected"), [("guide", GUIDE), ("copy", COPY), ("direct", OPEN)])
def test_anti_block_mode_decides_inside_apps_when_the_gates_pass(mode, expected):
    assert decide(link(antiblock=mode), platform=WECHAT, method="GET") is expected
    assert decide(link(antiblock=mode), platform=PHONE, method="GET") is OPEN


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"is_active": False}, GONE[LinkState.INACTIVE]),
        ({"max_clicks": 1, "capped_clicks": 1}, GONE[LinkState.EXHAUSTED]),
        ({"allowed_platforms": ["wechat"]}, DENIED),
        ({"password": make_password("1")}, PASSWORD),
    ],
)
def test_bots_meet_the_same_gates_as_people_when_a_gate_is_closed(fields, expected):
    assert decide(link(**fields), platform="bot", method="GET") is expected


def test_bots_get_their_page_uncounted_only_when_every_gate_is_open():
    assert decide(link(), platform="bot", method="GET") is BOT and not BOT.counted
    gated = link(password=make_password("1"))
    assert decide(gated, platform="bot", method="POST", password_proven=True) is BOT
