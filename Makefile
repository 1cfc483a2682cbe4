PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make demo` installs only what buzzstock needs to run; `make test` adds the dev tools.
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PIP := $(BIN)/pip install --disable-pip-version-check --progress-bar on

.PHONY: demo test lint typecheck bench clean

$(BIN)/python:
	@echo "==> creating $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> installing buzzstock and what it needs to run into $(VENV) (a minute or two the first time)"
	$(PIP) -e .
	touch $(STAMP)

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	@echo "==> installing buzzstock with its dev tools into $(VENV) (a minute or two the first time)"
	$(PIP) -e '.[dev]'
	touch $(STAMP) $(DEV_STAMP)

demo: $(STAMP)
	$(BIN)/buzzstock demo

test: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/stock.py

clean:
	rm -rf $(VENV) build *.egg-info
