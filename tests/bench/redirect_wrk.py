"""wrk driven by wrk_codes.lua: one load run over the short links, read back from its result line."""

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).with_name("wrk_codes.lua")


@dataclass
class Load:
    """What wrk saw in one run: throughput, latency percentiles and the responses by status."""

    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    redirects: int  # 302 responses: the redirects served, each of which must be a recorded click
    other_3xx: int  # e.g. a 301 to https: the TLS-proxy setup is wrong
    other: int
    errors: dict

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def describe(self) -> str:
        errors = " ".join(f"{k} {v}" for k, v in self.errors.items() if v)
        return (
            f"{self.rps:>8.0f} req/s  p50 {self.p50_ms:7.2f} ms  p99 {self.p99_ms:7.2f} ms  "
            f"302s {self.redirects}  other 3xx {self.other_3xx}  other {self.other}"
            + (f"  errors: {errors}" if errors else "")
        )


@dataclass
class WrkOptions:
    duration: int
    connections: int
    threads: int


def parse(output: str) -> Load:
    line = re.search(r"^BENCH_RESULT (.*)$", output, re.M)
    if not line:
        sys.exit(f"wrk printed no result line:\n{output[-2000:]}")
    v = {key: int(value) for key, value in (pair.split("=") for pair in line.group(1).split())}
    return Load(
        requests=v["requests"],
        seconds=v["duration_us"] / 1e6,
        p50_ms=v["p50_us"] / 1000,
        p90_ms=v["p90_us"] / 1000,
        p99_ms=v["p99_us"] / 1000,
        max_ms=v["max_us"] / 1000,
        redirects=v["s302"],
        other_3xx=v["s3xx"],
        other=v["other"],
        errors={k: v[k] for k in ("connect", "read", "write", "status", "timeout")},
    )


def start(
    port: int, env: dict, shape: str, options: WrkOptions, *, duration: int | None = None
) -> subprocess.Popen:
    """wrk running in the background against 127.0.0.1:`port`; `finish` reads its result."""
    seconds = duration or options.duration
    command = ["wrk", f"-t{options.threads}", f"-c{options.connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(LUA), f"http://127.0.0.1:{port}"]  # fmt: skip
    return subprocess.Popen(
        command, env={**env, "BENCH_SHAPE": shape}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen) -> Load:
    output, errors = process.communicate()
    if process.returncode:
        sys.exit(f"wrk failed ({process.returncode}): {errors[-2000:]}")
    return parse(output)


def run(port: int, env: dict, shape: str, options: WrkOptions, *, duration: int | None = None) -> Load:
    return finish(start(port, env, shape, options, duration=duration))
