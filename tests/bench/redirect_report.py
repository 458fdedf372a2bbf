"""The redirect benchmark's results: one row per backend × traffic shape, a Markdown table, targets."""

import statistics
from dataclasses import dataclass, field

from tests.bench.redirect_clicks import Drained
from tests.bench.redirect_wrk import Load

MIN_CAPTURE_RATIO = 0.45  # issue 12: redirect + capture ≥ 0.45× the bare 302
MAX_P99_FACTOR = 2.0  # and its p99 ≤ 2× the bare 302's


@dataclass
class Row:
    backend: str
    shape: str
    loads: dict[str, list[Load]] = field(default_factory=lambda: {"a": [], "b": [], "c": []})
    clicks: list[Drained] = field(default_factory=list)

    def rps(self, key: str) -> float:
        return statistics.median(load.rps for load in self.loads[key])

    def p50(self, key: str) -> float:
        return statistics.median(load.p50_ms for load in self.loads[key])

    def p99(self, key: str) -> float:
        return statistics.median(load.p99_ms for load in self.loads[key])

    @property
    def capture_ratio(self) -> float:
        return self.rps("c") / self.rps("a")

    @property
    def p99_factor(self) -> float:
        return self.p99("c") / self.p99("a")

    @property
    def clicks_exact(self) -> bool:
        return bool(self.clicks) and all(drained.exact for drained in self.clicks)

    def misses(self) -> list[str]:
        """The targets this row does not meet, by name."""
        missed = []
        if self.capture_ratio < MIN_CAPTURE_RATIO:
            missed.append(f"c/a < {MIN_CAPTURE_RATIO}")
        if self.p99_factor > MAX_P99_FACTOR:
            missed.append(f"p99 c > {MAX_P99_FACTOR:g}× a")
        if not self.clicks_exact:
            missed.append("clicks")
        if any(load.other_3xx or load.other for loads in self.loads.values() for load in loads):
            missed.append("answers other than 302")
        return missed

    def clicks_cell(self) -> str:
        recorded = sum(drained.clicks for drained in self.clicks)
        served = sum(drained.served for drained in self.clicks)
        slowest = max((drained.seconds for drained in self.clicks), default=0.0)
        helped = " bench-drained" if any(d.drained_by == "bench" for d in self.clicks) else ""
        return f"{recorded}/{served} {'exact' if self.clicks_exact else 'NOT exact'}, {slowest:.1f} s{helped}"


@dataclass
class KillCheck:
    backend: str
    shape: str
    load: Load
    drained: Drained
    respawned: bool


HEADER = (
    "| backend | shape | a req/s | b req/s | c req/s | b/a | c/a | p50 a/c ms | p99 a/c ms | p99 c/a "
    "| clicks recorded/served, stored after | targets |"
)


def table(rows: list[Row]) -> str:
    lines = [HEADER, "|" + "---|" * (HEADER.count("|") - 1)]
    for r in rows:
        misses = r.misses()
        lines.append(
            f"| {r.backend} | {r.shape} | {r.rps('a'):.0f} | {r.rps('b'):.0f} | {r.rps('c'):.0f} "
            f"| {r.rps('b') / r.rps('a'):.2f} | {r.capture_ratio:.2f} "
            f"| {r.p50('a'):.1f} / {r.p50('c'):.1f} | {r.p99('a'):.1f} / {r.p99('c'):.1f} "
            f"| {r.p99_factor:.2f} "
            f"| {r.clicks_cell()} | {'met' if not misses else 'not met: ' + ', '.join(misses)} |"
        )
    return "\n".join(lines)


def kill_table(checks: list[KillCheck]) -> str:
    lines = [
        "| backend | shape | SIGKILL of a web worker mid-run: 302s served | clicks recorded "
        "| errors seen by wrk | worker respawned | no click lost |",
        "|---|---|---|---|---|---|---|",
    ]
    for k in checks:
        errors = sum(k.load.errors.values())
        lines.append(
            f"| {k.backend} | {k.shape} | {k.drained.served} | {k.drained.clicks} | {errors} "
            f"| {'yes' if k.respawned else 'no'} | {'met' if k.drained.exact else 'not met'} |"
        )
    return "\n".join(lines)


def verdicts(rows: list[Row], checks: list[KillCheck]) -> str:
    capture = all(r.capture_ratio >= MIN_CAPTURE_RATIO for r in rows)
    p99 = all(r.p99_factor <= MAX_P99_FACTOR for r in rows)
    clicks = all(r.clicks_exact for r in rows) and all(k.drained.exact for k in checks)
    say = {True: "met", False: "not met"}
    return "\n".join(
        [
            f"- redirect + capture ≥ {MIN_CAPTURE_RATIO}× the bare 302 (all rows): {say[capture]}",
            f"- p99 of redirect + capture ≤ {MAX_P99_FACTOR:g}× the bare 302's: {say[p99]}",
            f"- clicks recorded = 302s served (± in flight), also after a worker SIGKILL: {say[clicks]}",
        ]
    )
