# One task runner for dev chores. Every target installs what it needs itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: up status test test-browser test-fast check lint typecheck contracts fmt bench bench-against bench-e2e bench-reports openapi clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## Start the whole system locally: emulators, simulators, every function behind one port.
up: $(STAMP)
	$(PY) -m dev.up

## One screen about the running local stack: orders, cars, stuck orders, Tesla cost (ORDER=ord_… for one).
status: $(STAMP)
	$(PY) -m dev.status $(if $(ORDER),--order $(ORDER)) $(if $(LOG),--log $(LOG))

## Run every check and the whole test suite (starts and stops the emulators it needs).
## Installs Debian's Chromium first when missing and possible (the browser tests skip without it).
## Two pytest workers (pytest-xdist), each with its own local cloud; a test module stays on one
## worker. The tests mostly wait on emulators and simulators, so two halve the wall time.
test: check
	$(PY) -m dev.browser
	$(PY) -m pytest -n 2 --dist loadfile

## The web app in Chromium alone (tests/browser/); CPT_README_SCREENSHOTS=1 refreshes docs/img/.
test-browser: $(STAMP)
	$(PY) -m dev.browser --require
	$(PY) -m pytest tests/browser -q

## The pure tests alone (no emulator, no simulator, no subprocess): seconds, for the edit loop.
test-fast: $(STAMP)
	$(PY) -m pytest -m pure -q

## Static checks: lint + format, import contracts (layers, pure core), types.
check: lint contracts typecheck

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

contracts: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(STAMP)
	$(PY) -m mypy

fmt: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## Cold start per function (ratio to a bare function), then Firestore round trips per endpoint.
bench: $(STAMP)
	$(PY) -m bench.cold_start
	$(PY) -m bench.round_trips

## The same cold-start figures for this tree and REV side by side: make bench-against REV=92c9aad
bench-against: $(STAMP)
	$(PY) -m bench.cold_start --against $(REV) --runs 7

## The whole journey on the local stack: N concurrent customers, p50/p95 per endpoint, lost orders.
bench-e2e: $(STAMP)
	$(PY) -m bench.e2e

## Report generation: 10-car vs 1-car vs sequential, billed calls, PDF render, peak memory.
bench-reports: $(STAMP)
	$(PY) -m bench.report_generation

openapi: $(STAMP)
	$(PY) -m dev.openapi > docs/openapi.json

clean:
	rm -rf $(VENV) .venvs .pytest_cache .ruff_cache .mypy_cache .import_linter_cache
