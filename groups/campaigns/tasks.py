"""Celery tasks of the campaigns app: thin, they call the services, which claim their rows."""

from celery import shared_task


@shared_task
def campaign_advance_task(transition_id: int) -> int:
    """ETA task at a phase start. It advances the transition's campaign as far as time allows, so
    a stale task (its phase was rescheduled later, or already done) finds nothing to do."""
    from groups.campaigns.models import PhaseTransition
    from groups.campaigns.services import campaign_advance

    campaign_id = (
        PhaseTransition.objects.filter(pk=transition_id).values_list("campaign_id", flat=True).first()
    )
    if campaign_id is None:
        return 0
    return len(campaign_advance(campaign_id=campaign_id))


@shared_task
def play_close_task(play_id: int) -> None:
    """ETA task at a play's closing time: draw, settle or finish it (once)."""
    from groups.campaigns.services import play_close

    play_close(play_id=play_id)


@shared_task
def referral_check_task(referral_id: int) -> None:
    """ETA task when an invitee's stay is long enough: qualify the referral and grant rewards (once)."""
    from groups.campaigns.services import referral_check

    referral_check(referral_id=referral_id)


@shared_task
def campaigns_reconcile() -> int:
    """Beat: phase transitions and play closings whose time passed without their task."""
    from groups.campaigns.services import campaigns_reconcile as advance_due
    from groups.campaigns.services import plays_reconcile

    return advance_due() + plays_reconcile()


@shared_task
def fission_reconcile() -> dict:
    """Beat: attribution labels, referrals and conversions found from joins and purchases made
    elsewhere, and referral checks that are due."""
    from groups.campaigns.services import fission_reconcile as sweep

    return sweep()
