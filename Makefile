# suo: `make run` sets up and runs everything on the embedded defaults; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# The Procfile starts $(VENV)'s gunicorn and celery, so another venv (e.g. CI's runtime-only one) works.
export VENV
PORT ?= 8000
export PORT
export SHORT_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run setup test smoke typecheck typecheck-baseline lint messages bench bench-redirect bench-violations bench-qr bench-dashboards node clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

# The chart library (Apache ECharts) comes from the npm registry: `npm ci` on package-lock.json, then
# the built file and its licence are copied into static/vendor/ (gitignored). Needs Node.js + npm.
VENDOR_JS := static/vendor/echarts/echarts.min.js

$(VENDOR_JS): package.json package-lock.json scripts/vendor-static.sh
	./scripts/vendor-static.sh

node: $(VENDOR_JS)

setup: $(VENV)/.installed $(VENDOR_JS)
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo

run: setup
	@echo ""
	@echo "  suo is starting: admin  http://127.0.0.1:$(PORT)/admin/   API docs  http://127.0.0.1:$(PORT)/api/docs/"
	@echo "  Log in with a demo login above. Ctrl-C stops the web server, the worker and beat."
	@echo ""
	$(BIN)/honcho start -f Procfile -p $(PORT)

# mypy with the Django and DRF plugins; errors already in mypy-baseline.txt pass, a new one fails.
# After fixing some: `make typecheck-baseline` shrinks the baseline.
typecheck: $(VENV)/.installed-test
	$(BIN)/mypy suo groups links content | $(BIN)/mypy-baseline filter --no-colors

typecheck-baseline: $(VENV)/.installed-test
	$(BIN)/mypy suo groups links content | $(BIN)/mypy-baseline sync

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(VENV)/.installed-test $(VENDOR_JS)
	./scripts/system-deps.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory typecheck
	SUO_VAR_DIR=$(CURDIR)/var/test $(BIN)/pytest -n 2 $(PYTEST_ARGS)

# A runtime-only install (no test extras) in its own venv, started on PostgreSQL + Redis with its
# worker and beat, then the main flows through HTTP (scripts/ci-smoke.sh; .ci/run runs it).
smoke:
	./scripts/ci-smoke.sh

# Refresh the zh-hans catalogue after adding strings, translate, then compile.
messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages -l zh_Hans --no-location --no-obsolete \
		--ignore=.venv --ignore=var --ignore=tests --ignore=build
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv --ignore=var

# The public redirect under load behind a TLS proxy, uniform and Zipf-skewed traffic: bare WSGI 302
# vs suo without and with click capture, on the embedded default and on PostgreSQL + Redis, the
# clicks stored vs the 302s served (also after a worker SIGKILL), a Markdown table and issue 12's
# targets (see tests/bench/redirect_bench.py; BENCH_ARGS="--help" lists the options).
bench-redirect: $(VENV)/.installed-test
	./scripts/system-deps.sh wrk
	$(BIN)/python -m tests.bench.redirect_bench $(BENCH_ARGS)


# 20 concurrent moderators logging violations through the API (PostgreSQL, then SQLite).
bench-violations: $(VENV)/.installed-test
	$(BIN)/python -m tests.bench.violations_bench $(BENCH_ARGS)

# QR upload decoding: time per picture (median, p95) on the generated test set, and the bad inputs.
bench-qr: $(VENV)/.installed-test
	$(BIN)/python -m tests.bench.qr_decode_bench

# The dashboards' queries on 1,000,000 memberships over 52 weeks in PostgreSQL (BENCH_DATABASE_URL,
# default: a scratch database on the local server; dropped afterwards unless --keep).
bench-dashboards: $(VENV)/.installed-test
	$(BIN)/python -m tests.bench.dashboards_bench $(BENCH_ARGS)

# Every benchmark, one after the other.
bench: bench-redirect bench-violations bench-qr bench-dashboards

clean:
	rm -rf var/test .pytest_cache
