"""Both redirect backends for one test, and a second web process that serves redirects."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis.connection import AbstractConnection

from links import capture

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ["embedded", "redis"]


def made_up_visits(
    link, count: int, *, visitors: int = 500, platform: str = "mobile", user_agent: str = "Mozilla/5.0"
) -> list[capture.Visit]:
    """`count` visits of `link` now, from `visitors` different visitors, as a flush would read them."""
    return [
        capture.Visit(
            event_id=f"{n:032x}",
            link_id=link.pk,
            workspace_id=link.workspace_id,
            at=time.time(),
            day="2026-11-25",
            platform=platform,
            user_agent=user_agent,
            referrer_host="",
            country="",
            visitor=f"v{n % visitors}",
        )
        for n in range(count)
    ]


def database_url(settings) -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def use_backend(name: str, settings, tmp_path) -> dict:
    """Point this process at the backend and return the environment for another process that
    shares it (database, Redis keys, spool, generation file). The database is the suite's: SQLite
    by default, PostgreSQL when DATABASE_URL is set, so CI runs both mechanisms on PostgreSQL."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "LINKS_CLICK_BUFFER"}}
    env.update(
        DATABASE_URL=database_url(settings),
        DJANGO_SETTINGS_MODULE="suo.settings",
        LINKS_SPOOL_DIR=str(settings.LINKS_SPOOL_DIR),
        LINKS_BUFFER_KEY=settings.LINKS_BUFFER_KEY,
        LINKS_CACHE_KEY=settings.LINKS_CACHE_KEY,
        ALLOWED_HOSTS="127.0.0.1",
    )
    if name == "redis":
        if "REDIS_URL" not in os.environ:
            pytest.skip("the Redis backend needs REDIS_URL (set in CI, where it must pass)")
        settings.REDIS_URL = os.environ["REDIS_URL"]
        settings.LINKS_CLICK_BUFFER = "redis"
        env.update(REDIS_URL=settings.REDIS_URL, LINKS_CLICK_BUFFER="redis")
    else:
        settings.REDIS_URL = ""
        settings.LINKS_CLICK_BUFFER = "spool"
        settings.LINKS_CACHE_GENERATION_FILE = str(tmp_path / "links.generation")
        env.update(
            LINKS_CLICK_BUFFER="spool", LINKS_CACHE_GENERATION_FILE=settings.LINKS_CACHE_GENERATION_FILE
        )
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    capture.redis_client.cache_clear()
    return env


class OtherProcess:
    """tests/links/redirect_worker.py in a subprocess."""

    def __init__(self, env: dict) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.links.redirect_worker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self._line() == "ready"

    def _line(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().decode().strip()

    def _send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command.encode() + b"\n")
        self.process.stdin.flush()

    def visit(self, code: str) -> tuple[str, str]:
        self._send(f"visit {code}")
        status, location = self._line().split(" ", 1)
        return status, location

    def serve_until_killed(self, code: str, at_least: int, timeout: float = 60) -> int:
        """Let it serve `code` in a loop, SIGKILL it after `at_least` redirects; returns how many
        302s it had answered when it died."""
        assert self.process.stdout is not None
        self._send(f"loop {code}")
        answered = 0
        deadline = time.monotonic() + timeout
        while answered < at_least and time.monotonic() < deadline:
            answered += len(os.read(self.process.stdout.fileno(), 4096))
        self.process.send_signal(signal.SIGKILL)
        answered += len(self.process.stdout.read())  # what it wrote before it died
        self.process.wait(10)
        return answered

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)

    def __enter__(self) -> "OtherProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def count_redis_round_trips(monkeypatch) -> list:
    """Every command sent to Redis from now on, by any client or connection (one per round trip)."""
    sent: list = []
    real = AbstractConnection.send_packed_command
    monkeypatch.setattr(
        AbstractConnection,
        "send_packed_command",
        lambda self, *a, **k: sent.append(a[0]) or real(self, *a, **k),
    )
    return sent
