"""The redirect benchmark's steps inside Django: the links it loads and the clicks they record.

Each step runs in a fresh interpreter with the run's environment (harness.run_django), so the
benchmark itself imports nothing of suo and works before and after changes to the capture.
"""

import os
import subprocess
import sys
from dataclasses import dataclass

from tests.bench.harness import PYTHON, ROOT, run_django

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
codes = list(dict.fromkeys("".join(rng.choice(alphabet) for _ in range(7)) for _ in range(count)))
Link.objects.bulk_create(
    [Link(workspace=workspace, code=c, url=f"https://example.com/p/{i}", antiblock="direct")
     for i, c in enumerate(codes)],
    batch_size=5000,
)
open(path, "w").write("\\n".join(codes))
print(len(codes))
"""

# Started before a load run: prints the clicks stored so far, then reads from stdin the 302s that
# the run served, the time wrk stopped, a timeout and a grace period; waits (polling) until as many
# more clicks are stored. Whatever drains visits into the database (a Celery beat task, the web
# workers' own drain) has `grace` s to do it alone; after that the bench lends a hand with the
# drain functions it finds (BENCH_DRAIN_HOOKS, module:function, each called without arguments
# where it exists; empty: none) and says so. Prints: clicks, link counters, seconds after wrk, who drained.
WAIT = """
import importlib, os, sys, time, django
django.setup()
from django.db.models import Sum
from links.models import Click, Link
def counts():
    return Click.objects.count(), Link.objects.aggregate(s=Sum("click_count"))["s"] or 0
hooks = []
for name in filter(None, os.environ.get("BENCH_DRAIN_HOOKS", "").replace(" ", "").split(",")):
    module, _, function = name.partition(":")
    try:
        hooks.append(getattr(importlib.import_module(module), function))
    except (ImportError, AttributeError):
        pass
clicks_before, counted_before = counts()
print(clicks_before, counted_before, flush=True)
served, since, timeout, grace = map(float, sys.stdin.readline().split())
drained_by = "app"
while True:
    clicks, counted = counts()
    elapsed = time.time() - since
    if (clicks >= clicks_before + served and counted >= counted_before + served) or elapsed > timeout:
        break
    if elapsed > grace:
        for hook in list(hooks):
            try:
                if hook():  # it stored visits that the app had not stored yet
                    drained_by = "bench"
            except Exception as error:  # not for this backend (e.g. the Redis flush on SQLite)
                print(f"{hook.__module__}.{hook.__name__}: {error!r}", file=sys.stderr)
                hooks.remove(hook)
    time.sleep(0.05)
time.sleep(0.5)  # what was in flight when wrk stopped: recorded, but never reported to wrk
clicks, counted = counts()
print(clicks - clicks_before, counted - counted_before, f"{elapsed:.2f}", drained_by)
"""

DEFAULT_HOOKS = ",".join(
    [
        "links.tasks:flush_clicks",  # what beat runs every second: the Redis buffer or the spool
        "links.spool:drain",  # the embedded spool's drain, where it exists
        "links.capture:flush_click_buffer",  # the Redis buffer's flush (fails on SQLite: dropped)
    ]
)


@dataclass
class Drained:
    """The clicks stored for one load run, compared with the 302s wrk received."""

    served: int
    clicks: int
    counted: int  # the links' click_count, which must agree with the Click rows
    seconds: float  # from wrk's end until the clicks were all stored
    drained_by: str  # "app": its own flusher did it; "bench": only once the bench called a drain
    in_flight: int  # at most one request per connection may be served after wrk stopped counting

    @property
    def exact(self) -> bool:
        return self.served <= self.clicks <= self.served + self.in_flight and self.counted == self.clicks

    def describe(self) -> str:
        verdict = "exact" if self.exact else "NOT EXACT"
        extra = self.clicks - self.served
        return (
            f"clicks {self.clicks} / 302s {self.served} ({extra:+d}; counters {self.counted}) {verdict}, "
            f"stored {self.seconds:.1f} s after the load"
            + (" (bench drained)" if self.drained_by == "bench" else "")
        )


def seed(env: dict, links: int, codes_file: str) -> int:
    return int(run_django(SEED, env, str(links), codes_file))


class ClickWaiter:
    """Counts the clicks stored before a load run (create it first), then waits for the run's."""

    def __init__(self, env: dict):
        hooks = os.environ.get("BENCH_DRAIN_HOOKS", DEFAULT_HOOKS)
        self.process = subprocess.Popen(
            [PYTHON, "-c", WAIT], cwd=ROOT, env={**env, "BENCH_DRAIN_HOOKS": hooks},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        if not self.process.stdout.readline():  # the counts before the run: Django is up
            sys.exit(f"bench step failed:\n{self.process.communicate()[1][-3000:]}")

    def wait(self, *, served: int, since: float, in_flight: int, timeout: float, grace: float) -> Drained:
        """Wait until `served` more clicks are stored than before the run; what the run stored."""
        out, errors = self.process.communicate(f"{served} {since} {timeout} {grace}\n")
        if self.process.returncode:
            sys.exit(f"bench step failed:\n{errors[-3000:]}")
        clicks, counted, seconds, drained_by = out.strip().splitlines()[-1].split()
        return Drained(served, int(clicks), int(counted), float(seconds), drained_by, in_flight)
