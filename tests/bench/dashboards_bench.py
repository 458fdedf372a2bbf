"""`make bench-dashboards`: the dashboards' queries on 1,000,000 memberships over 52 weeks.

Makes a scratch PostgreSQL database (BENCH_DATABASE_URL, default the local server's
`suo_bench_dashboards`), migrates it, runs `manage.py bench_dashboards` there (extra arguments are
passed on, e.g. `--memberships 200000`), then drops it; with `--keep` the database stays, and
`--reuse` runs on it again without building the data.
"""

import os
import subprocess
import sys

import psycopg

from tests.bench.harness import PYTHON, ROOT, bench_env, ensure_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/suo_bench_dashboards"


def _server(url: str):
    return psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True)


def main(argv: list[str]) -> int:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    name = url.rsplit("/", 1)[1]
    with _server(url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if "--reuse" not in argv or not exists:
        ensure_database(url)
    try:
        env = bench_env(ROOT / "var", DATABASE_URL=url)  # the plans are kept in var/bench/
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        command = [PYTHON, "manage.py", "bench_dashboards", *argv]
        return subprocess.run(command, cwd=ROOT, env=env).returncode
    finally:
        if "--keep" not in argv:  # with --keep, the database stays for a later --reuse
            with _server(url) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
