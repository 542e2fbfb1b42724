# Potok — the two commands a newcomer needs, and a few for developers.
#   make demo   install into .venv and start the demo (embedded SQLite, demo company, web + worker)
#   make test   install into .venv (with test tools) and run the test suite
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: demo test install install-test lint typecheck layers migrations-check check screenshots messages clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Potok needs Python 3.11 ($(PYTHON) not found; set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"

demo: install
	$(BIN)/potok demo --port $(PORT)

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: install-test
	$(BIN)/mypy

layers: install-test
	$(BIN)/lint-imports

migrations-check: install-test
	POTOK_DEBUG=1 POTOK_DATA_DIR=$$(mktemp -d) $(BIN)/potok manage makemigrations --check --dry-run

check: lint typecheck layers migrations-check test

messages: install-test
	cd src/potok && POTOK_DEBUG=1 ../../$(BIN)/potok manage makemessages -l ru -l en --no-obsolete --ignore 'web/static/vendor/*'
	cd src/potok && POTOK_DEBUG=1 ../../$(BIN)/potok manage compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

screenshots: install-test  ## regenerate docs/screenshots from the browser tests
	POTOK_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/browser -q
