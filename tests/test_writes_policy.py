"""graph/changes/policy.py: which graphs a write may change, the default graph of a write, refused bulk drops."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph.changes.compute import compute
from graph.changes.model import contribution_graph
from graph.changes.policy import PolicyError, check_graphs, contributions_prefix, is_writable, refuse_bulk_drops

BASE = "https://w3id.org/mgkg/"
ALICE = contribution_graph("alice", BASE)
OTHER = "http://example.org/"


def graphs_after(update: str) -> list[str]:
    """The graphs of the quads an update adds to an empty store, as a write computes them (graph.changes)."""
    added, _ = compute(ox.Store(), update, None, ALICE, BASE)
    return sorted({str(quad.graph_name) for quad in added})


def test_contribution_graphs_and_the_rest() -> None:
    assert ALICE.value == "https://w3id.org/mgkg/graph/contributions/alice"
    assert contributions_prefix("http://example.org/kg") == "http://example.org/kg/graph/contributions/"
    assert is_writable(ALICE, BASE) and is_writable(ALICE.value + "/notes", BASE)
    for graph in (
        ox.DefaultGraph(), ox.NamedNode(BASE + "graph/provenance"), ox.NamedNode(BASE + "graph/changes"),
        ox.NamedNode(BASE + "graph/contributions/"), ox.NamedNode(BASE + "graph/contributionsx"),
        ox.NamedNode("http://example.org/graph/contributions/alice"), ox.BlankNode(),
    ):
        assert not is_writable(graph, BASE), graph


def test_check_graphs_names_the_first_read_only_graph() -> None:
    check_graphs([ALICE, ALICE.value + "/x"], BASE)
    with pytest.raises(PolicyError) as refused:
        check_graphs([ALICE, ox.NamedNode(BASE + "graph/provenance"), ox.NamedNode(BASE + "graph/ontology")], BASE)
    message = str(refused.value)
    assert message.startswith(f"graph <{BASE}graph/ontology> is read-only (and 1 more): writes may change only")
    assert "\n" not in message
    with pytest.raises(PolicyError, match=r"^the default graph is read-only"):
        check_graphs([ox.DefaultGraph()], BASE)


@pytest.mark.parametrize(
    "update",
    [
        "DROP ALL", "CLEAR ALL", "DROP DEFAULT", "clear default", "DROP NAMED", "CLEAR SILENT NAMED",
        "DROP SILENT ALL", f"PREFIX x: <{OTHER}> INSERT DATA {{ GRAPH <{ALICE.value}> {{ x:a x:b x:c }} }} ; DROP ALL",
    ],
)
def test_bulk_drops_are_refused(update: str) -> None:
    with pytest.raises(PolicyError, match=r"^(DROP|CLEAR) (ALL|DEFAULT|NAMED) is refused"):
        refuse_bulk_drops(update)


@pytest.mark.parametrize("update", [f"DROP GRAPH <{ALICE.value}>", "CLEAR SILENT GRAPH <urn:x>", "INSERT DATA { }",
                                    "# DROP ALL\nINSERT DATA { <urn:a> <urn:b> 'DROP ALL' }"])
def test_single_graph_drops_pass_the_bulk_check(update: str) -> None:
    refuse_bulk_drops(update)


@pytest.mark.parametrize(
    ("update", "graphs"),
    [
        ("INSERT DATA { <urn:s> <urn:p> <urn:o> }", [f"<{ALICE.value}>"]),
        ("PREFIX x: <urn:x:> INSERT DATA { x:s x:p x:o . GRAPH <urn:g> { x:a x:b x:c } . x:d x:e '}' }",
         [f"<{ALICE.value}>", "<urn:g>"]),
        ("INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 1 } }", ["<urn:g>"]),
        ("INSERT { <urn:s> <urn:p> ?o } WHERE { BIND(1 AS ?o) }", [f"<{ALICE.value}>"]),
        ("INSERT { GRAPH <urn:g> { <urn:s> <urn:p> ?o } } WHERE { BIND(1 AS ?o) }", ["<urn:g>"]),
        ("WITH <urn:w> INSERT { <urn:s> <urn:p> ?o } WHERE { BIND(1 AS ?o) }", ["<urn:w>"]),
        ("INSERT DATA { }", []),
    ],
)
def test_the_default_graph_of_a_write_is_the_contribution_graph(update: str, graphs: list[str]) -> None:
    assert graphs_after(update) == graphs


def test_deletes_without_graph_delete_from_the_contribution_graph() -> None:
    quad = ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("v"), ALICE)
    elsewhere = ox.Quad(quad.subject, quad.predicate, quad.object, ox.NamedNode("urn:doc"))
    for update in ("DELETE DATA { <urn:s> <urn:p> 'v' }", "DELETE WHERE { <urn:s> ?p ?o }",
                   "DELETE { <urn:s> ?p ?o } WHERE { GRAPH ?g { <urn:s> ?p ?o } }"):
        store = ox.Store()
        store.extend([quad, elsewhere])
        assert compute(store, update, None, ALICE, BASE) == ([], [quad]), update
