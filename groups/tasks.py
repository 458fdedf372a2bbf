"""Celery tasks of the groups app (moderation's are in groups/moderation/tasks.py)."""

from celery import shared_task

from groups import import_uploads


@shared_task
def import_uploads_sweep() -> int:
    """Periodic: delete CSV uploads that were previewed but never imported."""
    return import_uploads.uploads_sweep()
