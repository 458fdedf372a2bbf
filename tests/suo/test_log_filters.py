"""The worker logs no INFO line per run of the beat tasks due every few seconds (the click flush);
their warnings and errors, and every line of any other task, still get through."""

import logging

import pytest
from celery.app import trace
from django.conf import settings

FLUSH = "links.tasks.flush_clicks"
OTHER = "content.tasks.posts_reconcile"


def context(name: str) -> dict:
    return {"id": "0f1e2d3c", "name": name, "args": "()", "kwargs": "{}", "eta": None, "runtime": 0.01}


def log_task_run(name: str) -> None:
    """The three INFO lines Celery writes for one run of a periodic task, as Celery writes them."""
    logging.getLogger("celery.beat").info("Scheduler: Sending due task %s (%s)", name.rsplit(".")[-1], name)
    logging.getLogger("celery.worker.strategy").info(
        trace.LOG_RECEIVED, context(name), extra={"data": context(name)}
    )
    trace.info(trace.LOG_SUCCESS, {**context(name), "return_value": None})


def test_the_beat_tasks_due_more_often_than_every_ten_seconds_are_the_quiet_ones():
    assert FLUSH in settings.LOG_QUIET_TASKS
    assert OTHER not in settings.LOG_QUIET_TASKS


@pytest.mark.skipif(FLUSH not in settings.LOG_QUIET_TASKS, reason="clicks are written directly")
def test_a_click_flush_run_logs_nothing_at_info(caplog):
    with caplog.at_level(logging.INFO):
        log_task_run(FLUSH)

    assert caplog.records == []


def test_a_run_of_any_other_task_logs_its_three_lines(caplog):
    with caplog.at_level(logging.INFO):
        log_task_run(OTHER)

    assert [record.name for record in caplog.records] == [
        "celery.beat",
        "celery.worker.strategy",
        "celery.app.trace",
    ]
    assert all(OTHER in record.getMessage() for record in caplog.records)


@pytest.mark.skipif(FLUSH not in settings.LOG_QUIET_TASKS, reason="clicks are written directly")
def test_a_failing_click_flush_is_still_logged(caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("celery.app.trace").error(
            trace.LOG_FAILURE, {**context(FLUSH), "description": "raised unexpected", "exc": "OSError()"}
        )

    [record] = caplog.records
    assert record.levelno == logging.ERROR and FLUSH in record.getMessage()


def test_records_that_name_no_task_are_kept(caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("celery.beat").info("beat: Starting...")

    assert [record.getMessage() for record in caplog.records] == ["beat: Starting..."]
