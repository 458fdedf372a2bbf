"""The embedded click spool: visits reach SQLite without a write in the request.

Each web process appends (links.spool_writer) one JSON line per visit to its own file under
LINKS_SPOOL_DIR with a single O_APPEND write, before the 302 leaves: once write() returned the
kernel has the line, so a worker killed with SIGKILL right after loses nothing. The writer holds
an exclusive flock on its file for as long as it may write; the lock dies with the process (or
is given up when the file is rotated), which is how the drain knows a file is finished.

`drain` (the Celery beat task links.tasks.flush_clicks, every second) reads each file from the
offset it reached, stores a batch of visits and saves the new offset in the same transaction:
a drain killed mid-batch rolls both back and redoes the batch, and the unique event id of each
click would skip any visit stored already. SQLite sees one writer, the drain.
"""

import fcntl
import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction

from links.capture import parsed_visits, store_visits
from links.models import SpoolOffset

logger = logging.getLogger(__name__)

READ_BYTES = 1 << 20  # one batch: about 3,000 visits


def _finished(fd: int) -> bool:
    """True when no process holds the file open for writing any more."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _drain_file(path: Path, budget: int) -> tuple[int, int]:
    """Store what `path` holds past its saved offset; returns (visits stored, batches used)."""
    stored = batches = 0
    with open(path, "rb") as spool:
        finished = _finished(spool.fileno())  # asked first: whatever it holds now is all there is
        progress = SpoolOffset.objects.filter(name=path.name).values_list("offset", flat=True).first()
        offset = progress or 0
        while batches < budget:
            spool.seek(offset)
            data = spool.read(READ_BYTES)
            end = data.rfind(b"\n") + 1  # whole lines only: a writer may be in the middle of one
            if end == 0:
                break
            with transaction.atomic():
                stored += store_visits(parsed_visits(data[:end].splitlines(), f"click spool {path.name}"))
                SpoolOffset.objects.update_or_create(name=path.name, defaults={"offset": offset + end})
            offset += end
            batches += 1
        spool.seek(offset)
        rest = spool.read(READ_BYTES) if finished else b"\n"
        if b"\n" not in rest:
            # Everything is stored. A torn last line was never answered: its write did not return.
            if rest:
                logger.warning("torn last line in click spool %s dropped", path.name)
            path.unlink()
            SpoolOffset.objects.filter(name=path.name).delete()
    return stored, batches


def drain(*, max_batches: int = 100) -> int:
    """Move spooled visits into the database; returns how many were stored. One drain at a time
    (an flock, which a killed drain gives up with its life)."""
    directory = Path(settings.LINKS_SPOOL_DIR)
    if not directory.is_dir():
        return 0
    lock = os.open(directory / ".drain.lock", os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        if not _finished(lock):
            return 0
        stored = batches = 0
        for path in sorted(directory.glob("*.log")):
            if batches >= max_batches:
                break
            file_stored, file_batches = _drain_file(path, max_batches - batches)
            stored, batches = stored + file_stored, batches + file_batches
        if batches < max_batches:  # rows of files deleted by a drain that died before it
            present = {path.name for path in directory.glob("*.log")}
            SpoolOffset.objects.exclude(name__in=present).delete()
        return stored
    finally:
        os.close(lock)


def pending_bytes() -> int:
    """Bytes spooled and not yet drained (for the benchmark and checks)."""
    directory = Path(settings.LINKS_SPOOL_DIR)
    if not directory.is_dir():
        return 0
    offsets = dict(SpoolOffset.objects.values_list("name", "offset"))
    return sum(max(0, p.stat().st_size - offsets.get(p.name, 0)) for p in directory.glob("*.log"))
