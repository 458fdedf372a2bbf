"""`make bench-redirect`: the public redirect under load, against a bare WSGI 302 in the same run.

For each backend (the embedded default, then PostgreSQL + Redis) it builds 100k links, serves
(a) a bare WSGI app that returns a fixed 302, (b) suo's redirect with click capture off and
(c) suo's redirect with capture on, each with the same gunicorn settings, loads each with wrk
for the same time, prints req/s and p50/p99 and the ratios b/a and c/a, then checks that the
clicks recorded equal the redirects served and measures how fast the flusher stores them.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.harness import PYTHON, ROOT, bench_env, ensure_database, run_django, serve, stop, wrk

LUA = ROOT / "tests" / "bench" / "wrk_codes.lua"
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/suo_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")

SEED = """
import random, string, sys, django
django.setup()
from links.models import Link
from suo.models import Workspace
count, path = int(sys.argv[1]), sys.argv[2]
workspace, _ = Workspace.objects.get_or_create(slug="bench", defaults={"name": "bench"})
Link.objects.filter(workspace=workspace).delete()
alphabet = string.ascii_letters + string.digits
rng = random.Random(7)
codes = list({"".join(rng.choice(alphabet) for _ in range(7)) for _ in range(count)})[:count]
Link.objects.bulk_create(
    [Link(workspace=workspace, code=c, url=f"https://example.com/p/{i}", antiblock="direct")
     for i, c in enumerate(codes)],
    batch_size=5000,
)
open(path, "w").write("\\n".join(codes))
print(len(codes))
"""

COUNT_CLICKS = """
import django; django.setup()
from links.models import Click, Link
from django.db.models import Sum
print(Click.objects.count(), Link.objects.aggregate(s=Sum("click_count"))["s"] or 0)
"""

DRAIN = """
import time, django; django.setup()
from links.capture import buffered_count, flush_click_buffer
pending = buffered_count()
started = time.perf_counter()
stored = 0
while buffered_count():
    stored += flush_click_buffer(batch_size=2000, max_batches=1000)
elapsed = time.perf_counter() - started
print(pending, stored, f"{elapsed:.3f}")
"""


def bench_backend(name: str, extra_env: dict, args, workdir: Path) -> dict:
    var = workdir / re.sub(r"[^a-z]+", "-", name.lower()).strip("-")
    var.mkdir(parents=True)
    env = bench_env(var, LINKS_TRUSTED_PROXIES="1", CODES_FILE=str(var / "codes.txt"), **extra_env)
    if "REDIS_URL" in extra_env:
        import redis

        redis.Redis.from_url(extra_env["REDIS_URL"]).flushdb()
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    links = run_django(SEED, env, str(args.links), str(var / "codes.txt"))
    print(f"\n== {name}: {links} links ==", flush=True)

    results = {}
    for label, app, capture in [
        ("a bare WSGI 302", "tests.bench.bare_wsgi:application", True),
        ("b suo, no capture", "suo.wsgi:application", False),
        ("c suo, capture", "suo.wsgi:application", True),
    ]:
        server_env = {**env, "LINKS_CAPTURE": str(capture)}
        process, port = serve(app, server_env, args.workers, "--worker-class", "sync")
        try:
            wrk(
                port, LUA, duration=2, connections=args.connections, env=env
            )  # warm-up: imports, connections, caches
            time.sleep(1)  # let the server finish what the warm-up left queued
            if label.startswith("c"):
                run_django(_RESET_CLICKS, env)
            results[label] = wrk(port, LUA, duration=args.duration, connections=args.connections, env=env)
        finally:
            stop(process)
        r = results[label]
        print(
            f"{label:<20} {r.rps:>9.0f} req/s   p50 {r.p50_ms:6.2f} ms   p99 {r.p99_ms:6.2f} ms   "
            f"requests {r.requests}  non-3xx {r.non_3xx}  socket errors {r.socket_errors}",
            flush=True,
        )

    a, b, c = (results[k] for k in ("a bare WSGI 302", "b suo, no capture", "c suo, capture"))
    served = c.requests - c.non_3xx
    drain = None
    if "REDIS_URL" in extra_env:
        pending, stored, seconds = run_django(DRAIN, env).split()
        drain = (int(pending), int(stored), float(seconds))
    clicks, counted = map(int, run_django(COUNT_CLICKS, env).split())
    print(
        f"ratio b/a {b.rps / a.rps:.2f}   ratio c/a {c.rps / a.rps:.2f}   p99 c/a {c.p99_ms / a.p99_ms:.2f}"
    )
    # wrk stops with up to one request per connection still in the server: those are served and
    # counted but never reported back to wrk, so clicks may exceed the responses wrk completed.
    print(
        f"redirects completed (c) {served}   clicks recorded {clicks}   link counters {counted}   "
        f"lost {max(0, served - clicks)}   in flight at stop {max(0, clicks - served)} "
        f"(at most {args.connections}, one per connection)"
    )
    if drain:
        pending, stored, seconds = drain
        print(
            f"flusher: {stored} clicks stored in {seconds:.2f} s = {stored / max(seconds, 1e-9):.0f} clicks/s"
        )
    return {"a": a, "b": b, "c": c, "served": served, "clicks": clicks, "drain": drain}


_RESET_CLICKS = """
import django; django.setup()
from django.conf import settings
from links.capture import redis_client
from links.models import Click, Link
if settings.LINKS_CLICK_BUFFER == "redis":
    redis_client().delete(settings.LINKS_BUFFER_KEY)  # warm-up visits are not part of the run
Click.objects.all().delete(); Link.objects.update(click_count=0, unique_click_count=0)
print("ok")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    # gunicorn's advice, 2 × cores + 1, for every app alike.
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--backend", choices=["embedded", "postgres", "both"], default="both")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: scripts/system-deps.sh wrk")
    print(
        f"redirect benchmark: {args.links} links, wrk -t2 -c{args.connections} -d{args.duration}s, "
        f"gunicorn {args.workers} sync workers, {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory(prefix="suo-bench-") as tmp:
        if args.backend in ("embedded", "both"):
            bench_backend("embedded (SQLite, direct writes)", {}, args, Path(tmp))
        if args.backend in ("postgres", "both"):
            ensure_database(PG_URL)
            bench_backend(
                "PostgreSQL + Redis buffer", {"DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL}, args, Path(tmp)
            )


if __name__ == "__main__":
    main()
