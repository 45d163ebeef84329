# The two commands a newcomer needs: `make run` (the app with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format e2e migrate demo clean page-weight screenshots bench soak i18n

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(INSTALLED)  ## the app on http://127.0.0.1:8000 with the demo data
	$(BIN)/incidents demo
	$(BIN)/incidents serve --host $(HOST) --port $(PORT)

test: $(INSTALLED)  ## the whole suite (SQLite; set TEST_DATABASE_URL for PostgreSQL)
	$(BIN)/pytest

# The folders of Python that lint and format cover (.pre-commit-config.yaml lists the same).
PYTHON_DIRS := app tests migrations bench tools

lint: $(INSTALLED)
	$(BIN)/ruff check $(PYTHON_DIRS)
	$(BIN)/ruff format --check $(PYTHON_DIRS)
	$(BIN)/mypy

format: $(INSTALLED)
	$(BIN)/ruff format $(PYTHON_DIRS)
	$(BIN)/ruff check --fix $(PYTHON_DIRS)

e2e: $(INSTALLED)  ## only the real-browser tests
	$(BIN)/pytest -m e2e

page-weight: $(INSTALLED)  ## bytes a first visit and a filter change transfer (limits 300 KB, 30 KB)
	$(BIN)/python bench/page_weight.py

screenshots: $(INSTALLED)  ## docs/screenshots of the home page, map and timeline, network blocked
	$(BIN)/python bench/screenshots.py

bench: $(INSTALLED)  ## load tests at 100,000 and 1,000,000 incidents beside Datasette (needs wrk; ~1 h)
	@command -v wrk >/dev/null || { echo "bench needs wrk: apt-get install -y wrk"; exit 1; }
	$(BIN)/python bench/run.py

soak: $(INSTALLED)  ## kill the app mid-write, restart PostgreSQL under load, 64 clients (~15 min)
	@command -v wrk >/dev/null || { echo "soak needs wrk: apt-get install -y wrk"; exit 1; }
	$(BIN)/python bench/soak.py

i18n: $(INSTALLED)  ## extract the interface's strings, update each language's catalogue, check them
	$(BIN)/pybabel extract -F babel.cfg -o app/locale/messages.pot --no-location --sort-output --add-comments=Translators: \
		--project "Border Incident Tracker" --copyright-holder "Border Incident Tracker contributors" .
	$(BIN)/pybabel update -i app/locale/messages.pot -d app/locale --no-wrap --ignore-obsolete
	$(BIN)/pytest -q tests/test_i18n.py

migrate: $(INSTALLED)
	$(BIN)/incidents migrate

demo: $(INSTALLED)
	$(BIN)/incidents demo

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
