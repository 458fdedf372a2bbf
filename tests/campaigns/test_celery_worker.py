"""A real Celery worker (not eager mode) moves a campaign into its phase at the planned time.

Once on the embedded filesystem broker and once on Redis (when REDIS_URL is set, as in CI: then
it must pass, it is not skipped). The worker runs in its own process on the test database and
its own queue, so it never takes other tests' tasks; no beat runs, so only the ETA task that
campaign_create enqueued after commit can make the change.
"""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from groups.campaigns.models import Campaign, PhaseTransition
from suo.celery import app as suo_app
from tests.campaigns.factories import make_campaign

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
BROKERS = [
    "filesystem",
    pytest.param(
        "redis", marks=pytest.mark.skipif("REDIS_URL" not in os.environ, reason="runs on the embedded broker")
    ),
]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def broker_setup(broker: str, var: Path) -> tuple[dict, dict]:
    """(Celery settings for this process, environment for the worker) for one broker."""
    env = {**os.environ, "DATABASE_URL": database_url(), "SUO_VAR_DIR": str(var)}
    if broker == "redis":
        return {"broker_url": os.environ["REDIS_URL"], "result_backend": os.environ["REDIS_URL"]}, env
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        env.pop(name, None)
    folders = {name: var / "celery" / name for name in ("queue", "control", "results")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    conf = {
        "broker_url": "filesystem://localhost//",
        "result_backend": f"file://{folders['results']}",
        "broker_transport_options": {
            "data_folder_in": str(folders["queue"]),
            "data_folder_out": str(folders["queue"]),
            "control_folder": str(folders["control"]),
            "store_processed": False,
        },
    }
    return conf, env


@pytest.fixture
def worker_on(tmp_path):
    """Start a worker on `broker` and make this process publish there; stop and clean up after."""
    started = {}

    def start(broker: str) -> Celery:
        queue = f"campaigns-test-{uuid.uuid4().hex[:8]}"
        conf, env = broker_setup(broker, tmp_path)
        app = Celery("campaigns-test", set_as_current=False)
        app.conf.update(
            task_default_queue=queue,
            task_serializer="json",
            accept_content=["json"],
            broker_connection_retry_on_startup=True,
            **conf,
        )
        app.set_current()  # services enqueue through the current app
        command = [sys.executable, "-m", "celery", "-A", "suo", "worker", "--pool", "solo", "-Q", queue]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"]
        command += ["--hostname", f"campaigns-{uuid.uuid4().hex[:6]}@%h"]
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        started.update(app=app, process=process, queue=queue, broker=broker)
        # The worker answers a round trip once it is consuming.
        assert app.send_task("suo.tasks.ping", queue=queue).get(timeout=120) == "pong"
        return app

    yield start
    suo_app.set_current()
    process = started.get("process")
    if process is not None:
        process.terminate()
        output, _ = process.communicate(timeout=60)
        print(output)
    if started.get("broker") == "redis":  # the held ETA tasks went back to the queue at shutdown
        with started["app"].connection_for_write() as conn:
            queue = started["queue"]
            conn.default_channel.client.delete(
                queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
            )


@pytest.mark.parametrize("broker", BROKERS)
def test_a_real_worker_moves_the_campaign_into_preheat_at_its_planned_time(broker, worker_on, tenant_a):
    worker_on(broker)
    due = timezone.now() + timedelta(seconds=4)

    campaign = make_campaign(tenant_a.workspace, start=due, slug=f"live-{broker}")

    assert Campaign.objects.get(pk=campaign.pk).phase == "draft"
    deadline = time.monotonic() + 90
    while Campaign.objects.get(pk=campaign.pk).phase == "draft" and time.monotonic() < deadline:
        time.sleep(0.2)
    transition = PhaseTransition.objects.get(campaign=campaign, phase="preheat")
    assert Campaign.objects.get(pk=campaign.pk).phase == "preheat"
    assert transition.state == "done" and transition.done_at >= transition.due_at  # on time, never early
    assert PhaseTransition.objects.filter(campaign=campaign, state="due").count() == 3
