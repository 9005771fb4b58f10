# mgkg — a newcomer needs two commands: `make serve` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= data
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install build validate stats serve test lint browser-deps bench conformance clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

build: install
	$(BIN)/mgkg --data-dir $(DATA) build

validate: install
	$(BIN)/mgkg --data-dir $(DATA) validate

stats: install
	$(BIN)/mgkg --data-dir $(DATA) stats

serve: build validate stats

# Headless Chromium and its driver (Debian packages) for tests/test_browser.py.
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  echo "make: installing chromium and chromium-driver for the browser test"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; }

lint: install
	$(BIN)/ruff check graph server tests
	$(BIN)/mypy

test: install browser-deps lint
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) $(DATA) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

# Overhead of HTTP vs the store, and throughput with 1/4/16 clients (printed, never asserted).
bench: install
	$(BIN)/python -m server.bench
