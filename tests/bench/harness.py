"""What the load benchmarks share: a Django environment off DEBUG, gunicorn, wrk and a scratch database."""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")


def bench_env(var: Path, *, tls_proxy: bool = False, **extra: str) -> dict:
    """Production-like settings (DEBUG off, quiet logs) in a scratch folder; no inherited services.

    Plain http on 127.0.0.1, unless `tls_proxy`: then suo is set up as behind a TLS-terminating
    proxy (BEHIND_TLS_PROXY, https required and trusted from X-Forwarded-Proto), the way a
    deployment runs; the load generator must then send `X-Forwarded-Proto: https`.
    """
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    security = (
        {"BEHIND_TLS_PROXY": "True", "SECURE_SSL_REDIRECT": "True"}
        if tls_proxy
        else {"SECURE_SSL_REDIRECT": "False", "SESSION_COOKIE_SECURE": "False", "CSRF_COOKIE_SECURE": "False"}
    )
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "suo.settings",
        # This checkout's code in every process (gunicorn, Celery), not the venv's editable install.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), inherited.get("PYTHONPATH")])),
        "SUO_VAR_DIR": str(var),
        "DEBUG": "False",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        **security,
        **extra,
    }


def run_django(code: str, env: dict, *args: str) -> str:
    """Run `code` in a fresh interpreter with `env`; its last printed line."""
    result = subprocess.run([PYTHON, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"bench step failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1]


def ensure_database(url: str) -> None:
    """Drop and create the PostgreSQL database named by `url`."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app: str, env: dict, workers: int, *extra: str) -> tuple[subprocess.Popen, int]:
    """gunicorn serving `app` on a free port, once it answers."""
    port = free_port()
    command = [GUNICORN, app, "--bind", f"127.0.0.1:{port}", "--workers", str(workers), *extra,
               "--log-level", "warning", "--pythonpath", str(ROOT)]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            connection.getresponse().read()  # any answer (the bare app 302s) means it is up
            return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit(f"{app} did not start: {process.stderr.read().decode()[-2000:]}")


def worker_pids(master: subprocess.Popen) -> list[int]:
    """The pids of gunicorn's workers: the master's children."""
    try:
        import psutil

        return [child.pid for child in psutil.Process(master.pid).children()]
    except ImportError:
        found = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True)
        return [int(pid) for pid in found.stdout.split()]


def start_worker(env: dict) -> subprocess.Popen:
    """suo's Celery worker with beat (as `make run` starts it), for the tasks that flush clicks."""
    command = ["nice", "-n", "5", str(Path(PYTHON).parent / "celery"), "-A", "suo", "worker", "--beat",
               "--concurrency", "1", "--loglevel", "WARNING",
               "--hostname", f"bench{os.getpid()}@%h"]  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGQUIT)  # quick shutdown; the load is over
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_3xx: int
    socket_errors: int


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(output: str) -> WrkResult:
    non = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkResult(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        p99_ms=_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        non_3xx=int(non.group(1)) if non else 0,
        socket_errors=sum(map(int, errors.groups())) if errors else 0,
    )


def wrk(port: int, lua: Path, *, duration: int, connections: int, env: dict | None = None) -> WrkResult:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(lua), f"http://127.0.0.1:{port}"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return parse_wrk(output)
