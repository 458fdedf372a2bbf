"""The writing half of the embedded click spool (links.spool drains it): one append-only file per
web process, each visit one line written by a single O_APPEND write() before the 302 leaves.
Kept apart from the drain, which builds on links.capture, while capture writes through this."""

import fcntl
import os
import threading
import time
from pathlib import Path

from links import hot_settings

ROTATE_BYTES = 64 << 20  # a writer starts a new file past this size; drained files are deleted


class _Writer:
    """This process's open spool file (a forked child lets go of its parent's: a file has one
    writer, and the child's copy of the descriptor would keep the parent's lock alive)."""

    def __init__(self) -> None:
        self.fd: int | None = None
        self.directory = ""
        self.size = 0
        self.opening = threading.Lock()
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # the child's copy only: the parent keeps its file and its lock
        self.fd = None

    def _open(self, directory: str) -> None:
        if self.fd is not None:
            os.close(self.fd)  # gives up the lock: the drain may finish and delete the file
        Path(directory).mkdir(parents=True, exist_ok=True)
        name = f"{os.getpid()}-{time.time_ns()}"
        temporary = os.path.join(directory, name + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o600)
        # Locked before it gets the name the drain looks for, so it is never taken for finished.
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.rename(temporary, os.path.join(directory, name + ".log"))
        self.fd, self.directory, self.size = fd, directory, 0

    def write(self, line: bytes) -> None:
        directory = str(hot_settings.current().LINKS_SPOOL_DIR)
        # No getpid() per visit (a system call): a fork empties fd (_forget).
        if self.fd is None or self.directory != directory or self.size > ROTATE_BYTES:
            with self.opening:  # threads of one process share its file; one of them opens it
                if self.fd is None or self.directory != directory or self.size > ROTATE_BYTES:
                    self._open(directory)
        assert self.fd is not None
        written = os.write(self.fd, line)
        if written != len(line):  # a full disk: never leave half a line for the next one to join
            raise OSError(f"spool write cut short ({written} of {len(line)} bytes)")
        self.size += written


_writer = _Writer()


def append_line(line: bytes) -> None:
    """Spool one visit's line; raises OSError when it could not (the caller writes it directly)."""
    _writer.write(line)
