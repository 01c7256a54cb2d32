# Machi: the two set-up commands of the README live here, with every install step they need.
#   make run   - install, then run the product (backend on the embedded defaults, serving the static web app)
#   make test  - install, then run every test suite (what .ci/run calls)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test install system-deps lint test-unit test-postgres test-clock test-e2e bench

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python >= 3.11 is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[app,backend,dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests need: Chromium for Playwright, CJK fonts for screenshots, libfaketime
# for the backend suite on a fixed clock (test-clock), libzbar0 for pyzbar (the phones' slip decoder).
DEBS := chromium fonts-noto-cjk faketime libzbar0
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v faketime >/dev/null || ! /sbin/ldconfig -p | grep -q libzbar.so.0; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBS) >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBS) >/dev/null; fi; \
	fi

run: install
	$(VENV)/bin/machi up

test: install system-deps lint test-unit test-postgres test-clock test-e2e

# Lint rules are chosen in pyproject.toml ([tool.ruff.lint]); ruff itself is pinned in the dev extra.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test-unit: install
	$(PY) -m pytest -q -p no:cacheprovider tests --ignore=tests/e2e

# The backend suite again, on PostgreSQL (each run in its own schema, dropped afterwards).
test-postgres: install
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@if [ -d tests/backend ]; then MACHI_TEST_DATABASE_URL=$(PG_URL) $(PY) -m pytest -q -p no:cacheprovider tests/backend; fi

# The backend suite once more as if it were Tuesday 2026-11-24, 20:00 in Matsusaka (a collection
# day tomorrow): reminders the API plans on the real clock must not leak into tests that set their
# own NOW.  FAKETIME_DONT_RESET: child processes (machi deliver) go on from the same clock.
test-clock: install system-deps
	@if [ -d tests/backend ]; then FAKETIME_DONT_RESET=1 faketime -f "@2026-11-24 11:00:00" $(PY) -m pytest -q -p no:cacheprovider tests/backend; fi

test-e2e: install system-deps
	npm ci --no-audit --no-fund --silent  # axe-core for the accessibility checks (package.json)
	$(VENV)/bin/machi app build-web --out build/web-test --today 2014-05-08  # tests/e2e/test_static.py (kept while unchanged)
	@if [ -d tests/e2e ]; then $(PY) -m pytest -q -p no:cacheprovider tests/e2e; fi

bench: install
	$(PY) -m benchmarks.garbage.bench
	$(PY) -m benchmarks.push.bench --db both
	$(PY) -m benchmarks.app.bench_app --runs 5
	$(PY) -m benchmarks.alerts.bench --db postgresql --processes 3
	$(PY) -m benchmarks.payslip.bench
