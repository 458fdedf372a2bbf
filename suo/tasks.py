from celery import shared_task
from django.core.management import call_command


@shared_task(ignore_result=False)
def ping() -> str:
    """Round trip through broker, worker and result backend; used by tests and operators."""
    return "pong"


@shared_task
def clear_expired_sessions() -> None:
    call_command("clearsessions")


@shared_task
def webhook_deliver_task(delivery_id: int) -> None:
    from suo.webhooks import webhook_deliver

    webhook_deliver(delivery_id=delivery_id)


@shared_task
def webhook_deliver_many(delivery_ids: list[int]) -> None:
    """Fan out: one task per delivery, so a slow endpoint does not hold up the others."""
    for delivery_id in delivery_ids:
        webhook_deliver_task.delay(delivery_id)


@shared_task
def webhooks_reconcile() -> None:
    from suo.webhooks import webhooks_reconcile as reconcile

    reconcile()
