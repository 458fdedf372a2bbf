"""Helpers shared by tests of several apps."""

import threading

from django.db import connection


def run_in_threads(count: int, work) -> list:
    """Run `work(index)` in `count` threads released together; each returns its result or exception.

    Every thread has its own database connection (closed at the end), so races are real."""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def target(index):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = work(index)
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes
