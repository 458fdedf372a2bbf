from celery import shared_task
from django.core.management import call_command


@shared_task(ignore_result=False)
def ping() -> str:
    """Round trip through broker, worker and result backend; used by tests and operators."""
    return "pong"


@shared_task
def clear_expired_sessions() -> None:
    call_command("clearsessions")
