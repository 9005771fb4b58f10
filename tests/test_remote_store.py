"""Remote stores (`sparql:QUERY_URL[;UPDATE_URL]`), against an Oxigraph SPARQL endpoint and against Virtuoso.

Each kind of endpoint gets the built graph through RemoteStore.replace; then every named query (but the
federated ones, which call Wikidata) must give the rows the embedded store gives, the export must be the
embedded store's export byte for byte, validation must conform, and the Flask app must answer on top of it.
The Oxigraph endpoint (tests/support/virtuoso.py) cuts answers to 500 rows and refuses long updates, as Virtuoso
does, so paging and batch splitting are exercised without Virtuoso too. The Virtuoso runs are marked slow
and remote; they are skipped with the reason where Virtuoso cannot run (MGKG_REQUIRE_VIRTUOSO=1: fail).

What Virtuoso answers differently, and how the comparison treats it:
* a boolean computed by the query (`BIND(EXISTS {…} AS ?direct)`) comes back as xsd:integer 1 / 0: literals
  compare by value, booleans as 1 / 0 (`same`);
* a `+` / `*` property path with neither end bound is refused ("transitive … neither end … bound"): the named
  queries avoid it (organisation-units takes one org:subOrganizationOf step before `*`); a query a store
  cannot answer would be listed in KNOWN and must then fail with one clear line.
* a geo:wktLiteral comes back as Virtuoso's own geometry type, virtrdf:Geometry, its keyword upper-cased
  ("Point(19.26309 42.44124)" → "POINT(19.26309 42.44124)"; mgkg writes "Point(" because Virtuoso keeps the
  coordinates of that form exactly and rounds those of "POINT(" to single precision) and its numbers in canonical
  form ("Point(20.0 41.0)" → "POINT(20 41)"): cells and exports compare WKT by that text (`same`, `wkt_as_text`).
Decimals come back in canonical form ("40000.00" → "40000") from Virtuoso and Oxigraph alike: both keep
numbers by value, so the stores' exports are identical and differ from the rdflib-built graph only there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD
from support.fixture_endpoint import closed_port_url
from support.virtuoso import oxigraph_endpoint, virtuoso

from graph.cli.commands import cli
from graph.core.config import load_settings
from graph.export import export
from graph.named_queries import load_queries, run_query
from graph.shacl.validate import validate_dataset
from graph.sparql.execute import QueryFailed
from graph.sparql.serialize import read_results
from graph.sparql.text import QueryRefused, bind_values, query_form, with_prologue
from graph.store import EmbeddedStore, RemoteStore, Store, StoreError, open_store
from server.app import create_app

KINDS = ["oxigraph", pytest.param("virtuoso", marks=[pytest.mark.slow, pytest.mark.remote])]
QUERIES = load_queries()
KNOWN: dict[tuple[str, str, str], str] = {}
"""(kind, query, parameters) → a word of the error the endpoint gives instead of rows."""
BY_VALUE = {str(t) for t in (XSD.decimal, XSD.integer, XSD.double, XSD.float, XSD.positiveInteger, XSD.boolean)}
OTHER_BASE = "https://example.org/mgkg-test/"
"""Base of the graphs write tests make: kept apart from the loaded graph on the same endpoint."""


def cases() -> Iterator[tuple[str, dict[str, str]]]:
    """Each named query with the example values of its header ("e.g. …"), and without, where allowed."""
    for name, query in QUERIES.items():
        if name.startswith("federated-"):
            continue
        examples = {p.name: m[1] for p in query.parameters if (m := re.search(r"e\.g\. (\S+)", p.description))}
        if all(p.optional for p in query.parameters):
            yield name, {}
        if examples:
            yield name, examples


CASES = list(cases())


@pytest.fixture(scope="session")
def oxigraph_url() -> Iterator[str]:
    """A pyoxigraph SPARQL endpoint with Virtuoso-like limits (500 rows per answer, short updates)."""
    with oxigraph_endpoint(max_rows=500, max_update=60_000) as endpoint:
        yield endpoint.url


@pytest.fixture(scope="session")
def virtuoso_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Virtuoso Open Source on free loopback ports, for the whole session."""
    with virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server.url


@pytest.fixture(scope="session", params=KINDS)
def remote(request: pytest.FixtureRequest, built: Dataset) -> tuple[str, RemoteStore]:
    """(kind, a remote store holding the built graph), loaded once per kind through replace()."""
    url = request.getfixturevalue(f"{request.param}_url")
    store = open_store(f"sparql:{url}")
    assert isinstance(store, RemoteStore)
    store.replace(built)
    return request.param, store


def emptied(url: str) -> RemoteStore:
    """A store of the endpoint at `url` seeing only the write tests' graphs (OTHER_BASE), all of them dropped."""
    other = RemoteStore(url, base=OTHER_BASE)
    for name in other.graphs():
        other.update(f"DROP SILENT GRAPH <{name}>")
    return other


@pytest.fixture
def other_graphs(remote: tuple[str, RemoteStore]) -> Iterator[RemoteStore]:
    """The write tests' own graphs on the remote endpoint, none at the start and none left at the end."""
    yield emptied(remote[1].query_url)
    emptied(remote[1].query_url)


WKT = {"http://www.opengis.net/ont/geosparql#wktLiteral", "http://www.openlinksw.com/schemas/virtrdf#Geometry"}
"""GeoSPARQL's WKT datatype, and the one Virtuoso stores it as."""


def same(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Any:
    """A result cell as the comparison sees it: literals of numbers and booleans by value, WKT by its upper-cased
    text, others as terms."""
    if isinstance(term, ox.Literal) and term.datatype.value in BY_VALUE:
        return Decimal({"true": "1", "false": "0"}.get(term.value, term.value))
    if isinstance(term, ox.Literal) and term.datatype.value in WKT:
        return ("WKT", wkt_text(term.value))
    return term


def wkt_text(value: str) -> str:
    """A WKT literal's text as the comparison sees it: upper-cased, numbers in canonical form (Virtuoso writes
    "POINT(20 41)" for "Point(20.0 41.0)")."""
    return re.sub(r"-?\d+(?:\.\d+)?", lambda m: format(Decimal(m[0]).normalize(), "f"), value.upper())


def wkt_as_text(data: Dataset) -> Dataset:
    """`data` with every WKT literal (either datatype) as a plain upper-cased string, for comparing exports."""
    out = Dataset()
    for s, p, o, g in data.quads((None, None, None, None)):
        if isinstance(o, Literal) and str(o.datatype) in WKT:
            o = Literal(wkt_text(str(o)))
        out.add((s, p, o, g))
    return out


def cells(store: Store, name: str, values: dict[str, str]) -> list[tuple[Any, ...]]:
    """The rows of a named query (its SPARQL JSON answer read back), each cell as same() has it."""
    found = read_results(run_query(store, QUERIES[name], values).body)
    assert isinstance(found, ox.QuerySolutions)
    return [tuple(same(term) for term in row) for row in found]


def canonical(graph: Graph) -> Graph:
    """`graph` with xsd:decimal literals in canonical form, as stores that keep numbers by value give them."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            o = Literal(format(Decimal(str(o)).normalize(), "f"), datatype=XSD.decimal)
        out.add((s, p, o))
    return out


# -------------------------------------------------------------------------------------- SPARQL text


def test_values_go_first_in_the_top_level_where_group() -> None:
    text = 'SELECT ?x WHERE { { SELECT ?y WHERE { ?y ?p "}" } } FILTER(?x > 1) } ORDER BY ?x'
    bound = bind_values(text, {"x": Literal(2)})
    assert bound.startswith('SELECT ?x WHERE { VALUES (?x) {\n    ("2"^^<http://www.w3.org/2001/XMLSchema#integer>)')
    assert bound.endswith('{ SELECT ?y WHERE { ?y ?p "}" } } FILTER(?x > 1) } ORDER BY ?x')
    construct = bind_values("CONSTRUCT { ?s ?p ?x } { ?s ?p ?x }", {"x": URIRef("http://e/x")})
    assert construct == "CONSTRUCT { ?s ?p ?x } { VALUES (?x) {\n    (<http://e/x>)\n  }\n ?s ?p ?x }"
    comment = bind_values("# WHERE { \nASK {}", {"x": Literal("a")})
    assert comment.endswith('ASK { VALUES (?x) {\n    ("a")\n  }\n}')


def test_a_value_is_written_as_a_term_never_spliced() -> None:
    hostile = '" } ; DROP ALL ; SELECT * { "'
    bound = bind_values("SELECT ?x WHERE { }", {"x": Literal(hostile)})
    assert '"\\" } ; DROP ALL ; SELECT * { \\""' in bound
    with pytest.raises(ValueError, match="IRI"):
        bind_values("SELECT ?x WHERE { }", {"x": URIRef("http://e/> } DROP ALL {")})
    with pytest.raises(ValueError):
        bind_values("SELECT ?x WHERE { }", {"x": BNode()})


def test_queries_without_a_group_for_values_are_refused() -> None:
    with pytest.raises(QueryRefused, match="no WHERE group"):
        bind_values("CONSTRUCT WHERE { ?s ?p ?o }", {"s": URIRef("http://e/s")})
    with pytest.raises(QueryRefused, match="no WHERE group"):
        bind_values("DESCRIBE <http://e/s>", {"s": URIRef("http://e/s")})
    with pytest.raises(QueryRefused, match="not a SPARQL query"):
        query_form("INSERT DATA { <http://e/s> <http://e/p> 1 }")


def test_the_prologue_adds_only_undeclared_used_prefixes() -> None:
    names = {"rdfs": "http://www.w3.org/2000/01/rdf-schema#", "owl": "http://www.w3.org/2002/07/owl#"}
    text = "PREFIX rdfs: <http://x/> SELECT * { ?s rdfs:label ?o }"
    assert with_prologue(text, None, names) == text
    other_case = "PREFIX RDFS: <http://x/> SELECT * { ?s rdfs:label ?o }"
    assert with_prologue(other_case, None, names).startswith("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>")
    added = with_prologue("SELECT * { ?s owl:sameAs ?o }", "http://base/", names)
    assert added.splitlines()[:2] == ["BASE <http://base/>", "PREFIX owl: <http://www.w3.org/2002/07/owl#>"]


# -------------------------------------------------------------------------------------- the store


def test_the_store_holds_the_built_graphs(remote: tuple[str, RemoteStore], store: EmbeddedStore) -> None:
    _, loaded = remote
    assert loaded.graphs() == store.graphs()
    assert len(loaded) == len(store)


@pytest.mark.parametrize(("name", "values"), CASES, ids=[f"{n}{'-' if v else ''}{'-'.join(v)}" for n, v in CASES])
def test_every_named_query_gives_the_embedded_rows(
    remote: tuple[str, RemoteStore], store: EmbeddedStore, name: str, values: dict[str, str]
) -> None:
    kind, loaded = remote
    expected = cells(store, name, values)
    known = KNOWN.get((kind, name, ",".join(values)))
    if known:
        with pytest.raises(QueryFailed, match=known):
            cells(loaded, name, values)
        return
    rows = cells(loaded, name, values)
    assert set(rows) == set(expected)
    assert len(rows) == len(expected)


def test_the_comparison_is_not_vacuous(store: EmbeddedStore) -> None:
    with_rows = [name for name, values in CASES if cells(store, name, values)]
    assert len(with_rows) >= len(CASES) - 2


def test_export_is_the_embedded_export_and_isomorphic_to_the_build(
    remote: tuple[str, RemoteStore], store: EmbeddedStore, built: Dataset
) -> None:
    _, loaded = remote
    copy, embedded, built = wkt_as_text(loaded.dataset()), wkt_as_text(store.dataset()), wkt_as_text(built)
    for fmt in ("trig", "nquads", "turtle"):
        assert export(copy, fmt) == export(embedded, fmt)
    for name in loaded.graphs():
        assert isomorphic(copy.graph(name), canonical(built.graph(name))), name


def test_the_remote_graph_validates(remote: tuple[str, RemoteStore]) -> None:
    _, loaded = remote
    report = validate_dataset(loaded.dataset())
    assert report.no_violations, report.serialize("text")


def test_a_refused_batch_is_sent_again_in_halves(built: Dataset) -> None:
    with oxigraph_endpoint(max_update=20_000) as endpoint:
        remote = RemoteStore(endpoint.url, batch_size=1000)
        remote.replace(built)
        assert len(endpoint.store) == len(remote) == len(list(built.quads()))
        sizes = [len(p["update"][0]) for p in endpoint.seen if "INSERT DATA" in p.get("update", [""])[0]]
        assert max(sizes) > 20_000  # refused, then sent again in halves that were taken
        assert any(size <= 20_000 for size in sizes)


def test_replace_keeps_to_mgkg_graphs_and_refuses_others(built: Dataset) -> None:
    with oxigraph_endpoint() as endpoint:
        foreign = ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("x"),
                          ox.NamedNode("http://other/graph"))
        endpoint.store.add(foreign)
        remote = RemoteStore(endpoint.url)
        remote.replace(built)
        remote.replace(built)
        assert foreign in endpoint.store
        assert len(remote) == len(endpoint.store) - 1
        stray = Dataset()
        stray.add((URIRef("http://e/s"), URIRef("http://e/p"), Literal("in the default graph")))
        with pytest.raises(StoreError, match=r"default graph.*named graphs only"):
            remote.replace(stray)
        assert len(remote) == len(list(built.quads()))


def test_read_only_and_unreachable_stores_say_so_in_one_line(built: Dataset) -> None:
    with oxigraph_endpoint() as endpoint:
        reader = open_store(f"sparql:{endpoint.url}", read_only=True)
        with pytest.raises(StoreError, match="read-only"):
            reader.replace(built)
    with pytest.raises(StoreError, match=r"cannot be reached") as error:
        len(open_store(f"sparql:{closed_port_url()}"))
    assert "\n" not in str(error.value)
    with pytest.raises(StoreError, match="expected an http"):
        open_store("sparql:ftp://example.org/sparql")
    with pytest.raises(StoreError, match="sparql:QUERY_URL"):
        open_store("sparql:")


def test_the_spec_names_query_and_update_urls() -> None:
    store = open_store("sparql:http://h/ds/query;http://h/ds/update", read_only=True)
    assert isinstance(store, RemoteStore)
    assert (store.query_url, store.update_url, store.read_only) == ("http://h/ds/query", "http://h/ds/update", True)
    same_url = open_store("sparql:http://h/sparql")
    assert isinstance(same_url, RemoteStore) and same_url.update_url == "http://h/sparql"


def test_a_bad_query_is_refused_with_the_endpoints_line(remote: tuple[str, RemoteStore]) -> None:
    _, loaded = remote
    with pytest.raises(QueryRefused, match="HTTP 400") as error:
        loaded.raw.query("SELECT * WHERE { ?s ?p }")
    assert "\n" not in str(error.value)


# -------------------------------------------------------------------------------------- the server


@pytest.fixture(scope="session")
def client(remote: tuple[str, RemoteStore]) -> Any:
    """A Flask test client of the app serving the remote store."""
    _, loaded = remote
    settings = load_settings({"store": f"sparql:{loaded.query_url}"}, {})
    return create_app(settings, loaded).test_client()


def _json(response: Any) -> Any:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data())


def test_the_endpoint_answers_select_ask_and_construct(client: Any, built: Dataset) -> None:
    json_accept = {"Accept": "application/sparql-results+json"}
    count = _json(client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
                             headers=json_accept))
    assert count["results"]["bindings"][0]["n"]["value"] == str(len(list(built.quads())))
    ask = _json(client.post("/sparql", data={"query": "ASK { ?p a <https://w3id.org/mgkg/ontology#Project> }"},
                            headers=json_accept))
    assert ask["boolean"] is True
    text = "CONSTRUCT { ?p ?q ?o } WHERE { ?p a <https://w3id.org/mgkg/ontology#Programme> ; ?q ?o }"
    response = client.get("/sparql", query_string={"query": text}, headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["X-MGKG-Rows"] != "0"
    assert len(Graph().parse(data=response.get_data(as_text=True), format="turtle")) > 0


def test_the_protocol_dataset_and_errors(client: Any) -> None:
    curation = "https://w3id.org/mgkg/graph/curation"
    response = client.get("/sparql", query_string={
        "query": "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": curation,
    }, headers={"Accept": "text/csv"})
    assert response.get_data(as_text=True).split() == ["g", curation]
    bad = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p }"})
    assert bad.status_code == 400 and len(bad.get_data(as_text=True).strip().splitlines()) == 1


def test_named_queries_over_http_match_the_embedded_app(client: Any, store: EmbeddedStore) -> None:
    local = create_app(load_settings({"store": "memory"}, {}), store).test_client()
    for path, params in [("/queries/projects-by-donor", {"donor": "orgs:denmark-ministry-of-foreign-affairs"}),
                         ("/queries/project-by-id", {"id": "TC.0287"}),
                         ("/queries/projects-active-in-year", {"year": "2009"})]:
        remote_rows = _json(client.get(path, query_string=params, headers={"Accept": "application/json"}))
        local_rows = _json(local.get(path, query_string=params, headers={"Accept": "application/json"}))
        assert remote_rows["results"]["bindings"], path
        assert remote_rows == local_rows, path


def test_the_descriptions_and_graph_reads_work_remotely(client: Any) -> None:
    assert client.get("/.well-known/void", headers={"Accept": "text/turtle"}).status_code == 200
    graph = client.get("/rdf-graphs", query_string={"graph": "https://w3id.org/mgkg/graph/curation"},
                       headers={"Accept": "application/n-triples"})
    assert graph.status_code == 200 and b"mgkg editorial statements" in graph.get_data()


def test_writes_go_through_the_shacl_gate_on_a_remote_store(
    remote: tuple[str, RemoteStore], other_graphs: RemoteStore
) -> None:
    _, loaded = remote
    other = other_graphs
    settings = load_settings({"store": f"sparql:{loaded.query_url}", "update_token": "t0ken", "base": OTHER_BASE}, {})
    client = create_app(settings, other).test_client()
    auth = {"Authorization": "Bearer t0ken"}
    target = {"graph": OTHER_BASE + "graph/contributions/editor/notes"}
    body = f'<{OTHER_BASE}id/note/1> <http://www.w3.org/2000/01/rdf-schema#label> "a note"@en .'
    created = client.put("/rdf-graphs", query_string=target, data=body,
                         headers={**auth, "Content-Type": "application/n-triples"})
    assert created.status_code == 201, created.get_data(as_text=True)
    history = URIRef(OTHER_BASE + "graph/changes")  # each changeset's history goes with it, in one update
    assert other.graphs() == [history, URIRef(target["graph"])]
    refused = client.post("/sparql", headers=auth, data={"update": (
        f"INSERT DATA {{ GRAPH <{target['graph']}> {{ <{OTHER_BASE}id/project/x> a "
        '<https://w3id.org/mgkg/ontology#Project> ; <https://w3id.org/mgkg/ontology#projectsId> "bad" } }')})
    assert refused.status_code == 422
    assert other.graphs() == [history, URIRef(target["graph"])]
    assert client.delete("/rdf-graphs", query_string=target, headers=auth).status_code == 204
    assert other.graphs() == [history] and len(loaded) > 0


def test_an_unreachable_store_answers_502() -> None:
    url = closed_port_url()
    gone = RemoteStore(url, timeout=5)
    client = create_app(load_settings({"store": f"sparql:{url}"}, {}), gone).test_client()
    response = client.get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 502
    assert "cannot be reached" in response.get_data(as_text=True)


# -------------------------------------------------------------------------------------- the command line


def test_every_command_takes_the_remote_store(remote: tuple[str, RemoteStore], tmp_path: Any) -> None:
    _, loaded = remote
    env = {"MGKG_STORE": f"sparql:{loaded.query_url}", "MGKG_CONFIG": ""}
    runner = CliRunner()
    stats = runner.invoke(cli, ["stats"], env=env)
    assert stats.exit_code == 0 and f"quads: {len(loaded)}" in stats.stdout
    query = runner.invoke(cli, ["query", "project-by-id", "-p", "id=TC.0287", "--format", "csv"], env=env)
    assert query.exit_code == 0 and "tc-0287" in query.stdout
    valid = runner.invoke(cli, ["validate"], env=env)
    assert valid.exit_code == 0 and valid.stdout.splitlines()[0].endswith(" — no violations")
    exported = runner.invoke(cli, ["export", "--format", "nquads", "-o", str(tmp_path / "out.nq")], env=env)
    assert exported.exit_code == 0
    assert len((tmp_path / "out.nq").read_text().splitlines()) == len(loaded)
    bad = runner.invoke(cli, ["query", "-e", "SELECT * { ?s ?p }"], env=env)
    assert bad.exit_code == 2 and bad.stderr.startswith("mgkg: error: -e: query failed: sparql store")
    assert len(bad.stderr.strip().splitlines()) == 1


def test_build_writes_to_a_remote_store(built: Dataset) -> None:
    with oxigraph_endpoint() as endpoint:
        result = CliRunner().invoke(cli, ["--store", f"sparql:{endpoint.url}", "build"], env={"MGKG_CONFIG": ""})
        assert result.exit_code == 0, result.stderr
        assert len(endpoint.store) == len(list(built.quads()))


@pytest.mark.slow
@pytest.mark.remote
def test_load_into_virtuoso(virtuoso_url: str, tmp_path: Any) -> None:
    emptied(virtuoso_url)  # whatever an earlier test left behind
    data = tmp_path / "extra.nt"
    data.write_text("".join(f'<{OTHER_BASE}id/thing/{i}> <http://www.w3.org/2000/01/rdf-schema#label> "thing {i}" .\n'
                            for i in range(2500)))
    runner = CliRunner()
    env = {"MGKG_CONFIG": "", "MGKG_BASE": OTHER_BASE}
    loaded = runner.invoke(cli, ["--store", f"sparql:{virtuoso_url}", "load", str(data)], env=env)
    assert loaded.exit_code == 0, loaded.stderr
    assert loaded.stdout.startswith("loaded 2,500 triples from 1 file(s)") and "triples/s" in loaded.stdout
    other = RemoteStore(virtuoso_url, base=OTHER_BASE)
    assert other.graphs() == [URIRef(OTHER_BASE + "graph/extra")] and len(other) == 2500
    other.update(f"DROP GRAPH <{OTHER_BASE}graph/extra>")
    assert other.graphs() == []
