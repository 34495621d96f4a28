# shardline: `make run` starts a server on 127.0.0.1:8000 (data in ./data); `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
DATA_DIR ?= ./data
PYTEST_WORKERS ?= 2

.PHONY: install run test test-all lint bench docs clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/shardline serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

# pytest exits 5 when it collects nothing; any non-zero exit fails `make test`.
test: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) tests

test-all: test

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy

# Benchmarks (issue #8): peers install into .bench/ (git-ignored); both write docs/benchmarks.md and the chart.
bench: install
	$(BIN)/python -m bench.harness --command "make bench"

.PHONY: bench-quick
bench-quick: install
	$(BIN)/python -m bench.harness --quick --command "make bench-quick"

docs: install
	$(BIN)/python scripts/compatibility.py > docs/compatibility.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
