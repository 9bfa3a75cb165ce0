# Two commands matter: `make run` (demo on http://127.0.0.1:8000) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_PASSWORD ?= KonTum@2026
export DEMO_PASSWORD
# `make test` runs the suite in this many processes (pytest-xdist), each with its own test database, browser and
# live server; 0 runs it in one process.
TEST_WORKERS ?= 2

.PHONY: run test install system-deps messages lint bench loadtest clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## Debian packages for browser tests, translations and PDF fonts (only when missing; needs root).
system-deps:
	@./scripts/install-system-deps

## Compiles every catalogue of LOCALE_PATHS: the project's (locale/) and the third-party apps' (locale_vendor/,
## written by scripts/vendor_messages.py; never run makemessages there).
messages: $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv -v0

run: $(STAMP) messages
	DEBUG=true $(PY) manage.py migrate --no-input -v0
	DEBUG=true $(PY) manage.py load_divisions
	DEBUG=true $(PY) manage.py seed_demo
	@echo ""
	@echo "  Demo: http://127.0.0.1:8000  users admin, clerk, district_clerk, committee; password: $(DEMO_PASSWORD)"
	@echo ""
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP) system-deps messages
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -n $(TEST_WORKERS)

## National-scale benchmark on PostgreSQL (see docs/performance.md).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rollout_bench
bench: $(STAMP)
	@createdb -h 127.0.0.1 -U postgres $(notdir $(BENCH_DATABASE_URL)) 2>/dev/null || true
	DATABASE_URL=$(BENCH_DATABASE_URL) DEBUG=true $(PY) manage.py migrate --no-input -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) DEBUG=true $(PY) manage.py seed_national
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) scripts/bench.py

## Load test on the same national data (docs/performance.md): locust, headless on the loopback, against gunicorn;
## LOAD_USERS (50) users for LOAD_SECONDS (60) s, then the database rules. Installs locust (the [load] extra) here only.
LOAD_USERS ?= 50
LOAD_SECONDS ?= 60
loadtest: $(STAMP)
	$(PY) -m pip install --quiet -e ".[load]"
	@createdb -h 127.0.0.1 -U postgres $(notdir $(BENCH_DATABASE_URL)) 2>/dev/null || true
	DATABASE_URL=$(BENCH_DATABASE_URL) DEBUG=true $(PY) manage.py migrate --no-input -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) DEBUG=true $(PY) manage.py seed_national
	DATABASE_URL=$(BENCH_DATABASE_URL) LOAD_USERS=$(LOAD_USERS) LOAD_SECONDS=$(LOAD_SECONDS) \
		PY=$(PY) LOCUST=$(VENV)/bin/locust ./scripts/loadtest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) db.sqlite3 .test-media .pytest_cache
