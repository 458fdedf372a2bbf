"""Celery tasks of the groups app: thin, they call the moderation services."""

from celery import shared_task


@shared_task
def mute_expire(penalty_id: int) -> None:
    """ETA task: lift one mute when its time is up (nothing happens if the sweep already did)."""
    from groups.moderation import mute_lift

    mute_lift(penalty_id=penalty_id)


@shared_task
def mutes_sweep() -> int:
    """Periodic reconciler: lift every mute whose time passed, e.g. while no worker ran."""
    from groups.moderation import mutes_sweep as sweep

    return sweep()
