# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run    install into .venv and run the analysis on the bundled sample
#   make test   install into .venv (with the dev extra) and run the tests
# and `make bench` runs the benchmarks (not part of the tests; see bench/RESULTS.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench lint install install-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

run: install
	$(BIN)/voc run

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install-dev
	$(BIN)/python -m bench.monitor_overhead
	$(BIN)/python -m bench.store_throughput
	$(BIN)/python -m bench.history_queries
	$(BIN)/python bench/dashboard_sse_latency.py
	$(BIN)/python bench/dashboard_api_runs.py
	$(BIN)/python -m bench.pipeline_concurrency
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.reliability
	$(BIN)/python -m bench.llm_volume
	$(BIN)/python -m bench.evaluation
