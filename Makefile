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
	$(BIN)/pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

run: install
	$(BIN)/shardline serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

# pytest exits 5 when it collects nothing; any non-zero exit fails `make test`.
test: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) tests bench/tests

# The full set: `make test` plus the long variants behind SHARDLINE_LONG_TESTS (e.g. the consumer failover run).
test-all: install
	SHARDLINE_LONG_TESTS=1 SHARDLINE_RELIABILITY=long $(BIN)/python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) tests bench/tests
	# and the whole wire suite once more against a PostgreSQL-backed server (a throwaway cluster)
	$(BIN)/python -m tests.postgres_cluster wire -n $(PYTEST_WORKERS) tests/wire

# Crash consistency, long form (issue #9): hundreds of SIGKILLs under concurrent writers, then the long fuzz and
# concurrency profiles. CRASH_KILLS and CRASH_SEED choose the campaign.
CRASH_KILLS ?= 300
CRASH_SEED ?= 20240501
.PHONY: test-crash
test-crash: install
	SHARDLINE_CRASH_KILLS=$(CRASH_KILLS) SHARDLINE_CRASH_SEED=$(CRASH_SEED) SHARDLINE_RELIABILITY=long \
		$(BIN)/python -m pytest -q -s -p no:cacheprovider tests/reliability

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
