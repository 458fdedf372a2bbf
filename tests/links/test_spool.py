"""The embedded click spool: every spooled visit is stored once, however the drain dies."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from links import spool, spool_writer
from links.capture import Visit, spooled
from links.models import Click, SpoolOffset
from tests.links.factories import LinkFactory
from tests.links.hot_path_helpers import ROOT, database_url, made_up_visits

pytestmark = pytest.mark.django_db(transaction=True)

DRAIN_FOREVER = """
import django; django.setup()
from links import spool
while True:
    spool.drain(max_batches=1)
"""


def _spool_from_a_finished_writer(settings, visits: list[Visit]) -> None:
    """Write as a web worker would, then let the file go as a dead worker's would."""
    for visit in visits:
        spooled(visit)
    os.close(spool_writer._writer.fd)
    spool_writer._writer.fd = None


def _assert_stored_once(link, total: int, visitors: int = 500) -> None:
    link.refresh_from_db()
    assert Click.objects.filter(link=link).count() == link.click_count == total
    assert link.unique_click_count == Click.objects.filter(link=link, is_unique=True).count() == visitors


def test_a_drain_killed_mid_batch_stores_nothing_twice(settings):
    link = LinkFactory()
    total = 20_000
    _spool_from_a_finished_writer(settings, made_up_visits(link, total))
    env = {
        **os.environ,
        "DATABASE_URL": database_url(settings),
        "DJANGO_SETTINGS_MODULE": "suo.settings",
        "LINKS_SPOOL_DIR": str(settings.LINKS_SPOOL_DIR),
    }
    drain = subprocess.Popen([sys.executable, "-c", DRAIN_FOREVER], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while not Click.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.05)  # well inside a later batch
    finally:
        drain.send_signal(signal.SIGKILL)  # no cleanup, no rollback but the database's own
        drain.wait(10)
    assert 0 < Click.objects.count() < total

    while spool.drain():
        pass

    _assert_stored_once(link, total)
    assert not list(Path(settings.LINKS_SPOOL_DIR).glob("*.log"))  # drained and deleted
    assert not SpoolOffset.objects.exists()


def test_a_batch_that_fails_is_redone_whole(settings, monkeypatch):
    link = LinkFactory()
    _spool_from_a_finished_writer(settings, made_up_visits(link, 8000))
    saves = []
    real = SpoolOffset.objects.update_or_create

    def dies_in_the_second_batch(**kwargs):
        saves.append(kwargs)
        if len(saves) == 2:
            raise RuntimeError("killed between storing the visits and saving the offset")
        return real(**kwargs)

    monkeypatch.setattr(SpoolOffset.objects, "update_or_create", dies_in_the_second_batch)
    with pytest.raises(RuntimeError):
        spool.drain()
    stored_before = Click.objects.count()
    monkeypatch.undo()

    spool.drain()

    assert 0 < stored_before < 8000
    _assert_stored_once(link, 8000)


def test_lost_offsets_store_nothing_twice(settings):
    link = LinkFactory()
    visits = made_up_visits(link, 3000)
    for visit in visits:
        spooled(visit)  # a live writer: its file stays after the drain
    spool.drain()
    SpoolOffset.objects.all().delete()

    spool.drain()

    _assert_stored_once(link, 3000)
    assert len(list(Path(settings.LINKS_SPOOL_DIR).glob("*.log"))) == 1


def test_a_torn_last_line_of_a_dead_writer_is_dropped_and_the_file_deleted(settings):
    link = LinkFactory()
    _spool_from_a_finished_writer(settings, made_up_visits(link, 10, visitors=10))
    (path,) = Path(settings.LINKS_SPOOL_DIR).glob("*.log")
    with open(path, "ab") as spooled:
        spooled.write(b'{"event_id":"ff')  # a write that never returned: no 302 was sent

    assert spool.drain() == 10

    _assert_stored_once(link, 10, visitors=10)
    assert not path.exists()


def test_unreadable_lines_are_skipped_and_the_rest_of_the_batch_stored(settings, caplog):
    link = LinkFactory()
    visits = made_up_visits(link, 4, visitors=4)
    for visit in visits[:2]:
        spooled(visit)
    spool_writer.append_line(b"not a visit\n")
    spool_writer.append_line(b'{"link_id": 1}\n')  # JSON, but not the fields of a visit
    _spool_from_a_finished_writer(settings, visits[2:])

    assert spool.drain() == 4

    _assert_stored_once(link, 4, visitors=4)
    assert caplog.text.count("unreadable line in click spool") == 2


def test_a_forked_web_process_writes_its_own_file_and_lets_go_of_its_parents(settings):
    """gunicorn forks its workers: a child must neither append to its parent's file nor keep the
    parent's lock alive (a dead parent's file would then never count as finished)."""
    link = LinkFactory()
    first, second = made_up_visits(link, 2, visitors=2)
    spooled(first)
    (parent_file,) = Path(settings.LINKS_SPOOL_DIR).glob("*.log")
    ready, release = os.pipe(), os.pipe()
    child = os.fork()
    if child == 0:  # the child: spools one visit, then stays alive until the parent has looked
        try:
            spooled(second)
            os.write(ready[1], b"x")
            os.read(release[0], 1)
        finally:
            os._exit(0)
    try:
        os.read(ready[0], 1)
        os.close(spool_writer._writer.fd)  # the parent dies, as far as its file is concerned
        spool_writer._writer.fd = None
        with open(parent_file, "rb") as held:
            assert spool._finished(held.fileno())  # the living child does not hold it
        assert parent_file.read_bytes().count(b"\n") == 1
    finally:
        os.write(release[1], b"x")
        os.waitpid(child, 0)

    assert spool.drain() == 2
    _assert_stored_once(link, 2, visitors=2)
