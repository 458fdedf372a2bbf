"""Celery tasks of the dashboards: thin, they call the lifecycle services."""

from celery import shared_task


@shared_task(ignore_result=True)
def cold_groups_sweep() -> int:
    """Periodic: flag cold groups of every workspace (idempotent: one open flag per group)."""
    from groups.dashboards.services import cold_groups_sweep as sweep

    return sweep()


@shared_task(ignore_result=True)
def retention_summary_refresh() -> int:
    """Periodic (every minute): recount the members queued since the last run in the retention
    summary; the number recounted."""
    from groups.dashboards.summary import refresh

    return refresh()
