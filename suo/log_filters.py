"""Quiet the worker's INFO lines for periodic tasks that run every few seconds.

`celery worker --beat --loglevel INFO` logs three lines for every run of a task: beat's "Sending
due task", the worker's "Task … received" and "Task … succeeded". For the click flush, due every
second, that buried everything else in the log. This filter, put on those three loggers in
settings.LOGGING, drops the INFO (and DEBUG) records of the tasks named in
settings.LOG_QUIET_TASKS (the beat entries due more often than every 10 s); their warnings,
errors and retries, and every record of any other task, still get through.
"""

import logging
from collections.abc import Iterable

# Where Celery logs a task's run at INFO: beat sending it, the worker receiving it, its result.
TASK_RUN_LOGGERS = ("celery.beat", "celery.worker.strategy", "celery.app.trace")


def task_name_of(record: logging.LogRecord) -> str | None:
    """The task a Celery record is about: the worker passes its context as `data` (and as the
    format's argument dict); beat passes (entry name, task name)."""
    data = getattr(record, "data", None)
    if not isinstance(data, dict):
        data = record.args if isinstance(record.args, dict) else None
    if isinstance(data, dict):
        name = data.get("name")
        return name if isinstance(name, str) else None
    if record.name == "celery.beat" and isinstance(record.args, tuple) and len(record.args) == 2:
        task = record.args[1]
        return task if isinstance(task, str) else None
    return None


class QuietTasks(logging.Filter):
    """Drops records at INFO or below about one of `tasks`; keeps everything else."""

    def __init__(self, tasks: Iterable[str] = ()) -> None:
        super().__init__()
        self.tasks = frozenset(tasks)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO or not self.tasks:
            return True
        return task_name_of(record) not in self.tasks
