# mgkg — the two commands a newcomer needs are `make serve` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= data

.PHONY: install build validate stats serve test lint bench clean

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

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check graph server tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(DATA) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
