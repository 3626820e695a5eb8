# Soirée: `make run` plays the demo night on the console; `make test` runs every check.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
ARGS   ?=

.PHONY: run test lint typecheck pytest bench bench-all clean demo-reset examples

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Soirée needs Python 3.11+")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.dev-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps  ## run the bot (demo night on the console without tokens)
	$(BIN)/soiree run $(ARGS)

test: lint typecheck pytest  ## install what the tests need, then lint, type-check and test

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check bot tests bench docs
	$(BIN)/ruff format --check bot tests bench docs

typecheck: $(VENV)/.dev-deps
	$(BIN)/mypy

pytest: $(VENV)/.dev-deps
	$(BIN)/python -m pytest $(ARGS)

bench: bench-all  ## every benchmark of README "Performance" (about 45 minutes)

bench-all: $(VENV)/.dev-deps  ## P1 latency, P2 parse cost, P3 fan-out, P4 memory, P5 idle poll, P6 commands, failover
	$(BIN)/python -m bench.parse_cost
	$(BIN)/python -m bench.idle_poll
	$(BIN)/python -m bench.latency --only national --store both
	$(BIN)/python -m bench.latency --only national --store both --charts off
	$(BIN)/python -m bench.latency --only ministry
	$(BIN)/python -m bench.latency --only ministry --charts off
	$(BIN)/python -m bench.fanout
	$(BIN)/python -m bench.memory
	$(BIN)/python -m bench.memory --charts off
	$(BIN)/python -m bench.charts
	$(BIN)/python -m bench.stop
	$(BIN)/python -m bench.commands
	$(BIN)/python -m bench.failover

examples: $(VENV)/.run-deps  ## render the README's example images from the demo night
	$(BIN)/python docs/examples.py

demo-reset:  ## forget the demo night so `make run` plays it again
	rm -rf var/demo.db var/demo.db-wal var/demo.db-shm var/charts

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
