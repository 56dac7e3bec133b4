# Cuarto de Junto — `make run` and `make test` set themselves up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# Candidates in order; each is run to check its version, since a pyenv shim can exist and still fail.
PYTHON_CANDIDATES := $(PYTHON) python3.13 python3.12 \
	$(sort $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3)) \
	$(wildcard /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]) python3 python

.PHONY: help setup run run-dev bench test check lint format messages browser clean-db drill-deadline load-deadline drill-redis drill-worker drill-smtp backup restore audit

help:
	@echo "make run    – set up, migrate, load USMCA and demo data, start web + worker + beat on http://127.0.0.1:8000"
	@echo "make run-dev – the same with Django's development server instead of gunicorn (or make run ARGS=--dev)"
	@echo "make test   – set up and run the whole test suite"
	@echo "make bench  – whole pages at 20,000 positions (BENCH_ARGS=\"--dataset M\" for 100,000): table + var/bench.json"
	@echo "make check  – Django system checks, migrations up to date, ruff"
	@echo "make drill-deadline – concurrent filings against a live gunicorn; fails on any loss, duplicate or 5xx"
	@echo "make load-deadline  – locust: 300 delegates for 60 s against gunicorn with 12 workers (loopback)"
	@echo "make drill-redis | drill-worker | drill-smtp – fault drills: expected vs observed e-mails, non-zero on loss or duplicate"
	@echo "make backup DIR=path  – database (pg_dump) and attachments into a new folder, with a manifest"
	@echo "make restore DIR=path – a backup into an empty database and storage, checked against its manifest"
	@echo "make audit  – pip-audit of the installed, pinned dependencies (exceptions in .ci/pip-audit-exceptions.toml)"

$(STAMP):
	@set -e; py=""; rm -f $(VENV)/.installed-*; \
	for c in $(PYTHON_CANDIDATES); do \
		if "$$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then py="$$c"; break; fi; \
	done; \
	if [ -z "$$py" ]; then \
		echo "ERROR: no Python 3.12 or newer found (tried: $(strip $(PYTHON_CANDIDATES)))." >&2; \
		echo "Install Python 3.12+ (or run: make PYTHON=/path/to/python3.12 ...)." >&2; exit 1; \
	fi; \
	if ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then \
		echo "Creating $(VENV) with $$py ($$("$$py" --version))"; rm -rf $(VENV); "$$py" -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip; \
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"; \
	touch $@

setup: $(STAMP)

# Debian's Chromium for the browser tests (Playwright cannot download its own browsers here), and poppler's
# pdftotext, with which the export tests read the PDFs.
browser:
	@if ! command -v pdftotext >/dev/null 2>&1 && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	fi
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Debian's chromium for the browser tests..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "NOTE: chromium is not installed; browser tests will be skipped (apt-get install chromium)."; \
		fi; \
	fi

# gunicorn as in production (static files through WhiteNoise); `make run ARGS=--dev` or `make run-dev` for Django's
# development server.
run: setup
	$(PY) manage.py runall $(ARGS)

run-dev: setup
	$(PY) manage.py runall --dev $(ARGS)

# Whole pages at 20,000 positions (BENCH_ARGS="--dataset M" for 100,000) in a throwaway database kept for the next
# run; the table is printed and the JSON written to var/bench.json.
BENCH_ARGS ?= --dataset S
bench: setup
	$(PY) manage.py benchmark --reuse --json var/bench.json $(BENCH_ARGS)

# The long fuzzing runs (marker fuzz): schemathesis with 500 examples per API operation, token and mode; then the web
# forms and htmx endpoints with 1,000 Hypothesis examples each (CI runs fewer: see tests/consultations/test_fuzz_forms.py).
fuzz: setup
	$(PY) -m pytest -p no:cacheprovider -m fuzz $(PYTEST_ARGS)
	FUZZ_EXAMPLES=1000 $(PY) -m pytest -p no:cacheprovider tests/consultations/test_fuzz_forms.py $(PYTEST_ARGS)

test: setup browser
	$(PY) -m pytest $(PYTEST_ARGS)

check: setup
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Both run in a throwaway database on the configured PostgreSQL server, created and dropped by the command.
drill-deadline: setup
	$(PY) manage.py drill_deadline $(DRILL_ARGS)

load-deadline: setup
	$(PY) manage.py load_deadline $(LOAD_ARGS)

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Fault drills (tests/e2e/test_drills.py) at full size: a real worker and beat on a Redis of their own and an SMTP
# sink, stopped, restarted or killed. Each prints expected against observed e-mails and fails on any loss or duplicate.
DRILL = DRILL_SCALE=full $(PY) -m pytest -p no:cacheprovider -q -s tests/e2e/test_drills.py
drill-redis: setup
	$(DRILL) -k redis
drill-worker: setup
	$(DRILL) -k worker
drill-smtp: setup
	$(DRILL) -k smtp

# Backups (usmca/backup.py): the configured database and the private storage; DIR is a new folder.
# RESTORE_ARGS="--database-url URL --media-root PATH" restores elsewhere than the configured database and storage.
backup: setup
	@test -n "$(DIR)" || { echo "usage: make backup DIR=path/to/new/folder" >&2; exit 2; }
	$(PY) manage.py backup --to "$(DIR)"

restore: setup
	@test -n "$(DIR)" || { echo "usage: make restore DIR=path/to/backup [RESTORE_ARGS=...]" >&2; exit 2; }
	$(PY) manage.py restore --from "$(DIR)" $(RESTORE_ARGS)

# Known vulnerabilities in the installed (pinned) dependencies; each ignored advisory has a written reason.
audit: setup
	$(PY) .ci/dependency_audit.py

messages: setup
	$(PY) manage.py makemessages -l es -l en --no-obsolete --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

# Stops the embedded PostgreSQL (if running) and deletes its data.
clean-db: setup
	$(PY) -c "from pathlib import Path; from usmca import embedded; d = embedded.data_dir(Path('.')); embedded.stop(d)" || true
	rm -rf var/pgdata
