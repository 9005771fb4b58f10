# mgkg — a newcomer needs two commands: `make serve` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= data
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install build enrich validate stats serve test lint browser-deps screenshots virtuoso-deps jena-deps bench bench-large \
        conformance reliability fuzz \
        vendor clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

SOURCES := $(wildcard graph/sources/*.ttl graph/sources/generated/*.ttl graph/sources/generated/enrichment/*.ttl \
                     ontology/*.ttl shapes/*.ttl)

# Build when the store is missing or a source, the ontology or the shapes changed.
$(DATA)/.built: $(SOURCES) $(STAMP)
	$(BIN)/mgkg --data-dir $(DATA) build
	touch $@

build: $(DATA)/.built

# Regenerate the offline enrichment snapshots (graph/sources/generated/enrichment/) from the installed packages;
# no network. An unchanged snapshot keeps its bytes and date.
enrich: install
	$(BIN)/mgkg enrich --from pycountry --from geonames --from countryinfo --from coco --from iati

validate: install
	$(BIN)/mgkg --data-dir $(DATA) validate

stats: install
	$(BIN)/mgkg --data-dir $(DATA) stats

# Set up, build if needed, validate, print statistics, then serve http://127.0.0.1:8000/ (Ctrl-C stops).
serve: build validate stats
	$(BIN)/mgkg --data-dir $(DATA) serve

# Headless Chromium and its driver (Debian packages) for the browser tests (tests/test_browser*.py).
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  echo "make: installing chromium and chromium-driver for the browser test"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; }

# The browser tests with MGKG_SCREENSHOTS=1: each page type saved at 1280×900 into docs/screenshots/ (README).
screenshots: install browser-deps
	MGKG_SCREENSHOTS=1 $(BIN)/python -m pytest -q -m browser

# Virtuoso Open Source (Debian package, ~10 s) for tests/test_remote_store.py and `make bench`, which start their own
# server on loopback ports (benchmarks/virtuoso.py). The DBA password is preseeded empty, so the package's system
# service stays disabled. If it cannot be installed the Virtuoso tests are skipped (MGKG_REQUIRE_VIRTUOSO=1 makes them
# fail instead) and `make bench` stops at Virtuoso's turn with the reason.
VIRTUOSO_SEED := virtuoso-opensource-7 virtuoso-opensource-7/dba-password
virtuoso-deps:
	@command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null || { \
	  echo "make: installing virtuoso-opensource-7 for the remote-store tests and the benchmarks"; \
	  printf '%s password\n' '$(VIRTUOSO_SEED)' '$(VIRTUOSO_SEED)-again' | $(SUDO) debconf-set-selections && \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource-7 >/dev/null || \
	  echo "make: could not install virtuoso-opensource-7: the Virtuoso tests will be skipped"; }

# Apache Jena (Debian's libapache-jena-java, with a Java runtime) for the tests that run `riot --validate` and
# Jena's `shacl` on exports, through scripts/jena. If it cannot be installed those tests are skipped
# (MGKG_REQUIRE_JENA=1 makes them fail instead).
jena-deps:
	@[ -f /usr/share/java/jena-core.jar ] && command -v java >/dev/null || { \
	  echo "make: installing libapache-jena-java for the Jena tests"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libapache-jena-java >/dev/null || \
	  echo "make: could not install libapache-jena-java: the Jena tests will be skipped"; }

lint: install
	$(BIN)/ruff check graph server tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install browser-deps virtuoso-deps jena-deps lint
	$(BIN)/python -m pytest -q

# Refresh the vendored JavaScript of server/static/vendor/ from npm at the versions pinned in scripts/vendor.txt
# (needs npm; `scripts/vendor.sh --check` only compares).
vendor:
	sh scripts/vendor.sh

clean:
	rm -rf $(VENV) $(DATA) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

# W3C conformance: SPARQL 1.1 Protocol + Graph Store, then the query/update suites over HTTP and in-process
# (the engine without HTTP: tests/conformance/w3c_engine.py), from the offline copy in $(W3C); last, for reference, the
# same suites over HTTP against Oxigraph's own server (tests/conformance/w3c_oxigraph.py).
W3C ?= ../shared/w3c-tests
# Benchmark sizes in triples (make bench SIZES=10000,100000 for a shorter run).
SIZES ?= 10000,100000,1000000
conformance: install
	PYTHONPATH=. $(BIN)/python $(W3C)/tools/run_protocol.py --flask-app 'tests.conformance.test_w3c:conformance_app()' \
	  --endpoint http://localhost/sparql --gsp http://localhost/rdf-graphs
	PYTHONPATH=. $(BIN)/python $(W3C)/tools/run_sparql.py --flask-app 'tests.conformance.test_w3c:conformance_app()' \
	  --endpoint http://localhost/sparql
	PYTHONPATH=. $(BIN)/python $(W3C)/tools/run_sparql.py --backend tests.conformance.w3c_engine:EngineBackend
	MGKG_W3C_TESTS=$(W3C) $(BIN)/python -m tests.conformance.w3c_oxigraph

# Overhead of HTTP vs the store, and throughput with 1/4/16 clients (printed, never asserted).
# Hostile requests (depth bombs, runaways, a memory hog, idle and slow clients) against `mgkg serve`, and the bombs
# against Oxigraph's own server: a Markdown table for the README's Reliability section (about a minute).
reliability: install
	$(BIN)/python -m benchmarks.reliability --out benchmarks/reliability.md

# The API matches its description: schemathesis (every check, every phase, seeded) against `mgkg serve` without a
# token and with one, on a fresh build; prints operations, requests, seconds, 5xx and mismatches (a few minutes).
EXAMPLES ?= 100
fuzz: install
	PYTHONPATH=. $(BIN)/python -m tests.fuzz --max-examples $(EXAMPLES)

bench: install virtuoso-deps
	$(BIN)/python -m benchmarks.run --sizes $(SIZES)
	$(BIN)/python -m benchmarks.validate --sizes $(SIZES)
	$(BIN)/python -m benchmarks.writes --sizes $(SIZES)
	$(BIN)/python -m benchmarks.pages --sizes $(SIZES)

# 10,000,000 triples for the systems that hold them on this 2-core, 24 GB machine, merged into the figures of `make bench`
# (run it after that), so results.md covers 10k to 10M: Oxigraph's server, mgkg from disk (no validation, no in-process
# store runs, no --in-memory copy) and Virtuoso. The data: 2.1 GB of N-Quads (30 s); each store 2-3 GB in the temp
# folder. Not rdflib or rdflib-endpoint (~60 GB of memory), nor raw pyoxigraph: its API cannot cut a query off (one
# named query ran > 7 min at 10M from disk), so Oxigraph's server (the same engine and store, `--timeout-s`) stands in
# for the engine. A query taking more than a second runs once (--budget 1); every server cuts a query off after 30 s
# (with 60 s, Oxigraph's server alone took 28 min here: 18 of 29 named queries cut off): about 50 minutes in all.
LARGE ?= 10000000
bench-large: install virtuoso-deps
	$(BIN)/python -m benchmarks.run --merge --sizes $(LARGE) --systems oxigraph-server,mgkg,virtuoso \
	  --skip validate,store,memory --budget 1 --limit 30
