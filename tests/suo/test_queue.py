"""suo.queue: services queue tasks by name, after commit; every name they use is a real task."""

import ast
from pathlib import Path

import pytest
from django.db import transaction

from suo import queue
from suo.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _names_queued_in_the_code() -> set[str]:
    names = set()
    for package in ("suo", "groups", "links", "content"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", "")) == "enqueue_on_commit"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    names.add(node.args[0].value)
    return names


def test_every_task_a_service_queues_is_registered_with_celery():
    app.loader.import_default_modules()
    names = _names_queued_in_the_code()

    assert len(names) >= 8
    assert sorted(names - set(app.tasks)) == []


@pytest.mark.django_db(transaction=True)
def test_a_task_is_sent_only_when_the_transaction_commits(queued):
    with transaction.atomic():
        queue.enqueue_on_commit("suo.tasks.ping")
        assert queued == []
    with pytest.raises(RuntimeError), transaction.atomic():
        queue.enqueue_on_commit("suo.tasks.clear_expired_sessions")
        raise RuntimeError("rolled back")

    assert [(q.task, q.args) for q in queued] == [("suo.tasks.ping", [])]
