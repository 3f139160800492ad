# Parley: `make run` starts a server with its defaults; `make test` runs every test;
# `make cluster` starts a local cluster to try.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: run test lint deps irctest clean cluster

$(BIN)/parley-server: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[speed,push,lan]'
	@touch $@

$(VENV)/.dev: $(BIN)/parley-server
	$(BIN)/pip install --quiet -e '.[speed,push,lan,cluster,dev]'
	@touch $@

run: $(BIN)/parley-server
	$(BIN)/parley-server $(ARGS)

# A local cluster to try: 3 NATS servers and 3 Parley nodes on loopback, data in .cluster/
# (scripts/cluster --help); Ctrl+C stops them all.
cluster: $(VENV)/.dev
	$(BIN)/python scripts/cluster $(ARGS)

deps:
	scripts/test-deps

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# Two workers, the two cores CI has: every test waits on conditions, never on time.
test: $(VENV)/.dev deps lint
	$(BIN)/pytest -q -n 2

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
