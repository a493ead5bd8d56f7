# snop: two commands on a fresh machine.
#   make demo   set up .venv, install snop, build the demo company in ./snop.db and open it
#               in the web app on http://localhost:8000 (PORT=... to change; Ctrl+C stops)
#   make test   set up .venv with the test tools, run the linters and the whole test suite
#               (two workers, tests in a random order: the seed is printed to repeat a run)
#   make test-quick   the same without the tests marked slow (a minute or two less each)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet

.PHONY: demo test test-quick lint pytest install install-dev clean

PORT ?= 8000

demo: $(VENV)/.installed
	$(BIN)/snop demo
	$(BIN)/snop serve --port $(PORT)

test: lint pytest

PYTEST_WORKERS ?= 2

pytest: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

test-quick: lint $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not slow"

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e ".[dev]"
	touch $(VENV)/.installed $@

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
