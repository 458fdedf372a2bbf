"""Moving a campaign to a phase the way the clock would: travel to its start and reconcile."""

from datetime import timedelta

import time_machine

from groups.campaigns import services
from groups.campaigns.models import Campaign


def run_until(campaign: Campaign, phase: str, *, after: timedelta = timedelta(seconds=1)):
    """Travel (and stay) just after `phase` starts and let the reconciler catch up to it.
    Returns the started traveller; the caller stops it (or uses it as a context manager)."""
    due = campaign.transitions.get(phase=phase).due_at
    traveller = time_machine.travel(due + after, tick=False)
    traveller.start()
    services.campaigns_reconcile()
    campaign.refresh_from_db()
    return traveller
