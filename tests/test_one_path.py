"""One query path: `mgkg query` prints exactly the bytes the HTTP service answers, for every named query and
every format both offer (GET /queries/NAME?format=F), and for query text (`-e TEXT` and POST /sparql).

Both sides read the same on-disk store (the CLI opens it read-only next to the app) under the same row limit.
Federated named queries are left out: their SERVICE needs the network, and the server refuses it without an
allowlist.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from rdflib import Dataset, URIRef

from graph.build import write_store
from graph.cli.commands import cli
from graph.core import formats
from graph.core.config import Settings
from graph.named_queries import NamedQuery, load_queries
from graph.sparql.execute import Executor
from graph.store import open_store
from server.app import create_app

ROWS = 10000
"""The row limit of both sides (the settings' default)."""

SAMPLES = {"subject": "orgs:iom-montenegro", "id": "TC.0287", "year": "2009"}
"""A value for each required parameter of the shipped queries."""

QUERIES = {name: query for name, query in load_queries().items() if "SERVICE" not in query.text}
RESULTS = [f.name for f in formats.RESULTS]
GRAPHS = [f.name for f in formats.RDF]

PREFIXES = "PREFIX mgkg: <https://w3id.org/mgkg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
TEXTS = {
    "select": PREFIXES + "SELECT ?p ?label ?id WHERE { ?p a mgkg:Project ; rdfs:label ?label ; mgkg:projectsId ?id }"
    " ORDER BY ?p ?label",
    "labels": PREFIXES + "SELECT ?s ?o WHERE { ?s rdfs:label ?o } ORDER BY ?s ?o",
    "select-limit": PREFIXES + "SELECT ?s ?o WHERE { ?s rdfs:label ?o } ORDER BY ?s ?o LIMIT 7",
    "select-unbound": PREFIXES + "SELECT ?p ?end WHERE { ?p a mgkg:Project OPTIONAL { ?p mgkg:nothing ?end } }"
    " ORDER BY ?p",
    "ask": PREFIXES + "ASK { ?p a mgkg:Project }",
}
GRAPH_TEXTS = {
    "construct": PREFIXES + "CONSTRUCT { ?p rdfs:label ?label } WHERE { ?p a mgkg:Project ; rdfs:label ?label }",
    "describe": "DESCRIBE <https://w3id.org/mgkg/id/project/tc-0287>",
}


def values(query: NamedQuery) -> dict[str, str]:
    """A sample value for each required parameter (defaults and optional ones left to the query)."""
    return {p.name: SAMPLES[p.name] for p in query.parameters if not p.optional}


@pytest.fixture(scope="module")
def spec(built: Dataset, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An on-disk store holding the built dataset."""
    location = f"oxigraph:{tmp_path_factory.mktemp('one-path') / 'store'}"
    write_store(built, location)
    return location


@pytest.fixture(scope="module")
def client(spec: str) -> Iterator[FlaskClient]:
    """A client of an app serving the store read-only, with the row limit both sides use."""
    store = open_store(spec, read_only=True)
    yield create_app(Settings(store=spec, max_rows=ROWS), store).test_client()
    store.close()


def mgkg(spec: str, *args: str) -> Result:
    """`mgkg --store SPEC query ARGS…` in-process."""
    result = CliRunner().invoke(cli, ["--store", spec, "query", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result


@pytest.mark.parametrize("fmt", RESULTS)
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_named_query_bytes_equal_http(client: FlaskClient, spec: str, name: str, fmt: str) -> None:
    given = values(QUERIES[name])
    response = client.get(f"/queries/{name}", query_string={**given, "format": fmt})
    assert response.status_code == 200, response.text
    params = [arg for key, value in given.items() for arg in ("-p", f"{key}={value}")]
    printed = mgkg(spec, name, *params, "--format", fmt, "--max-rows", str(ROWS))
    assert printed.stdout_bytes == response.data
    assert printed.stderr == ""


@pytest.mark.parametrize("fmt", RESULTS)
@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_query_text_bytes_equal_http(client: FlaskClient, spec: str, kind: str, fmt: str) -> None:
    response = client.post("/sparql", data={"query": TEXTS[kind], "format": fmt})
    assert response.status_code == 200, response.text
    assert mgkg(spec, "-e", TEXTS[kind], "--format", fmt, "--max-rows", str(ROWS)).stdout_bytes == response.data


@pytest.mark.parametrize("fmt", GRAPHS)
@pytest.mark.parametrize("kind", sorted(GRAPH_TEXTS))
def test_graph_bytes_equal_http(client: FlaskClient, spec: str, kind: str, fmt: str) -> None:
    response = client.post("/sparql", data={"query": GRAPH_TEXTS[kind], "format": fmt})
    assert response.status_code == 200, response.text
    assert response.data
    assert mgkg(spec, "-e", GRAPH_TEXTS[kind], "--format", fmt, "--max-rows", str(ROWS)).stdout_bytes == response.data


def test_query_file_runs_like_its_text(spec: str, tmp_path: Path) -> None:
    path = tmp_path / "projects.rq"
    path.write_text(TEXTS["select"], encoding="utf-8")
    assert mgkg(spec, str(path), "--format", "json").stdout_bytes == mgkg(spec, "-e", TEXTS["select"],
                                                                          "--format", "json").stdout_bytes


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_cut_answer_is_the_same_and_the_cli_says_so(spec: str, fmt: str) -> None:
    store = open_store(spec, read_only=True)
    try:
        small = create_app(Settings(store=spec, max_rows=3), store).test_client()
        response = small.post("/sparql", data={"query": TEXTS["labels"], "format": fmt})
    finally:
        store.close()
    assert response.headers["X-MGKG-Truncated"] == "true"
    result = CliRunner().invoke(cli, ["--store", spec, "query", "-e", TEXTS["labels"], "--format", fmt,
                                      "--max-rows", "3"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout_bytes == response.data
    assert result.stderr.strip().splitlines() == ["mgkg: warning: the answer was cut at 3 rows (--max-rows 3)"]


def test_no_row_limit_by_default(spec: str) -> None:
    everything = mgkg(spec, "-e", TEXTS["labels"], "--format", "tsv")
    cut = mgkg(spec, "-e", TEXTS["labels"], "--format", "tsv", "--max-rows", "5")
    assert len(cut.stdout.splitlines()) == 6
    assert len(everything.stdout.splitlines()) > 6
    assert everything.stderr == ""


def test_answer_binds_terms_and_keeps_a_dataset_the_text_names() -> None:
    engine = ox.Store()
    for name, text in (("s1", "a"), ("s2", "b")):
        engine.add(ox.Quad(ox.NamedNode(f"http://e/{name}"), ox.NamedNode("http://e/p"), ox.Literal(text),
                           ox.NamedNode(f"http://e/g-{name}")))
    text = "SELECT ?s ?o WHERE { ?s <http://e/p> ?o } ORDER BY ?o"
    own = "SELECT ?s ?o FROM <http://e/g-s2> WHERE { ?s <http://e/p> ?o }"
    with Executor(1) as executor:

        def tsv(query: str, settings: Settings | None = None, bindings: dict[str, URIRef] | None = None) -> bytes:
            return executor.answer(engine, query, settings or Settings(), bindings=bindings, result_format="tsv").body

        assert tsv(text) == b'?s\t?o\n<http://e/s1>\t"a"\n<http://e/s2>\t"b"\n'
        assert tsv(text, bindings={"s": URIRef("http://e/s1")}) == b'?s\t?o\n<http://e/s1>\t"a"\n'
        assert tsv(own) == b'?s\t?o\n<http://e/s2>\t"b"\n'
        assert tsv(text, Settings(union_default_graph=False)) == b"?s\t?o\n"


SILENT = "SELECT ?s WHERE { SERVICE SILENT <https://example.org/sparql> { ?s ?p ?o } }"
"""A federated text outside the (empty) allowlist: SILENT makes both sides answer one empty solution."""
BASED = "BASE <https://example.org/base/>\nSELECT (<x> AS ?i) (<../y> AS ?j) {}"
"""Relative IRIs under the text's own BASE: the same IRIs on both sides, whatever base each side would give."""


@pytest.mark.parametrize("text", [SILENT, BASED])
def test_same_text_base_and_allowlist_give_the_same_bytes(client: FlaskClient, spec: str, text: str) -> None:
    response = client.post("/sparql", data={"query": text, "format": "json"})
    assert response.status_code == 200, response.text
    assert mgkg(spec, "-e", text, "--format", "json").stdout_bytes == response.data


@pytest.mark.parametrize(
    "text",
    ["SELECT * WHERE { SERVICE <https://example.org/sparql> { ?s ?p ?o } }",
     "SELECT * FROM <https://example.org/no-such-graph> WHERE { ?s ?p ?o }"],
)
def test_the_allowlist_refuses_the_same_texts_on_both_sides(client: FlaskClient, spec: str, text: str) -> None:
    response = client.post("/sparql", data={"query": text})
    assert response.status_code == 400
    result = CliRunner().invoke(cli, ["--store", spec, "query", "-e", text], catch_exceptions=False)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"mgkg: error: -e: {response.text.strip()}\n"
