# OpenRTCC developer commands. `make demo` sets everything up and starts the demo; `make test` runs the tests.
# Setup installs the Python package into .venv and builds the web app (web/ -> src/rtcc/web/dist) with npm.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: setup web demo serve test test-pg lint format typecheck imports check clean

setup: $(VENV)/.installed src/rtcc/web/dist/index.html

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# The dashboard and portal (TypeScript + Vite + Leaflet). `npm install` rather than `npm ci`: the lock file pins every
# version, and some registry mirrors list only the platform builds of rollup that this machine needs.
src/rtcc/web/dist/index.html: web/package.json web/package-lock.json web/index.html web/vite.config.ts $(shell find web/src web/public -type f 2>/dev/null)
	@command -v npm >/dev/null || { echo "npm (Node.js 20+) is needed to build the web app: install it and re-run make" >&2; exit 1; }
	cd web && npm install --no-audit --no-fund --loglevel=error && npm run build

web: src/rtcc/web/dist/index.html

# `make demo PORT=8100` picks the port (default RTCC_PORT, else 8000).
demo: setup
	$(BIN)/rtcc demo $(if $(PORT),--port $(PORT))

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
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache web/node_modules src/rtcc/web/dist
