# Lanyan (蓝焰) — everything a fresh machine needs goes through these targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

WEB_VENDOR := src/lanyan/web/static/vendor/VERSIONS.txt

.PHONY: demo serve test lint typecheck services bench install clean web browser

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Lanyan needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

## front-end libraries (leaflet, echarts) from npm, copied into the package's static files
$(WEB_VENDOR): package.json package-lock.json scripts/build-web.sh
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }
	npm ci --no-audit --no-fund
	bash scripts/build-web.sh

web: $(WEB_VENDOR)

## system packages the suite needs: chromium (browser tests), a CJK font (pages, charts, the
## report's PDF), LibreOffice and poppler (the yearly report is opened and rendered in a test)
SYSTEM_PACKAGES := chromium fonts-noto-cjk libreoffice-writer-nogui poppler-utils
browser:
	@if ! command -v chromium >/dev/null || ! command -v soffice >/dev/null \
		|| ! command -v pdftoppm >/dev/null || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		if [ "$$(id -u)" -ne 0 ]; then echo "missing system packages; run: sudo apt-get install $(SYSTEM_PACKAGES)" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); fi

install: $(STAMP) $(WEB_VENDOR)

## make demo: install, migrate var/lanyan.db, load the demo city, print the accounts, serve :8000
## make demo PORT=8080 HOST=0.0.0.0: another port or address; a rerun keeps the demo accounts'
## passwords, make demo RESET=1 gives them new ones
HOST ?= 127.0.0.1
PORT ?= 8000
RESET ?=
demo: install
	$(BIN)/lanyan demo --host $(HOST) --port $(PORT) $(if $(filter 1 yes true,$(RESET)),--reset-passwords)

serve: install
	$(BIN)/lanyan serve --host $(HOST) --port $(PORT)

services:
	@bash scripts/ensure-services.sh

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

## make test: install, check the services, lint, type-check and run the whole suite
test: install services browser lint typecheck
	$(BIN)/python -m pytest -n 2 --dist loadscope --durations=15 $(PYTEST_ARGS)

bench: install services
	@bash scripts/ensure-pgrouting.sh
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache node_modules src/lanyan/web/static/vendor
