# Parley — `make run` serves the demo on http://127.0.0.1:5000, `make test` runs everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
FRONTEND_STAMP := frontend/node_modules/.installed-$(shell cat frontend/package-lock.json 2>/dev/null | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install frontend run test lint typecheck pytest jstest bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@rm -f $(VENV)/.installed-*
	@touch $@

frontend: $(FRONTEND_STAMP) frontend/static/dist/parley.js

$(FRONTEND_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@rm -f frontend/node_modules/.installed-*
	@touch $@

frontend/static/dist/parley.js: $(FRONTEND_STAMP) $(shell find frontend/src -type f 2>/dev/null)
	cd frontend && npm run --silent build

run: install frontend
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/parley serve --demo

test: install frontend lint typecheck jstest pytest

lint:
	$(VENV)/bin/ruff check akn server config tests bench

typecheck:
	$(VENV)/bin/mypy

jstest: frontend
	cd frontend && npm test --silent

pytest:
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

bench: install
	$(PY) -m pip install --quiet -e ".[test,bench]"
	@for script in bench/bench_*.py; do echo "== $$script"; RATELIMIT_ENABLED=false $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) frontend/node_modules frontend/static/dist .pytest_cache .mypy_cache .ruff_cache

# Two single-worker gunicorn processes on ports 5001/5002, Redis queue, PostgreSQL from DATABASE_URL.
cluster: install
	./deploy/cluster.sh

# Known vulnerabilities in the installed dependencies. pip-audit needs PyPI's JSON API or OSV, which CI machines
# here cannot reach (only the package index), so this target is run by hand where they can; ruff's S rules run in
# `make lint` everywhere.
audit: install
	$(VENV)/bin/pip-audit --strict --skip-editable --progress-spinner off
	$(VENV)/bin/ruff check --select S akn server config
