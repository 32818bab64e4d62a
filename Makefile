# OpenRTCC developer commands. `make demo` sets everything up and starts the demo; `make test` runs the tests.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: setup demo serve test test-pg lint format typecheck imports check clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

demo: setup
	$(BIN)/rtcc demo

serve: setup
	$(BIN)/rtcc serve

test: setup
	$(BIN)/pytest -q

test-pg: setup
	RTCC_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check src tests tools
	$(BIN)/ruff format --check src tests tools

format: setup
	$(BIN)/ruff format src tests tools
	$(BIN)/ruff check --fix src tests tools

typecheck: setup
	$(BIN)/mypy

imports: setup
	$(BIN)/lint-imports

check: lint typecheck imports test

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
