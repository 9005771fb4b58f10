"""compute(): an update run once on a scratch store gives exactly the quads it added and removed."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph.changes.compute import compute
from graph.changes.model import ChangesError
from graph.changes.operations import kind, rewrite, split, template_graphs

BASE = "https://w3id.org/mgkg/"
MINE = ox.NamedNode(BASE + "graph/contributions/alice")
DOC = ox.NamedNode(BASE + "graph/000_doc")
S = ox.NamedNode(BASE + "id/project/p")
P = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
GENID = BASE + ".well-known/genid/"


def q(text: str, graph: ox.NamedNode = MINE) -> ox.Quad:
    """A comment on S."""
    return ox.Quad(S, P, ox.Literal(text), graph)


@pytest.fixture
def scratch() -> ox.Store:
    """A store with one document quad and one contribution quad."""
    store = ox.Store()
    store.extend([q("from the document", DOC), q("mine")])
    return store


def run(store: ox.Store, text: str) -> tuple[set[ox.Quad], set[ox.Quad]]:
    """compute() as sets."""
    added, removed = compute(store, text, None, MINE)
    return set(added), set(removed)


def test_insert_data_without_graph_goes_to_the_contribution_graph(scratch: ox.Store) -> None:
    added, removed = run(scratch, f'INSERT DATA {{ <{S.value}> <{P.value}> "new" }}')
    assert added == {q("new")} and removed == set()
    assert q("new") in scratch and not list(scratch.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def test_only_quads_absent_before_count_as_added(scratch: ox.Store) -> None:
    added, _ = run(scratch, f'INSERT DATA {{ <{S.value}> <{P.value}> "mine", "other" }}')
    assert added == {q("other")}


def test_delete_data_counts_only_present_quads(scratch: ox.Store) -> None:
    _, removed = run(scratch, f'DELETE DATA {{ <{S.value}> <{P.value}> "mine", "absent" }}')
    assert removed == {q("mine")} and q("mine") not in scratch


def test_the_net_change_of_several_operations(scratch: ox.Store) -> None:
    text = (f'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nINSERT DATA {{ <{S.value}> rdfs:comment "a" }} ;'
            f' DELETE DATA {{ <{S.value}> rdfs:comment "a", "mine" }} ;'
            f' INSERT DATA {{ <{S.value}> rdfs:comment "mine" }}')
    assert run(scratch, text) == (set(), set())


def test_delete_insert_where_uses_the_contribution_graph(scratch: ox.Store) -> None:
    text = f'DELETE {{ ?s <{P.value}> "mine" }} INSERT {{ ?s <{P.value}> "changed" }} WHERE {{ ?s <{P.value}> "mine" }}'
    assert run(scratch, text) == ({q("changed")}, {q("mine")})


def test_delete_where_shortcut_reads_the_contribution_graph(scratch: ox.Store) -> None:
    assert run(scratch, f"DELETE WHERE {{ ?s <{P.value}> ?o }}") == (set(), {q("mine")})
    assert q("from the document", DOC) in scratch


def test_graph_named_templates_keep_their_graph(scratch: ox.Store) -> None:
    other = ox.NamedNode(BASE + "graph/contributions/alice/notes")
    text = (f'INSERT {{ GRAPH <{other.value}> {{ ?s <{P.value}> "copied" }} }}'
            f" WHERE {{ GRAPH ?g {{ ?s <{P.value}> ?o }} }}")
    assert run(scratch, text) == ({q("copied", other)}, set())


def test_now_is_computed_once(scratch: ox.Store) -> None:
    added, _ = run(scratch, f"INSERT {{ <{S.value}> <{P.value}> ?t }} WHERE {{ BIND(STR(NOW()) AS ?t) }}")
    assert len(added) == 1 and next(iter(added)) in scratch


def test_blank_nodes_are_skolemized_in_the_changes_and_the_scratch(scratch: ox.Store) -> None:
    added, _ = run(scratch, f'INSERT DATA {{ _:x <{P.value}> "a" ; <{P.value}> "b" }}')
    subjects = {quad.subject for quad in added}
    assert len(added) == 2 and len(subjects) == 1 and next(iter(subjects)).value.startswith(GENID)
    assert not any(isinstance(quad.subject, ox.BlankNode) for quad in scratch)
    added, _ = run(scratch, f"INSERT {{ ?b <{P.value}> 1 }} WHERE {{ BIND(BNODE() AS ?b) }}")
    assert all(quad.subject.value.startswith(GENID) for quad in added) and len(added) == 1
    assert not any(isinstance(quad.subject, ox.BlankNode) for quad in scratch)


def test_a_link_to_a_blank_node_the_store_had_is_refused(scratch: ox.Store) -> None:
    blank = ox.BlankNode("old")
    scratch.add(ox.Quad(blank, P, ox.Literal("x"), DOC))
    with pytest.raises(ChangesError, match="blank node the store already has"):
        run(scratch, f'INSERT {{ ?b <{P.value}> "more" }} WHERE {{ GRAPH ?g {{ ?b <{P.value}> "x" }} }}')


def test_delete_data_with_a_blank_node_is_refused(scratch: ox.Store) -> None:
    with pytest.raises(ChangesError, match="blank nodes"):
        run(scratch, f'DELETE DATA {{ _:x <{P.value}> "a" }}')


def test_drop_graph_removes_its_quads(scratch: ox.Store) -> None:
    assert run(scratch, f"DROP GRAPH <{MINE.value}>") == (set(), {q("mine")})
    assert run(scratch, f"DROP SILENT GRAPH <{MINE.value}>") == (set(), set())
    with pytest.raises(RuntimeError, match="does not exist"):
        run(scratch, f"CLEAR GRAPH <{MINE.value}>")


def test_create_graph_changes_no_quad(scratch: ox.Store) -> None:
    new = BASE + "graph/contributions/alice/new"
    assert run(scratch, f"CREATE GRAPH <{new}>") == (set(), set())
    with pytest.raises(RuntimeError, match="already exists"):
        run(scratch, f"CREATE GRAPH <{new}>")
    assert run(scratch, f"CREATE SILENT GRAPH <{new}>") == (set(), set())


def test_drop_default_means_the_contribution_graph(scratch: ox.Store) -> None:
    assert run(scratch, "DROP DEFAULT") == (set(), {q("mine")})
    assert q("from the document", DOC) in scratch


def test_add_default_to_a_graph(scratch: ox.Store) -> None:
    notes = ox.NamedNode(BASE + "graph/contributions/alice/notes")
    assert run(scratch, f"ADD DEFAULT TO <{notes.value}>") == ({q("mine", notes)}, set())


def test_a_syntax_error_is_a_syntax_error(scratch: ox.Store) -> None:
    with pytest.raises(SyntaxError):
        run(scratch, "INSERT DATA { <a> }")
    with pytest.raises(SyntaxError):
        run(scratch, "DELETE { ?s ?p ?o } WHERE { ?s ?p")


def test_operations_keep_their_prologue_and_split_at_depth_zero() -> None:
    text = 'PREFIX a: <http://a/> INSERT DATA { a:x a:y "1;2" } ; BASE <http://b/> DELETE WHERE { <x> ?p ?o }'
    first, second = split(text)
    assert first.prologue == "PREFIX a: <http://a/>" and kind(first) == "INSERT DATA"
    assert second.prologue == "PREFIX a: <http://a/>\nBASE <http://b/>" and kind(second) == "RUN"
    assert rewrite(second, MINE).endswith(f"WITH <{MINE.value}> DELETE {{ <x> ?p ?o }} WHERE {{ <x> ?p ?o }}")
    assert rewrite(split("LOAD <http://x/>")[0], MINE) == f"LOAD <http://x/> INTO GRAPH <{MINE.value}>"
    assert split("") == [] and split("PREFIX a: <http://a/>") == []


# ---------------------------------------------------------------- which graphs a WHERE update can change


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WITH <http://g> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", {ox.NamedNode("http://g")}),
        ("INSERT { GRAPH <http://a> { ?s ?p ?o } ?s ?p 1 } WHERE { ?s ?p ?o }",
         {ox.NamedNode("http://a"), ox.DefaultGraph()}),
        ("PREFIX ex: <http://ex/> WITH ex:g INSERT { GRAPH ex:h { ?s ?p ?o } } USING <http://u> WHERE { ?s ?p ?o }",
         {ox.NamedNode("http://ex/h")}),
        ("DELETE WHERE { GRAPH <http://a> { ?s ?p ?o } }", {ox.NamedNode("http://a")}),
        ("DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }", None),
        ("LOAD <http://example.org/x.ttl> INTO GRAPH <http://a>", None),
        ("INSERT { ?s ?p ?o } WHERE { ?s ?p ?o } ; DROP ALL", None),
        ("INSERT { << ?s ?p ?o >> ?p ?o } WHERE { ?s ?p ?o }", None),  # RDF-star: not rdflib's, so the whole store
    ],
)
def test_template_graphs_are_the_graphs_a_where_update_can_change(
    text: str, expected: set[ox.NamedNode | ox.DefaultGraph] | None
) -> None:
    assert template_graphs(text, None) == expected


@pytest.mark.parametrize(
    "text",
    [
        f'DELETE {{ ?s <{P.value}> ?c }} INSERT {{ ?s <{P.value}> "replaced" }} WHERE {{ ?s <{P.value}> ?c }}',
        f'INSERT {{ GRAPH <{DOC.value}> {{ ?s <{P.value}> "copied" }} }} WHERE {{ ?s <{P.value}> "mine" }}',
        "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }",
        f'INSERT {{ ?s <{P.value}> "a" }} WHERE {{ ?s ?p ?o }} ; DELETE WHERE {{ ?s <{P.value}> "mine" }}',
    ],
)
def test_a_where_update_changes_what_a_dump_of_the_whole_store_says(scratch: ox.Store, text: str) -> None:
    before = set(scratch)
    added, removed = run(scratch, text)
    after = set(scratch)
    assert added == after - before and removed == before - after
