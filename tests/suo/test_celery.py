"""A real worker on the configured broker (filesystem by default, Redis in CI)."""

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from suo.tasks import ping
from tests.helpers import celery_worker_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.services
def test_work_queued_while_no_worker_runs_is_done_when_one_starts():
    # A queue of its own: messages other tests left in the shared broker (e.g. the demo's tasks
    # after an end-to-end test committed seed_demo) must not stand in front of this one.
    queue = f"test-ping-{uuid.uuid4().hex[:12]}"
    queued = ping.apply_async(queue=queue)  # no worker is running yet: the broker must keep it

    worker = subprocess.Popen(
        celery_worker_command("--queues", queue, "--hostname", f"test-{os.getpid()}@%h"),
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert queued.get(timeout=90) == "pong"
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode is not None, output
