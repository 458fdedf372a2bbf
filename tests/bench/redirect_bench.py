"""`make bench-redirect`: the public redirect under load, against a bare WSGI 302 in the same run.

Set up as a deployment runs it (issue 12): gunicorn (4 sync workers unless --workers/--threads,
the same settings for every app) behind a TLS-terminating proxy — BEHIND_TLS_PROXY=True, https
required, wrk sends `X-Forwarded-Proto: https` and `X-Forwarded-For` (LINKS_TRUSTED_PROXIES=1) —
and suo's Celery worker with beat running beside it, as `make run` starts it.

For each backend (the embedded default: SQLite, no Redis; then PostgreSQL + Redis) it builds one
set of links (100k unless --links) and serves (a) a bare WSGI app that answers a fixed 302,
(b) suo's redirect with click capture off and (c) with capture on, all at once. For each traffic
shape over those links — uniform, and Zipf-skewed (s = 1.1: a few hot links, a long tail) — it
loads a, b and c with wrk for the same time (--rounds times, interleaved; the median counts),
then waits until the clicks stored equal the 302s wrk received and says how long that took. A
last run on c kills one web worker with SIGKILL half-way and checks that no answered click is lost.
It ends with a Markdown table (for the README) and whether issue 12's targets are met.
"""

import argparse
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench import redirect_wrk
from tests.bench.harness import (
    PYTHON,
    ROOT,
    bench_env,
    ensure_database,
    serve,
    start_worker,
    stop,
    worker_pids,
)
from tests.bench.redirect_clicks import ClickWaiter, Drained, seed
from tests.bench.redirect_report import KillCheck, Row, kill_table, table, verdicts

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/suo_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
BACKENDS = {
    "embedded": ("embedded (SQLite)", {}),
    "postgres": ("PostgreSQL + Redis", {"DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL}),
}
APPS = {  # variant: (WSGI app, click capture)
    "a": ("tests.bench.bare_wsgi:application", True),
    "b": ("suo.wsgi:application", False),
    "c": ("suo.wsgi:application", True),
}
WARM_UP_SECONDS = 2


def gunicorn_args(args) -> list[str]:
    if args.threads > 1:
        return ["--worker-class", "gthread", "--threads", str(args.threads)]
    return ["--worker-class", "sync"]


def check_redirect(port: int, code: str) -> None:
    """One request as wrk sends it must be a 302 to the link (not a 301 to https, not a page)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", f"/{code}", headers={"X-Forwarded-Proto": "https", "User-Agent": "Mozilla/5.0"})
    response = connection.getresponse()
    location = response.getheader("Location", "")
    if response.status != 302 or not location.startswith("https://example.com/p/"):
        sys.exit(f"/{code} answered {response.status} {location!r}, not a 302 to the link: check the setup")


class Backend:
    """One backend's links, its three servers and the Celery worker, for the runs on it."""

    def __init__(self, key: str, args, workdir: Path):
        self.name, extra_env = BACKENDS[key]
        self.args = args
        var = workdir / key
        var.mkdir(parents=True)
        codes_file = var / "codes.txt"
        self.env = bench_env(var, tls_proxy=True, LINKS_TRUSTED_PROXIES="1", CODES_FILE=str(codes_file),
                             BENCH_SEED=str(args.seed), ZIPF_S=str(args.zipf_s), **extra_env)  # fmt: skip
        if "REDIS_URL" in extra_env:
            import redis

            redis.Redis.from_url(extra_env["REDIS_URL"]).flushdb()
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=self.env, check=True)
        self.links = seed(self.env, args.links, str(codes_file))
        self.warmed = False
        self.first_code = codes_file.read_text().split("\n", 1)[0]
        self.options = redirect_wrk.WrkOptions(args.duration, args.connections, args.wrk_threads)
        self.servers: dict[str, tuple[subprocess.Popen, int]] = {}
        self.worker = None

    def __enter__(self):
        print(f"\n== {self.name}: {self.links} links ==", flush=True)
        try:
            if not self.args.no_worker:
                self.worker = start_worker(self.env)
            for key, (app, capture) in APPS.items():
                server_env = {**self.env, "LINKS_CAPTURE": str(capture)}
                self.servers[key] = serve(app, server_env, self.args.workers, *gunicorn_args(self.args))
            for key in ("b", "c"):
                check_redirect(self.servers[key][1], self.first_code)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for process, _port in self.servers.values():
            stop(process)
        if self.worker:
            stop(self.worker)

    def load(
        self, key: str, shape: str, duration: int | None = None
    ) -> tuple[redirect_wrk.Load, Drained | None]:
        """One wrk run on variant `key`; for c, also the clicks it stored (waiting for the drain)."""
        waiter = ClickWaiter(self.env) if key == "c" else None
        load = redirect_wrk.run(self.servers[key][1], self.env, shape, self.options, duration=duration)
        return load, self.drain(waiter, load) if waiter else None

    def drain(self, waiter: ClickWaiter, load: redirect_wrk.Load, in_flight: int = 0) -> Drained:
        return waiter.wait(
            served=load.redirects, since=time.time(), in_flight=self.args.connections + in_flight,
            timeout=self.args.drain_timeout, grace=self.args.drain_grace,
        )  # fmt: skip

    def run_shape(self, shape: str) -> Row:
        row = Row(self.name, shape)
        for key in APPS:  # warm-up: imports, connections, caches; its clicks are stored first
            self.load(key, shape, duration=WARM_UP_SECONDS)
        # The first request of each web process starts its link-cache warm-up (about 25 µs of CPU
        # a link, in a thread): let it finish before measuring, once per server.
        time.sleep(1 if self.warmed else max(1.0, self.links / 10_000))
        self.warmed = True
        for _ in range(self.args.rounds):
            for key in APPS:
                load, drained = self.load(key, shape)
                row.loads[key].append(load)
                print(f"{shape:<8} {key}  {load.describe()}", flush=True)
                if drained:
                    row.clicks.append(drained)
                    print(f"{'':<11}{drained.describe()}", flush=True)
        print(
            f"{shape:<8} b/a {row.rps('b') / row.rps('a'):.2f}  c/a {row.capture_ratio:.2f}  "
            f"p99 c/a {row.p99_factor:.2f}",
            flush=True,
        )
        return row

    def kill_check(self, shape: str) -> KillCheck:
        """Load c and SIGKILL one of its web workers half-way; every 302 answered must be a click."""
        master, port = self.servers["c"]
        waiter = ClickWaiter(self.env)
        running = redirect_wrk.start(port, self.env, shape, self.options)
        time.sleep(self.options.duration / 2)
        victim = worker_pids(master)[0]
        os.kill(victim, signal.SIGKILL)
        load = redirect_wrk.finish(running)
        drained = self.drain(waiter, load, in_flight=1)  # the killed worker's request may be a click
        workers = worker_pids(master)
        respawned = len(workers) == self.args.workers and victim not in workers
        print(f"SIGKILL worker {victim} at {self.options.duration / 2:g} s: {load.describe()}")
        print(f"{'':<11}{drained.describe()}", flush=True)
        return KillCheck(self.name, shape, load, drained, respawned)


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["embedded", "postgres", "both"], default="both")
    parser.add_argument("--shape", choices=["uniform", "zipf", "both"], default="both")
    parser.add_argument("--links", type=int, default=100_000, help="links, the same set for both shapes")
    parser.add_argument("--zipf-s", type=float, default=1.1, help="Zipf exponent of the skewed traffic")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers, for every app")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (>1: gthread)")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved a/b/c runs per shape; medians")
    parser.add_argument("--seed", type=int, default=7, help="wrk's per-thread generators start from it")
    parser.add_argument("--drain-timeout", type=float, default=30, help="seconds to wait for the clicks")
    parser.add_argument(
        "--drain-grace",
        type=float,
        default=5,
        help="seconds the app has to store clicks alone before the bench drains",
    )
    parser.add_argument("--no-kill", action="store_true", help="skip the SIGKILL check")
    parser.add_argument("--no-worker", action="store_true", help="no Celery worker beside gunicorn")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: scripts/system-deps.sh wrk")
    backends = ["embedded", "postgres"] if args.backend == "both" else [args.backend]
    shapes = ["uniform", "zipf"] if args.shape == "both" else [args.shape]
    server = f"{args.workers} sync workers" if args.threads == 1 else f"{args.workers}×{args.threads} gthread"
    traffic = " and ".join(f"Zipf s={args.zipf_s:g}" if shape == "zipf" else shape for shape in shapes)
    setup = (
        f"gunicorn {server} behind a TLS proxy (X-Forwarded-Proto: https)"
        f"{'' if args.no_worker else ' + Celery worker'}, wrk -t{args.wrk_threads} -c{args.connections} "
        f"-d{args.duration}s ×{args.rounds}, {args.links} links, {traffic} traffic over them, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start"
    )
    print(f"redirect benchmark: {setup}", flush=True)
    rows, checks = [], []
    with tempfile.TemporaryDirectory(prefix="suo-bench-") as tmp:
        for key in backends:
            if key == "postgres":
                ensure_database(PG_URL)
            with Backend(key, args, Path(tmp)) as backend:
                rows += [backend.run_shape(shape) for shape in shapes]
                if not args.no_kill:
                    checks.append(backend.kill_check(shapes[-1]))
    print(f"\n{setup}; load average {os.getloadavg()[0]:.1f} at the end\n")
    print(table(rows))
    if checks:
        print("\n" + kill_table(checks))
    print("\nissue 12's targets:\n" + verdicts(rows, checks))


if __name__ == "__main__":
    main()
