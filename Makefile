# Two entry points: `make chat` and `make test`. Both set up .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: chat test lint setup index bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: the CPU wheel lies on local disk.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

bench: setup
	$(BIN)/assistant bench

index: setup
	@$(BIN)/assistant index status >/dev/null 2>&1 || $(BIN)/assistant index build

chat: index
	$(BIN)/assistant chat

# Lint and type-check first (seconds), then the whole suite. `pytest -m "not slow"` is the fast tier.
test: lint
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf index .pytest_cache
