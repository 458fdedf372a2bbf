"""Celery tasks of live codes: thin, they call links.livecodes.alerts."""

from celery import shared_task

from links.livecodes.alerts import live_code_alerts_check, live_code_alerts_sweep


@shared_task(ignore_result=True)
def check_live_code_alerts(live_code_id: int) -> int:
    """After scans and edits: idempotent, so duplicates of this task are harmless."""
    return len(live_code_alerts_check(live_code_id=live_code_id))


@shared_task(ignore_result=True)
def sweep_live_code_alerts() -> int:
    """Beat: expiry needs no visitor, and a check lost with a worker is caught up here."""
    return live_code_alerts_sweep()
