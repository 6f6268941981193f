# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCKS := requirements/tools.lock requirements/dev.lock
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCKS) | sha1sum | cut -c1-12)
PYTEST_ARGS ?=
# The locks are universal (any platform) and made for the oldest Python we support.
COMPILE := UV_PYTHON_DOWNLOADS=never $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes

.PHONY: install lock run test quick lint typecheck unit clock-matrix system-deps clean

# The lock files decide every version (with hashes); uv installs them exactly, removing anything else.
$(STAMP): pyproject.toml $(LOCKS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/tools.lock
	UV_PYTHON_DOWNLOADS=never $(BIN)/uv pip sync --quiet --python $(BIN)/python $(LOCKS)
	UV_PYTHON_DOWNLOADS=never $(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Serve on http://127.0.0.1:8000 with SQLite under var/ and demo accounts (printed at start).
run: $(STAMP)
	MADOGUCHI_MODE=$${MADOGUCHI_MODE:-dev} $(BIN)/madoguchi serve --demo

## Re-resolve every dependency to the newest allowed by pyproject.toml (a deliberate, tested change: see README).
lock: $(STAMP)
	$(COMPILE) pyproject.toml -o requirements/app.lock --upgrade
	$(COMPILE) pyproject.toml --extra dev -c requirements/app.lock -o requirements/dev.lock --upgrade
	$(COMPILE) requirements/tools.in -o requirements/tools.lock --upgrade

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy app routing realtime migrations

system-deps:
	bash .ci/system-deps

unit: $(STAMP) system-deps
	$(BIN)/pytest $(PYTEST_ARGS)

## The quick tier while you work: everything but the tests marked slow (browsers, subprocesses, sipp).
quick: $(STAMP)
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

## The time-sensitive suites under faketime at night, month and fiscal-year ends, year-end and a holiday.
clock-matrix: $(STAMP) system-deps
	bash .ci/clock-matrix

## Everything CI runs: lint, import contracts, types, and every test (PostgreSQL tests included).
test: lint typecheck unit

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis test-artifacts
