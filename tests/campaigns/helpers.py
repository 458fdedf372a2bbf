"""Moving a campaign to a phase the way the clock would: travel to its start and reconcile."""

from datetime import timedelta

import time_machine

from groups.campaigns import services
from groups.campaigns.models import Campaign
from tests.campaigns.factories import make_campaign, make_offer
from tests.groups.factories import MemberFactory


def run_until(campaign: Campaign, phase: str, *, after: timedelta = timedelta(seconds=1)):
    """Travel (and stay) just after `phase` starts and let the reconciler catch up to it.
    Returns the started traveller; the caller stops it (or uses it as a context manager)."""
    due = campaign.transitions.get(phase=phase).due_at
    traveller = time_machine.travel(due + after, tick=False)
    traveller.start()
    services.campaigns_reconcile()
    campaign.refresh_from_db()
    return traveller


def claimed_and_wrapped_up(workspace):
    """A campaign past its wrap-up where one member claimed: (campaign, member); one follow-up task."""
    campaign = make_campaign(workspace)
    offer = make_offer(campaign)
    member = MemberFactory(workspace=workspace)
    traveller = run_until(campaign, "ignite")
    services.offer_claim(offer=offer, member=member)
    traveller.stop()
    run_until(campaign, "wrap_up").stop()
    return campaign, member
