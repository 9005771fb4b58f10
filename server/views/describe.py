"""Descriptions of the service and the dataset: SPARQL Service Description and VoID.

* `service_description(fmt)` is what `GET /sparql` without a query answers (server.views.protocol negotiates the
  format); `GET /service-description` serves the same for convenience.
* `GET /.well-known/void` describes the dataset with VoID (Turtle by default, any RDF format negotiated):
  counts over the union of the named graphs (void:entities: the IRI subjects of every graph but the ontology
  graph), a class partition for every rdf:type in the union (ontology classes such as owl:Class included),
  and one subset per named graph with the source document it was derived from.
  VoID names the dumps of server.views.dumps as void:dataDump.

The counts are computed on first use and cached per app (server.context.Runtime.cached): every write
through the app recomputes them, and so does a change of the quad count made by anything else. They run on the
store's own SELECT (`store.select`) in an executor worker under `settings.query_timeout`, like any query: a store
too big to count in time answers 503 rather than holding the request.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, request

from graph.core.errors import MgkgError
from graph.core.formats import RDF, RESULTS, by_name
from graph.core.namespaces import MGKG, STANDARD, VOCABULARIES, graph_iri, prefixes
from graph.linking.links import TARGETS
from graph.linking.linksets import Linkset, linksets
from graph.sparql.execute import Deadline, QueryFailed
from graph.stats import Stats, compute_stats
from server.conditional import Unsteady, validated
from server.context import Runtime, runtime
from server.http import ANY_METHOD, methods
from server.negotiation import choose
from server.views.dumps import DUMPS
from server.views.rdf_page import rdf_page, wants_page
from server.writers import writes_enabled

bp = Blueprint("describe", __name__)

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = STANDARD["void"]
XSD_INTEGER = ox.NamedNode(STANDARD["xsd"] + "integer")

_PREFIXES = {**prefixes(), "sd": SD}
_OBJECTS = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"
_ENTITIES = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s) && ?g != <%s>) }"
_CLASSES = "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class FILTER(isIRI(?class)) } GROUP BY ?class"
_SOURCES = "SELECT ?g ?doc WHERE { ?g <http://www.w3.org/ns/prov#wasDerivedFrom> ?doc FILTER(isIRI(?doc)) }"
_LICENSES = "SELECT ?g ?license WHERE { ?g <http://purl.org/dc/terms/license> ?license FILTER(isIRI(?license)) }"
_TERMS = """SELECT DISTINCT ?term WHERE {
  { ?s ?term ?o } UNION { ?s a ?term } UNION {
    ?s <http://www.w3.org/2000/01/rdf-schema#subClassOf> | <http://www.w3.org/2000/01/rdf-schema#subPropertyOf>
       | <http://www.w3.org/2002/07/owl#equivalentClass> | <http://www.w3.org/2002/07/owl#equivalentProperty> ?term
  } FILTER(isIRI(?term)) }"""
OWN_VOCABULARIES = [str(MGKG), *(f"https://w3id.org/mgkg/vocab/{folder}/" for folder in VOCABULARIES.values())]
"""mgkg's ontology and concept schemes: always a void:vocabulary."""

Subject = ox.NamedNode | ox.BlankNode


@dataclass(frozen=True)
class Facts:
    """What the descriptions say about the store: graph.stats numbers plus VoID's own."""

    stats: Stats
    default_triples: int
    entities: int
    objects: int
    classes: dict[str, int]
    sources: dict[str, list[str]]
    vocabularies: list[str]
    """mgkg's own vocabularies, then the standard ones a property, class or alignment of the store uses."""
    linksets: list[Linkset]
    licenses: dict[str, list[str]]
    """Named graph → the dcterms:license its description states (the enrichment datasets')."""


def _value(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    assert term is not None  # every variable the description queries select is bound
    return term.value


def compute_facts(rt: Runtime, deadline: Deadline) -> Facts:
    """Count everything the service description and VoID state (uncached); TimeoutError when `deadline` is up
    before one of the counts."""
    store, settings = rt.store, rt.settings

    def rows(text: str) -> list[list[str]]:
        deadline.check()
        return [[_value(term) for term in row] for row in store.select(text)]

    deadline.check()
    stats = compute_stats(store)
    union = settings.union_default_graph
    default = stats.triples if union else len(list(store.raw.quads_for_pattern(None, None, None, ox.DefaultGraph())))
    sources: dict[str, list[str]] = {}
    for graph, document in sorted(rows(_SOURCES)):
        if graph in stats.graphs:
            sources.setdefault(graph, []).append(document)
    licenses: dict[str, list[str]] = {}
    for graph, license in sorted(rows(_LICENSES)):
        if graph in stats.graphs:
            licenses.setdefault(graph, []).append(license)
    terms = [row[0] for row in rows(_TERMS)]
    entities, objects = int(rows(_ENTITIES % graph_iri("ontology", settings.base))[0][0]), int(rows(_OBJECTS)[0][0])
    classes = {cls: int(count) for cls, count in sorted(rows(_CLASSES))}
    deadline.check()
    return Facts(
        stats=stats,
        default_triples=default,
        entities=entities,
        objects=objects,
        classes=classes,
        sources=sources,
        vocabularies=OWN_VOCABULARIES + [ns for ns in STANDARD.values() if any(t.startswith(ns) for t in terms)],
        linksets=linksets(store),
        licenses=licenses,
    )


def facts() -> Facts:
    """The store's Facts, cached (server.context.Runtime.cached), counted under the executor's time limit
    (`settings.query_timeout`: QueryFailed TIMEOUT, a 503, for a store too big to count in time)."""
    rt = runtime()

    def counted(deadline: Deadline) -> Facts:
        try:
            return compute_facts(rt, deadline)
        except MgkgError as error:  # as a QueryFailed, which the executor strips of the worker's frames
            raise QueryFailed(str(error), kind=error.kind) from None

    return rt.cached("facts", lambda: rt.executor.call(rt.settings.query_timeout, counted, "describing the dataset"))


class Triples:
    """A list of pyoxigraph triples built with short calls, serialized in any RDF format."""

    def __init__(self) -> None:
        """Start empty."""
        self.items: list[ox.Triple] = []

    def add(self, subject: Subject, predicate: str, obj: Subject | ox.Literal) -> None:
        """Add one triple; `predicate` is a full IRI."""
        self.items.append(ox.Triple(subject, ox.NamedNode(predicate), obj))

    def count(self, subject: Subject, predicate: str, value: int) -> None:
        """Add a triple whose object is an xsd:integer."""
        self.add(subject, predicate, ox.Literal(str(value), datatype=XSD_INTEGER))

    def serialize(self, fmt: str) -> bytes:
        """The triples in the negotiated RDF format `fmt` (a graph.core.formats name), used prefixes only."""
        iris = {term.value for t in self.items for term in t if isinstance(term, ox.NamedNode)}
        used = {p: ns for p, ns in _PREFIXES.items() if any(iri.startswith(ns) for iri in iris)}
        return ox.serialize(self.items, format=by_name(fmt).rdf, prefixes=used) or b""


def _url(path: str) -> ox.NamedNode:
    return ox.NamedNode(request.url_root + path)


def writes_key() -> str:
    """What the descriptions' ETags add to the request: whether writes are on (the writers file may change, so the
    key is Unsteady: worked out for every request)."""
    return Unsteady("writes" if writes_enabled(runtime().settings) else "read-only")


def service_description(fmt_name: str) -> tuple[bytes, str]:
    """The SPARQL Service Description of /sparql in the RDF format `fmt_name`: body and Content-Type."""
    settings, known = runtime().settings, facts()
    out = Triples()
    service = ox.BlankNode()
    out.add(service, STANDARD["rdf"] + "type", ox.NamedNode(SD + "Service"))
    out.add(service, SD + "endpoint", _url("sparql"))
    out.add(service, SD + "supportedLanguage", ox.NamedNode(SD + "SPARQL11Query"))
    if writes_enabled(settings):
        out.add(service, SD + "supportedLanguage", ox.NamedNode(SD + "SPARQL11Update"))
    for fmt in (*RESULTS, *RDF):
        out.add(service, SD + "resultFormat", ox.NamedNode(fmt.iri))
    if settings.union_default_graph:
        out.add(service, SD + "feature", ox.NamedNode(SD + "UnionDefaultGraph"))
    dataset, default = ox.BlankNode(), ox.BlankNode()
    out.add(service, SD + "defaultDataset", dataset)
    out.add(dataset, STANDARD["rdf"] + "type", ox.NamedNode(SD + "Dataset"))
    out.add(dataset, SD + "defaultGraph", default)
    out.add(default, STANDARD["rdf"] + "type", ox.NamedNode(SD + "Graph"))
    out.count(default, VOID + "triples", known.default_triples)
    for name, triples in known.stats.graphs.items():
        named, graph = ox.BlankNode(), ox.BlankNode()
        out.add(dataset, SD + "namedGraph", named)
        out.add(named, STANDARD["rdf"] + "type", ox.NamedNode(SD + "NamedGraph"))
        out.add(named, SD + "name", ox.NamedNode(name))
        out.add(named, SD + "graph", graph)
        out.add(graph, STANDARD["rdf"] + "type", ox.NamedNode(SD + "Graph"))
        out.count(graph, VOID + "triples", triples)
    return out.serialize(fmt_name), by_name(fmt_name).content_type


def void_description(fmt_name: str) -> bytes:
    """The VoID description of the dataset in the RDF format `fmt_name`."""
    known, base = facts(), runtime().settings.base
    out = Triples()
    dataset = _url(".well-known/void#mgkg")
    out.add(dataset, STANDARD["rdf"] + "type", ox.NamedNode(VOID + "Dataset"))
    out.add(dataset, STANDARD["dcterms"] + "title", ox.Literal("Migration Governance Knowledge Graph", language="en"))
    out.add(dataset, VOID + "uriSpace", ox.Literal(base + "id/"))
    out.add(dataset, VOID + "sparqlEndpoint", _url("sparql"))
    for name in DUMPS:
        out.add(dataset, VOID + "dataDump", _url("dumps/" + name))
    for namespace in known.vocabularies:
        out.add(dataset, VOID + "vocabulary", ox.NamedNode(namespace))
    for predicate, value in (
        ("triples", known.stats.triples),
        ("entities", known.entities),
        ("classes", len(known.classes)),
        ("properties", known.stats.properties),
        ("distinctSubjects", known.stats.subjects),
        ("distinctObjects", known.objects),
    ):
        out.count(dataset, VOID + predicate, value)
    for cls, entities in known.classes.items():
        partition = ox.BlankNode()
        out.add(dataset, VOID + "classPartition", partition)
        out.add(partition, VOID + "class", ox.NamedNode(cls))
        out.count(partition, VOID + "entities", entities)
    for name, triples in known.stats.graphs.items():
        subset = ox.NamedNode(name)
        out.add(dataset, VOID + "subset", subset)
        out.add(subset, STANDARD["rdf"] + "type", ox.NamedNode(VOID + "Dataset"))
        out.count(subset, VOID + "triples", triples)
        for document in known.sources.get(name, []):
            out.add(subset, STANDARD["dcterms"] + "source", ox.NamedNode(document))
            out.add(subset, STANDARD["prov"] + "wasDerivedFrom", ox.NamedNode(document))
        for license in known.licenses.get(name, []):
            out.add(subset, STANDARD["dcterms"] + "license", ox.NamedNode(license))
    for linkset in known.linksets:
        node = _url(f".well-known/void#links-{linkset.target}-{linkset.predicate.rsplit('#', 1)[-1]}")
        target = _url(f".well-known/void#{linkset.target}")
        out.add(dataset, VOID + "subset", node)
        out.add(node, STANDARD["rdf"] + "type", ox.NamedNode(VOID + "Linkset"))
        out.add(node, VOID + "subjectsTarget", dataset)
        out.add(node, VOID + "objectsTarget", target)
        out.add(node, VOID + "linkPredicate", ox.NamedNode(str(linkset.predicate)))
        out.count(node, VOID + "triples", linkset.count)
        out.add(target, STANDARD["rdf"] + "type", ox.NamedNode(VOID + "Dataset"))
        out.add(target, STANDARD["dcterms"] + "title", ox.Literal(TARGETS[linkset.target].title, language="en"))
        out.add(target, VOID + "uriSpace", ox.Literal(linkset.uri_space))
    return out.serialize(fmt_name)


def _rdf_response(body: bytes, content_type: str) -> Response:
    response = Response(body, 200, content_type=content_type)
    response.vary.add("Accept")
    return response


@bp.route("/service-description", methods=ANY_METHOD)
@validated(writes_key)
@methods("GET, HEAD")
def service() -> Response:
    """The SPARQL Service Description (the same as GET /sparql without a query)."""
    return service_response()


def service_response() -> Response:
    """The service description in the format the request negotiates (also GET /sparql without a query)."""
    if wants_page():
        return rdf_page("SPARQL service description", "What the SPARQL endpoint at /sparql offers.",
                        service_description("turtle")[0])
    fmt = choose(request, RDF, request.args.get("format"))
    return _rdf_response(*service_description(fmt.name))


@bp.route("/.well-known/void", methods=ANY_METHOD)
@validated(writes_key)
@methods("GET, HEAD")
def void() -> Response:
    """The VoID description of the dataset (Turtle by default; a page for browsers)."""
    if wants_page():
        return rdf_page("VoID description of the dataset", "Counts, classes, named graphs and linksets of mgkg.",
                        void_description("turtle"))
    fmt = choose(request, RDF, request.args.get("format"))
    return _rdf_response(void_description(fmt.name), fmt.content_type)
