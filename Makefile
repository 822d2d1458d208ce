# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run    install into .venv and run the analysis on the bundled sample
#   make test   install into .venv (with the dev extra), Phoenix beside it, and run the tests
# and `make bench` runs the benchmarks (not part of the tests; see bench/RESULTS.md).
# `make phoenix` puts Arize Phoenix in a virtual environment of its own (its pins are not
# ours) for the trace test, tests/test_traces_phoenix.py; `make test` does it.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PHOENIX_VENV := .venv-phoenix

.PHONY: run test bench lint install install-dev phoenix

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

phoenix: $(PHOENIX_VENV)/bin/phoenix

$(PHOENIX_VENV)/bin/phoenix:
	$(PYTHON) -m venv $(PHOENIX_VENV)
	$(PHOENIX_VENV)/bin/pip install --quiet --upgrade pip
	$(PHOENIX_VENV)/bin/pip install --quiet arize-phoenix==20.26.1

run: install
	$(BIN)/voc run

test: install-dev phoenix
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install-dev
	$(BIN)/python -m bench.monitor_overhead
	$(BIN)/python -m bench.trace_export
	$(BIN)/python -m bench.store_throughput
	$(BIN)/python -m bench.history_queries
	$(BIN)/python bench/dashboard_sse_latency.py
	$(BIN)/python bench/dashboard_api_runs.py
	$(BIN)/python -m bench.pipeline_concurrency
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.reliability
	$(BIN)/python -m bench.llm_volume
	$(BIN)/python -m bench.evaluation
