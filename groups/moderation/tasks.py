"""Celery tasks of moderation: thin, they call `mutes`. The names are those the tasks always had,
so ETA messages already queued and the beat schedule keep working."""

from celery import shared_task

from groups.moderation import mutes


@shared_task(name="groups.tasks.mute_expire")
def mute_expire(penalty_id: int) -> None:
    """ETA task: lift one mute when its time is up (nothing happens if the sweep already did)."""
    mutes.mute_lift(penalty_id=penalty_id)


@shared_task(name="groups.tasks.mutes_sweep")
def mutes_sweep() -> int:
    """Periodic reconciler: lift every mute whose time passed, e.g. while no worker ran."""
    return mutes.mutes_sweep()
