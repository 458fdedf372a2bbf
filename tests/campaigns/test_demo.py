"""seed_demo: a flash sale starting soon, a benefit calendar, a fission leaderboard; run twice, same data."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from groups.campaigns import selectors
from groups.campaigns.models import Campaign, Play, Referral, ReferralReward

pytestmark = pytest.mark.django_db


def counts() -> tuple:
    return (
        Campaign.objects.count(),
        Play.objects.count(),
        Referral.objects.count(),
        ReferralReward.objects.count(),
    )


def test_seed_demo_plans_a_flash_sale_soon_a_benefit_calendar_and_a_fission_leaderboard():
    call_command("seed_demo", stdout=None)
    first = counts()
    call_command("seed_demo", stdout=None)

    assert counts() == first
    flash = Campaign.objects.get(slug="xh-flash")
    preheat = flash.transitions.get(phase="preheat").due_at
    assert flash.phase == "draft"
    assert timezone.now() < preheat <= timezone.now() + timedelta(minutes=5)
    assert flash.offers.count() == 2 and flash.messages.count() == 4
    kinds = set(Play.objects.filter(group__external_id="wx-room-10002").values_list("kind", flat=True))
    assert kinds == {"lottery", "checkin", "group_buy"}
    assert Play.objects.filter(outcome="drawn").count() == 1
    board = selectors.referral_leaderboard(campaign=Campaign.objects.get(slug="xh-fission"))
    assert board and board[0]["rank"] == 1 and board[0]["qualified"] >= board[-1]["qualified"]
    assert ReferralReward.objects.exists()
