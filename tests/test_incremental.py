"""Incremental validation: after a change, validating only the affected focus nodes finds what a full run finds.

Each change is made to a copy of 200 synthetic projects (with the ontology). Soundness: every (check, focus
node) whose results differ between full validations before and after the change is among the focus nodes
`affected` picks for that check, and the incremental report holds exactly the full report's results on
those nodes. Then the pieces: Changes, the dump diff, the quads an update states (graph/changes/compute.py),
and the write path's use of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from rdflib import Dataset

from graph.changes.compute import compute
from graph.changes.operations import kind, split
from graph.core.config import Settings
from graph.shacl.compile import Check, compile_shapes
from graph.shacl.derived import derive_store, refresh
from graph.shacl.incremental import Changes, affected, changed_quads
from graph.shacl.report import ValidationReport, ValidationResult
from graph.shacl.terms import TermMap, load_triples
from graph.shacl.validate import load_ontology, load_shapes, validate_store
from graph.store import EmbeddedStore, open_store
from graph.synth.generate import Synthesizer
from graph.synth.write import write
from server.app import create_app

M = "https://w3id.org/mgkg/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PROVENANCE = ox.NamedNode("https://w3id.org/mgkg/graph/provenance")
DERIVED = ox.NamedNode("https://w3id.org/mgkg/graph/derived")


def node(local: str) -> ox.NamedNode:
    """An mgkg ontology term."""
    return ox.NamedNode(M + local)


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """200 synthetic projects, their derived graph and the ontology, as N-Quads."""
    path = tmp_path_factory.mktemp("incremental") / "synth.nq"
    write(Synthesizer(200, 3), path)
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.N_QUADS)
    derive_store(store.update)
    load_triples(store, TermMap(), load_ontology())
    return store.dump(format=ox.RdfFormat.N_QUADS) or b""


def copy(dump: bytes) -> ox.Store:
    """A store holding the dump, blank-node labels kept."""
    store = ox.Store()
    store.extend(ox.parse(dump, format=ox.RdfFormat.N_QUADS))
    return store


def first(store: ox.Store, predicate: ox.NamedNode, obj: ox.NamedNode | None = None) -> ox.NamedNode:
    """The least subject with this predicate (and object)."""
    subjects = {q.subject for q in store.quads_for_pattern(None, predicate, obj)}
    return min((s for s in subjects if isinstance(s, ox.NamedNode)), key=str)


def quads_of(store: ox.Store, subject: ox.NamedNode | None, predicate: ox.NamedNode | None = None,
             obj: ox.NamedNode | None = None) -> list[ox.Quad]:
    """Every quad matching the pattern, in any graph."""
    return list(store.quads_for_pattern(subject, predicate, obj))


def graph_of(store: ox.Store, subject: ox.NamedNode) -> ox.NamedNode:
    """A named graph that states the subject (not the derived graph, which only follows the others)."""
    graphs = {q.graph_name for q in store.quads_for_pattern(subject, None, None)} - {DERIVED}
    return min(graphs, key=str)  # type: ignore[return-value]


Change = Callable[[ox.Store], tuple[list[ox.Quad], list[ox.Quad]]]
"""Given the store, the quads to remove and the quads to add."""


def relabel(store: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    project = first(store, RDF_TYPE, node("Project"))
    return [], [ox.Quad(project, LABEL, ox.Literal("Renamed", language="en"), graph_of(store, project))]


def unlabel(store: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    return quads_of(store, first(store, RDF_TYPE, node("Project")), LABEL), []


def country_becomes_region(store: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    country = first(store, node("benefitingCountry"))
    country = next(q.object for q in store.quads_for_pattern(country, node("benefitingCountry"), None))
    removed = quads_of(store, country, RDF_TYPE, node("Country"))  # type: ignore[arg-type]
    return removed, [ox.Quad(country, RDF_TYPE, node("Region"), q.graph_name) for q in removed]  # type: ignore[arg-type]


def graph_is_no_source(store: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The graph that states a participation is no mgkg:SourceGraph any more."""
    graph = graph_of(store, first(store, RDF_TYPE, node("Participation")))
    return quads_of(store, graph, RDF_TYPE, node("SourceGraph")), []


def document_is_no_document(store: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The document behind the graph that states a participation is no mgkg:SourceDocument any more."""
    graph = graph_of(store, first(store, RDF_TYPE, node("Participation")))
    derived = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
    document = next(q.object for q in store.quads_for_pattern(graph, derived, None))
    return quads_of(store, document, RDF_TYPE), []  # type: ignore[arg-type]


def second_project_for_participation(store: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    participation = first(store, RDF_TYPE, node("Participation"))
    other = first(store, RDF_TYPE, node("Ministry"))
    return [], [ox.Quad(other, node("hasParticipation"), participation, graph_of(store, participation))]


def end_before_start(store: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    project = first(store, node("startDate"))
    year = ox.Literal("1900", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear"))
    end = ox.Quad(project, node("endDate"), year, graph_of(store, project))
    return quads_of(store, project, node("endDate")), [end]


def page_link(store: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    place = first(store, RDF_TYPE, node("Country"))
    link = ox.Quad(place, ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs"),
                   ox.NamedNode("https://www.wikidata.org/wiki/Q236"), graph_of(store, place))
    return [], [link]


def unstated_link(store: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """A link record for a link that is not in the graph (found through the record's rdf:subject)."""
    place, record = first(store, RDF_TYPE, node("Country")), ox.NamedNode("https://w3id.org/mgkg/id/link/x")
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    g = ox.NamedNode("https://w3id.org/mgkg/graph/links")
    added = [
        ox.Quad(record, RDF_TYPE, ox.NamedNode(rdf + "Statement"), g),
        ox.Quad(record, ox.NamedNode(rdf + "subject"), place, g),
        ox.Quad(record, ox.NamedNode(rdf + "predicate"), ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs"), g),
        ox.Quad(record, ox.NamedNode(rdf + "object"), ox.NamedNode("http://www.wikidata.org/entity/Q1"), g),
    ]
    return [], added


def status_leaves_its_scheme(store: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    status = next(q.object for q in store.quads_for_pattern(None, node("status"), None))
    inscheme = ox.NamedNode("http://www.w3.org/2004/02/skos/core#inScheme")
    return quads_of(store, status, inscheme), []  # type: ignore[arg-type]


def project_leaves_a_graph(store: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    project = first(store, RDF_TYPE, node("Project"))
    graph = graph_of(store, project)
    return list(store.quads_for_pattern(project, None, None, graph)), []


def hierarchy(store: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    sub = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
    return quads_of(store, node("Ministry"), sub), []


def provenance_dropped(store: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    return list(store.quads_for_pattern(None, None, None, PROVENANCE)), []


CHANGES: list[Change] = [
    relabel, unlabel, country_becomes_region, graph_is_no_source, document_is_no_document,
    second_project_for_participation, end_before_start, page_link, unstated_link, status_leaves_its_scheme,
    project_leaves_a_graph, hierarchy, provenance_dropped,
]


def results_by_check(
    report: ValidationReport, checks: tuple[Check, ...]
) -> dict[tuple[int, object], set[ValidationResult]]:
    """The results grouped by (index of the check that gives them, focus node)."""
    index = {(c.shape, c.component, c.constraint): i for i, c in enumerate(checks)}
    grouped: dict[tuple[int, object], set[ValidationResult]] = {}
    for r in report.results:
        plain = ValidationResult(r.focus_node, None, r.value, r.severity, r.message, r.shape, r.component, r.constraint)
        grouped.setdefault((index[(r.shape, r.component, r.constraint)], r.focus_node), set()).add(plain)
    return grouped


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
def test_incremental_validation_finds_what_full_validation_finds(dump: bytes, change: Change) -> None:
    store = copy(dump)
    checks = compile_shapes(load_shapes()).checks
    before = results_by_check(validate_store(store, engine="oxigraph"), checks)
    removed, added = change(store)
    for quad in removed:
        store.remove(quad)
    store.extend(added)
    derived = refresh(store, [*removed, *added])  # as a write does: the derived graph follows the change
    after_report = validate_store(store, engine="oxigraph")
    after = results_by_check(after_report, checks)
    changes = Changes.of_quads([*removed, *added, *derived.changed])
    picked = affected(store, compile_shapes(load_shapes()), changes)
    terms = TermMap()

    def is_picked(index: int, focus: object) -> bool:
        return picked is None or picked[index] is None or terms.to_ox(focus) in picked[index]  # type: ignore[arg-type, operator]

    differing = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    missed = sorted((str(checks[i].shape), str(f)) for i, f in differing if not is_picked(i, f))
    assert missed == [], "a changed result was not validated again"
    incremental = results_by_check(validate_store(store, engine="oxigraph", changes=changes), checks)
    assert incremental == {key: found for key, found in after.items() if is_picked(*key)}
    assert bool(differing) == (change is not relabel), "the change makes a difference"


def test_a_label_change_validates_only_that_project(dump: bytes) -> None:
    store = copy(dump)
    _, added = relabel(store)
    store.extend(added)
    picked = affected(store, compile_shapes(load_shapes()), Changes.of_quads(added))
    assert picked is not None
    subjects = {added[0].subject, added[0].object}
    assert all(nodes is not None and nodes <= subjects for nodes in picked.values())


def test_a_type_change_reaches_the_nodes_pointing_at_it(dump: bytes) -> None:
    store = copy(dump)
    removed, added = country_becomes_region(store)
    for quad in removed:
        store.remove(quad)
    store.extend(added)
    checks = compile_shapes(load_shapes())
    picked = affected(store, checks, Changes.of_quads([*removed, *added]))
    assert picked is not None
    country = added[0].subject
    pointing = {q.subject for q in store.quads_for_pattern(None, node("benefitingCountry"), country)}
    index = next(i for i, c in enumerate(checks.checks) if str(c.shape).endswith("Project-benefitingCountry"))
    assert pointing and pointing <= (picked[index] or set())
    report = validate_store(store, engine="oxigraph", changes=Changes.of_quads([*removed, *added]))
    assert {r.focus_node for r in report.violations} >= {TermMap().to_rdflib(p) for p in pointing}  # type: ignore[arg-type]


def test_changes_of_nodes_and_no_changes(dump: bytes) -> None:
    store = copy(dump)
    project = first(store, RDF_TYPE, node("Project"))
    assert validate_store(store, engine="oxigraph", changes=Changes()).results == []
    assert not Changes.of_nodes(store, [project]).hierarchy
    assert Changes.of_nodes(store, [node("Ministry")]).hierarchy
    assert Changes.of_quads([ox.Quad(project, LABEL, ox.Literal("x"))]).subjects == {project: {LABEL.value}}


def test_changed_quads_compares_dumps_quad_by_quad(dump: bytes) -> None:
    store = copy(dump)
    project = first(store, RDF_TYPE, node("Project"))
    gone = quads_of(store, project, LABEL)
    new = ox.Quad(project, node("acronym"), ox.Literal("X"), graph_of(store, project))
    for quad in gone:
        store.remove(quad)
    store.add(new)
    assert set(changed_quads(dump, store.dump(format=ox.RdfFormat.N_QUADS) or b"")) == {*gone, new}
    assert changed_quads(dump, dump) == []


# ------------------------------------------------------------------ what an update states

PREFIXES = "PREFIX mgkg: <https://w3id.org/mgkg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


def test_the_changes_of_data_blocks_and_dropped_graphs_are_read_from_the_update(dump: bytes) -> None:
    """graph.changes.compute (which replaced server/write_changes.stated_changes) names the changes of INSERT DATA,
    DELETE DATA and DROP GRAPH <iri> without comparing dumps; no GRAPH means the writer's contribution graph."""
    store = copy(dump)
    provenance = set(store.quads_for_pattern(None, None, None, PROVENANCE))
    update = PREFIXES + (
        'INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> rdfs:label "A" } } ;\n'
        "DELETE DATA { <http://example.org/b> mgkg:amountValue -5.0 } ;\n"
        f"DROP SILENT GRAPH <{PROVENANCE.value}> ; CREATE GRAPH <http://example.org/new> ; "
        "INSERT DATA { <rel> rdfs:label 'x' }"
    )
    contribution = ox.NamedNode("https://w3id.org/mgkg/graph/contributions/test")
    added, removed = compute(store, update, "http://example.org/base/", contribution)
    assert provenance and set(removed) == provenance  # b's amount was not there: removing it changes nothing
    a, g = ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/g")
    assert set(added) == {ox.Quad(a, LABEL, ox.Literal("A"), g),
                          ox.Quad(ox.NamedNode("http://example.org/base/rel"), LABEL, ox.Literal("x"), contribution)}


@pytest.mark.parametrize(
    "update",
    [
        "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DROP ALL",
        "CLEAR NAMED",
        "LOAD <http://example.org/x>",
        "DROP GRAPH <relative>",
        "COPY <http://example.org/a> TO <http://example.org/b>",
    ],
)
def test_other_updates_are_compared_before_and_after(update: str) -> None:
    assert kind(split(update)[0]) == "RUN"


# ------------------------------------------------------------------ the write path

GRAPH = "https://w3id.org/mgkg/graph/000_b68a0693b93220c3"
CONTRIBUTION = "https://w3id.org/mgkg/graph/contributions/editor"
"""Where the update token's writes may go (a document graph such as GRAPH is read-only)."""
TOKEN = "s3cret"


@pytest.fixture
def client(built: Dataset) -> Iterator[tuple[FlaskClient, EmbeddedStore]]:
    """A client with updates on, over a store of the built graph plus one violation that was already there."""
    store = open_store("memory")
    store.replace(built)
    store.raw.add(ox.Quad(ox.NamedNode("https://w3id.org/mgkg/id/project/old-problem"), RDF_TYPE, node("Project"),
                          ox.NamedNode(GRAPH)))
    yield create_app(Settings(store="memory", update_token=TOKEN), store).test_client(), store
    store.close()


def post(client: FlaskClient, update: str) -> int:
    """POST a SPARQL update; the status code."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    response = client.post("/sparql", data=update.encode(), content_type="application/sparql-update", headers=headers)
    return response.status_code


def test_a_write_is_judged_by_the_nodes_it_touches(client: tuple[FlaskClient, EmbeddedStore]) -> None:
    app, store = client
    assert not validate_store(store.raw, engine="oxigraph").no_violations  # the old problem
    project = "https://w3id.org/mgkg/id/project/youth-social-participation-montenegro"
    good = PREFIXES + f'INSERT DATA {{ GRAPH <{CONTRIBUTION}> {{ <{project}> rdfs:comment "checked" }} }}'
    assert post(app, good) == 204
    bad = PREFIXES + f"INSERT DATA {{ GRAPH <{CONTRIBUTION}> {{ <{project}> mgkg:budget <{project}> }} }}"
    assert post(app, bad) == 422
    comment = f"GRAPH <{CONTRIBUTION}> {{ <{project}> rdfs:comment ?c }}"
    where = PREFIXES + f"DELETE {{ {comment} }} WHERE {{ {comment} }}"
    assert post(app, where) == 204  # compared before and after: only the comment changed
    unlabel = PREFIXES + f"DELETE WHERE {{ GRAPH ?g {{ <{project}> rdfs:label ?l }} }}"
    assert post(app, unlabel) == 403  # the label is in a document graph: read-only


def test_a_store_on_disk_is_copied_as_a_checkpoint_and_cleaned_up(built: Dataset, tmp_path: Path) -> None:
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    assert isinstance(store, EmbeddedStore)
    store.replace(built)
    app = create_app(Settings(store="memory", update_token=TOKEN), store).test_client()
    project = "https://w3id.org/mgkg/id/project/youth-social-participation-montenegro"
    inside = f"GRAPH <{CONTRIBUTION}>"
    assert post(app, PREFIXES + f'INSERT DATA {{ {inside} {{ <{project}> rdfs:comment "on disk" }} }}') == 204
    assert post(app, PREFIXES + f"INSERT DATA {{ {inside} {{ <{project}> mgkg:budget <{project}> }} }}") == 422
    assert post(app, PREFIXES + f"DELETE WHERE {{ {inside} {{ <{project}> rdfs:comment ?c }} }}") == 204
    # no scratch copy left; the query processes read checkpoints of the store this app writes (server.isolation)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal", "readers", "store"]
    assert len(list((tmp_path / "readers").iterdir())) == 1  # only the latest: no job runs on an older one
    assert not store.raw.query(f'ASK {{ <{project}> ?p "on disk" }}', use_default_graph_as_union=True)  # deleted
    store.close()
