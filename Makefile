# Lanyan (蓝焰) — everything a fresh machine needs goes through these targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: demo serve test lint typecheck services bench install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Lanyan needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make demo: install, migrate var/lanyan.db, load the demo city, print the accounts, serve :8000
demo: install
	$(BIN)/lanyan demo

serve: install
	$(BIN)/lanyan serve

services:
	@bash scripts/ensure-services.sh

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

## make test: install, check the services, lint, type-check and run the whole suite
test: install services lint typecheck
	$(BIN)/python -m pytest -n 2 --dist loadscope $(PYTEST_ARGS)

bench: install services
	@bash scripts/ensure-pgrouting.sh
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
