# Two commands do everything from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCALE := src/c2cbot/locale

# The suite runs on every core with pytest-xdist; each worker has its own databases
# (tests/conftest.py). TEST_WORKERS=0 runs it in this one process.
TEST_WORKERS ?= auto
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist loadgroup

.PHONY: demo test test-later lint typecheck messages catalogues-unlocked bench clean

# axe-core, from the npm registry: the browser tests check every workspace page with it.
AXE_VERSION := 4.14.1
AXE := $(VENV)/npm/node_modules/axe-core/axe.min.js

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(AXE): | $(STAMP)
	npm install --silent --no-audit --no-fund --no-save --prefix $(VENV)/npm axe-core@$(AXE_VERSION)

demo: $(STAMP)
	$(BIN)/c2cbot demo

test: $(STAMP) $(AXE)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_PARALLEL)

# The suite on another date: the clock of the tests, the bots and the commands they start
# moved by SHIFT with libfaketime (Debian's faketime package), so a test that passes only
# near the day it was written fails today, not next year. SHIFT=-400d looks back instead.
SHIFT ?= +400d
test-later: $(STAMP) $(AXE)
	FAKETIME_DONT_RESET=1 faketime -f "$(SHIFT)" $(BIN)/pytest -p no:cacheprovider $(PYTEST_PARALLEL)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Collect every translatable string (code, conversations, templates) and update the catalogues.
messages: $(STAMP)
	flock $(LOCALE)/.lock $(MAKE) --no-print-directory catalogues-unlocked

catalogues-unlocked:
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output \
		--project c2cbot --copyright-holder "c2cbot contributors" -o $(LOCALE)/messages.pot .
	for lang in en zh_Hans $$(cd $(LOCALE) && ls -d */ | tr -d / | grep -vx 'en\|zh_Hans'); do \
		if [ -f $(LOCALE)/$$lang/LC_MESSAGES/c2cbot.po ]; then \
			$(BIN)/pybabel update -D c2cbot -i $(LOCALE)/messages.pot -d $(LOCALE) -l $$lang --no-fuzzy-matching --ignore-obsolete; \
		else \
			$(BIN)/pybabel init -D c2cbot -i $(LOCALE)/messages.pot -d $(LOCALE) -l $$lang; \
		fi; \
	done
	$(BIN)/python tools/fill_english.py

bench: $(STAMP)
	$(BIN)/python bench/engine_throughput.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
