"""`make bench-violations`: 20 concurrent moderators logging violations through the API.

For each backend (PostgreSQL, then the embedded SQLite unless `--backend` says otherwise) it
migrates a fresh database, seeds a workspace with 20 moderators (each with an API token), a
group of 2,000 members and a rule, serves suo with gunicorn (DEBUG=False) and runs two loads:

- paced: 20 moderator threads each log at a steady rate (by default 1/s and 2.5/s each, i.e.
  20 and 50 violations/s in all; a busy desk logs one every few seconds): the latency a
  moderator sees when the server is not saturated;
- saturation: wrk keeps 20 connections busy, each request from one of the 20 moderators, for a
  random member: the most the server logs per second, and the latency when it is that loaded.

It prints violations logged per second and p50/p99 latency of each, then checks the result: every
member's steps follow the ladder in order (1, 2, 3, 3, ...) and no request failed.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.bench.harness import PYTHON, ROOT, bench_env, ensure_database, run_django, serve, stop, wrk

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/suo_bench_violations")

SEED = """
import json, sys, django
django.setup()
from django.utils import timezone
from rest_framework.authtoken.models import Token
from django.contrib.auth import get_user_model
from groups.models import Community, Member, Membership, Rule
from groups.moderation.ladders import ladder_default
from suo.models import Workspace, WorkspaceMembership
members, path = int(sys.argv[1]), sys.argv[2]
workspace = Workspace.objects.create(slug="bench", name="bench")
ladder_default(workspace)
group = Community.objects.create(workspace=workspace, name="压测群", kind="lead_gen", state="active",
                                 external_id="bench-room", member_limit=100000)
rule = Rule.objects.create(workspace=workspace, title="禁止刷屏", category="spam")
now = timezone.now()
rows = Member.objects.bulk_create(
    [Member(workspace=workspace, display_name=f"成员{i}", external_id=f"wx-{i}", first_seen_at=now)
     for i in range(members)],
    batch_size=1000,
)
ids = list(Member.objects.filter(workspace=workspace).values_list("pk", flat=True))
Membership.objects.bulk_create(
    [Membership(workspace=workspace, community=group, member_id=pk, joined_at=now, source="link")
     for pk in ids],
    batch_size=1000,
)
tokens = []
User = get_user_model()
for i in range(20):
    user = User.objects.create_user(f"moderator{i}")
    WorkspaceMembership.objects.create(workspace=workspace, user=user, role="moderator")
    tokens.append(Token.objects.create(user=user).key)
json.dump({"group": group.pk, "rule": rule.pk, "members": ids, "tokens": tokens}, open(path, "w"))
print(len(ids))
"""

CHECK = """
import django
django.setup()
from itertools import groupby
from groups.models import Violation
rows = Violation.objects.order_by("member_id", "created_at", "pk").values_list("member_id", "step")
bad = 0
total = 0
for member_id, steps in groupby(rows, key=lambda row: row[0]):
    steps = [step for _, step in steps]
    total += len(steps)
    if steps != [min(i, 3) for i in range(1, len(steps) + 1)]:
        bad += 1
print(total, bad)
"""


class Moderator(threading.Thread):
    def __init__(self, port, token, config, deadline, rate, seed, start_barrier):
        super().__init__(daemon=True)
        self.port, self.token, self.config = port, token, config
        self.deadline, self.rate, self.rng = deadline, rate, random.Random(seed)
        self.barrier = start_barrier
        self.offset = seed / 20
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        self.barrier.wait()
        # Moderators do not click in step: spread their first logs over one interval.
        started = time.perf_counter() + (self.offset / self.rate if self.rate else 0)
        sent = 0
        while True:
            if self.rate:
                due = started + sent / self.rate
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            if time.perf_counter() >= self.deadline:
                break
            body = json.dumps(
                {
                    "group": self.config["group"],
                    "member": self.rng.choice(self.config["members"]),
                    "rule": self.config["rule"],
                }
            )
            begin = time.perf_counter()
            try:
                connection.request("POST", "/api/violations/", body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                if response.status != 201:
                    self.errors.append(f"{response.status} {payload[:200]!r}")
            except OSError as exc:
                self.errors.append(repr(exc))
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            self.latencies.append(time.perf_counter() - begin)
            sent += 1
        connection.close()


def load(port, config, duration: float, rate: float | None) -> dict:
    barrier = threading.Barrier(len(config["tokens"]) + 1)
    deadline = None
    threads = []
    for index, token in enumerate(config["tokens"]):
        threads.append(Moderator(port, token, config, 0, rate, index, barrier))
    for thread in threads:
        thread.start()
    deadline = time.perf_counter() + duration
    for thread in threads:
        thread.deadline = deadline
    barrier.wait()
    begin = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - begin
    latencies = sorted(value for thread in threads for value in thread.latencies)
    errors = [error for thread in threads for error in thread.errors]

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else 0.0

    return {
        "count": len(latencies),
        "rate": len(latencies) / elapsed,
        "p50": pct(50),
        "p99": pct(99),
        "mean": statistics.fmean(latencies) * 1000 if latencies else 0.0,
        "errors": errors,
    }


def bench_backend(name: str, extra_env: dict, args, workdir: Path) -> None:
    var = workdir / name.split()[0].lower()
    var.mkdir(parents=True)
    env = bench_env(var, **extra_env)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    config_path = var / "bench.json"
    members = run_django(SEED, env, str(args.members), str(config_path))
    config = json.loads(config_path.read_text())
    print(f"\n== {name}: {members} members, 20 moderators ==", flush=True)
    threads = ["--worker-class", "gthread", "--threads", str(args.threads)] if args.threads > 1 else []
    process, port = serve("suo.wsgi:application", env, args.workers, *threads)
    lua = var / "violations.lua"
    lua.write_text(
        LUA
        % {
            "tokens": ",".join(f'"{token}"' for token in config["tokens"]),
            "members": ",".join(map(str, config["members"])),
            "group": config["group"],
            "rule": config["rule"],
        }
    )
    try:
        load(port, config, 3, 2.0)  # warm-up: imports and connections of every worker
        for rate in args.rates:
            label = f"paced ({rate:g}/s each, {rate * 20:g}/s)"
            r = load(port, config, args.duration, rate)
            print(
                f"{label:<34} {r['rate']:>6.0f} violations/s   p50 {r['p50']:6.2f} ms   "
                f"p99 {r['p99']:6.2f} ms   mean {r['mean']:6.2f} ms   logged {r['count']}   "
                f"errors {len(r['errors'])}",
                flush=True,
            )
            for error in r["errors"][:3]:
                print(f"    error: {error}")
        w = wrk(port, lua, duration=int(args.duration), connections=20)
        print(
            f"{'saturation (wrk, 20 connections)':<34} {w.rps:>6.0f} violations/s   "
            f"p50 {w.p50_ms:6.2f} ms   p99 {w.p99_ms:6.2f} ms   logged {w.requests}   "
            f"errors {w.non_3xx + w.socket_errors}",
            flush=True,
        )
    finally:
        stop(process)
    total, bad = map(int, run_django(CHECK, env).split())
    print(f"check: {total} violations; members whose steps are out of ladder order: {bad}")


LUA = """
local tokens = {%(tokens)s}
local members = {%(members)s}
math.randomseed(os.time())
request = function()
  local member = members[math.random(#members)]
  local body = string.format('{"group":%(group)d,"member":%%d,"rule":%(rule)d}', member)
  local headers = {["Content-Type"] = "application/json",
                   ["Authorization"] = "Token " .. tokens[math.random(#tokens)]}
  return wrk.format("POST", "/api/violations/", headers, body)
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument(
        "--rates",
        type=lambda text: [float(x) for x in text.split(",")],
        default=[1.0, 2.5],
        help="logs per second per moderator of the paced loads, comma-separated",
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--backend", choices=["postgres", "embedded", "both"], default="both")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: scripts/system-deps.sh wrk")
    print(
        f"violations benchmark: 20 moderators, {args.duration:g} s per load, gunicorn {args.workers} workers"
        f"{f' x {args.threads} threads' if args.threads > 1 else ' (sync)'}, {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory(prefix="suo-bench-violations-") as tmp:
        if args.backend in ("postgres", "both"):
            ensure_database(PG_URL)
            bench_backend("PostgreSQL", {"DATABASE_URL": PG_URL}, args, Path(tmp))
        if args.backend in ("embedded", "both"):
            bench_backend("SQLite (embedded)", {}, args, Path(tmp))


if __name__ == "__main__":
    main()
