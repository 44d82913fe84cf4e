# One task runner for dev chores. Every target installs what it needs itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: up test lint fmt bench bench-reports openapi clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## Start the whole system locally: emulators, simulators, every function behind one port.
up: $(STAMP)
	$(PY) -m dev.up

## Run the whole test suite (starts and stops the emulators it needs).
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

fmt: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(STAMP)
	$(PY) -m bench.cold_start

## Report generation: 10-car vs 1-car vs sequential, billed calls, PDF render, peak memory.
bench-reports: $(STAMP)
	$(PY) -m bench.report_generation

openapi: $(STAMP)
	$(PY) -m dev.openapi > docs/openapi.json

clean:
	rm -rf $(VENV) .venvs .pytest_cache .ruff_cache
