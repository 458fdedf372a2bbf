"""Celery tasks of the content app: thin, they call the services with ids."""

from celery import shared_task

from content import services
from content.selectors import images_missing_thumbnail


@shared_task
def post_send_task(post_id: int) -> None:
    """ETA task: send one post at its time (nothing happens if the reconciler already did)."""
    services.post_send(post_id=post_id)


@shared_task
def posts_reconcile() -> int:
    """Periodic: send due posts whose task was lost."""
    return services.posts_reconcile()


@shared_task
def task_remind_task(task_id: int) -> None:
    """ETA task: remind the holder of one SOP task when it is due."""
    services.task_remind(task_id=task_id)


@shared_task
def reminders_reconcile() -> int:
    """Periodic: send due reminders whose task was lost."""
    return services.reminders_reconcile()


@shared_task
def sops_auto_apply() -> int:
    """Periodic: apply auto-SOPs to new groups of their kind."""
    return services.sops_auto_apply()


@shared_task
def image_thumbnail(image_id: int) -> None:
    services.image_thumbnail_make(image_id=image_id)


@shared_task
def thumbnails_reconcile() -> int:
    """Periodic: make thumbnails whose task was lost (uploads older than a minute without one)."""
    return sum(
        1 for image_id in images_missing_thumbnail() if services.image_thumbnail_make(image_id=image_id)
    )
