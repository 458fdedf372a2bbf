#!/usr/bin/env bash
# Install suo the way `make run` does (runtime dependencies only, no test extras) into a venv of
# its own, start it on PostgreSQL + Redis (gunicorn, Celery worker + beat, from the Procfile) and
# run scripts/smoke.py against it through HTTP. Everything starts from a clean state: a new venv,
# a new database, an emptied Redis database. The processes it started are stopped on every exit.
#
# PostgreSQL and Redis must be up (.ci/run starts them). Names can be overridden:
#   SMOKE_DATABASE_URL  postgres://postgres@127.0.0.1:5432/suo_smoke   (dropped and created again)
#   SMOKE_REDIS_URL     redis://127.0.0.1:6379/13                      (flushed)
#   SMOKE_VENV          var/ci-runtime-venv                            (removed and created again)
#   SMOKE_PORT          a free port
set -euo pipefail
cd "$(dirname "$0")/.."

SMOKE_DATABASE_URL="${SMOKE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/suo_smoke}"
SMOKE_REDIS_URL="${SMOKE_REDIS_URL:-redis://127.0.0.1:6379/13}"
SMOKE_VENV="${SMOKE_VENV:-var/ci-runtime-venv}"
SMOKE_VAR="${SMOKE_VAR:-$PWD/var/ci-smoke}"
SMOKE_PORT="${SMOKE_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"

say() { echo "smoke: $*"; }

# --- a clean state ------------------------------------------------------------------------------
database="${SMOKE_DATABASE_URL##*/}"
server="${SMOKE_DATABASE_URL%/*}"
say "fresh database $database, Redis ${SMOKE_REDIS_URL}, venv $SMOKE_VENV (runtime dependencies only)"
psql -q "$server/postgres" -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)"
psql -q "$server/postgres" -c "CREATE DATABASE \"$database\""
redis_db="${SMOKE_REDIS_URL##*/}"
redis-cli -u "${SMOKE_REDIS_URL%/*}" -n "$redis_db" flushdb >/dev/null
rm -rf "$SMOKE_VENV" "$SMOKE_VAR"
mkdir -p "$SMOKE_VAR"

export DATABASE_URL="$SMOKE_DATABASE_URL" REDIS_URL="$SMOKE_REDIS_URL" SUO_VAR_DIR="$SMOKE_VAR"
export PORT="$SMOKE_PORT" SHORT_BASE_URL="http://127.0.0.1:$SMOKE_PORT"
unset CELERY_BROKER_URL CELERY_RESULT_BACKEND

# --- install and set up exactly as `make run` does ----------------------------------------------
make --no-print-directory VENV="$SMOKE_VENV" setup >"$SMOKE_VAR/setup.log" 2>&1 || {
  tail -n 40 "$SMOKE_VAR/setup.log" >&2
  say "FAILED: make setup (install, migrate, demo data) did not finish" >&2
  exit 1
}
installed_extras="$("$SMOKE_VENV/bin/python" -m pip list --format=freeze 2>/dev/null | grep -ciE '^(pytest|factory.boy|playwright|ruff)==' || true)"
if [ "$installed_extras" != "0" ]; then
  say "FAILED: the runtime venv has test packages in it; it must hold runtime dependencies only" >&2
  exit 1
fi
# Every module of the app imports with runtime dependencies only (catches a test-only import in
# code the flows below do not reach).
"$SMOKE_VENV/bin/python" - <<'EOF_PY' || { say "FAILED: a module needs a package that is not a runtime dependency" >&2; exit 1; }
import importlib, os, pkgutil, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suo.settings")
import django
django.setup()
failed = []
for package in ("suo", "groups", "links", "content"):
    for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        try:
            importlib.import_module(info.name)
        except Exception as exc:
            failed.append(f"{info.name}: {type(exc).__name__}: {exc}")
importlib.import_module("kombu.transport.redis")  # the broker's transport, loaded on first publish
print("\n".join(failed), file=sys.stderr)
sys.exit(1 if failed else 0)
EOF_PY
say "every module imports with runtime dependencies only"

# --- start web + worker + beat, stop them on every exit -----------------------------------------
# Job control gives the job its own process group, set by this shell before it returns (no race
# with the child), so web, worker and beat can be stopped together by the group's id.
set -m
make --no-print-directory VENV="$SMOKE_VENV" run >"$SMOKE_VAR/run.log" 2>&1 &
group=$!
set +m
stop() {
  if kill -0 -- "-$group" 2>/dev/null; then
    kill -TERM -- "-$group" 2>/dev/null || true
    for _ in $(seq 1 30); do
      kill -0 -- "-$group" 2>/dev/null || return 0
      sleep 0.5
    done
    kill -KILL -- "-$group" 2>/dev/null || true
  fi
}
show_log() {
  echo "---- last lines of the app's log ($SMOKE_VAR/run.log) ----" >&2
  tail -n 60 "$SMOKE_VAR/run.log" >&2
  echo "----" >&2
}
trap stop EXIT
trap 'exit 130' INT TERM  # so that EXIT's stop runs on Ctrl-C or a kill too

base_url="http://127.0.0.1:$SMOKE_PORT"
answers() {  # the app answers /healthz with 200
  "$SMOKE_VENV/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)' \
    "$base_url/healthz" 2>/dev/null
}
ready=""
for _ in $(seq 1 120); do
  if ! kill -0 -- "-$group" 2>/dev/null; then
    show_log
    say "FAILED: the app stopped while starting" >&2
    exit 1
  fi
  if answers; then
    ready=yes
    break
  fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  show_log
  say "FAILED: $base_url/healthz did not answer 200 within 60 s" >&2
  exit 1
fi

say "app up at $base_url (gunicorn + Celery worker with beat); running the flows"
if ! "$SMOKE_VENV/bin/python" scripts/smoke.py --base-url "$base_url"; then
  show_log
  exit 1
fi
