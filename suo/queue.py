"""Work for the Celery worker, queued by the task's name once the transaction commits.

Tasks are thin and call services; a service that imported its app's tasks module to queue the
next run would close an import circle (services → tasks → services). So services name the task
instead (its registered name, the module path of its function); `tests/suo/test_queue.py` checks
that every name given here belongs to a registered task. Only ids and plain values go in, never
model instances, and nothing is sent for a transaction that rolls back.
"""

import datetime as dt

from celery import current_app
from django.db import transaction


def send(task: str, args: list, eta: dt.datetime | None = None) -> None:
    """Publish now, through the current Celery app (suo's; tests replace this or the app)."""
    current_app.send_task(task, args=args, eta=eta)


def enqueue_on_commit(task: str, *args, eta: dt.datetime | None = None) -> None:
    """Queue `task(*args)` after the current transaction commits (at once outside one)."""
    values = list(args)
    transaction.on_commit(lambda: send(task, values, eta))
