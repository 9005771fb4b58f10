"""The ontology's documentation, as data: every class, property, concept scheme and concept of the ontology graph
with its label, definition and the facts that place it (super-classes, domain and range, broader concepts …).

`document_ontology` is a job for server.context.Runtime.run, through the one query path
(queries/pages/ontology-terms.rq on the graph `<base>graph/ontology`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from graph.core.config import Settings
from graph.core.namespaces import ONTOLOGY_IRI, STANDARD, graph_iri
from graph.pages.entity import pick_label
from graph.pages.select import Term, page_query, select
from graph.sparql.execute import Engine, Executor

OWL, RDFS, SKOS, RDF = STANDARD["owl"], STANDARD["rdfs"], STANDARD["skos"], STANDARD["rdf"]
KINDS = (
    ("classes", "Classes", (OWL + "Class", RDFS + "Class")),
    ("object-properties", "Object properties", (OWL + "ObjectProperty",)),
    ("datatype-properties", "Datatype properties", (OWL + "DatatypeProperty",)),
    ("annotation-properties", "Annotation properties", (OWL + "AnnotationProperty", RDF + "Property")),
)
"""Sections of the page: anchor, heading, the rdf:types of their terms."""
NAMES = (RDFS + "label", SKOS + "prefLabel")
DEFINITIONS = (SKOS + "definition", RDFS + "comment", STANDARD["dcterms"] + "description")
HIDDEN = (*NAMES, *DEFINITIONS, RDF + "type", RDFS + "isDefinedBy", SKOS + "inScheme", SKOS + "topConceptOf")
"""Properties the page shows in the term's heading, or not at all; every other fact is listed under it."""


@dataclass(frozen=True)
class Shown:
    """A value of a fact: an IRI with its label and its anchor on the page (when it is a term of the ontology), or
    a literal; a union of datatypes or classes is shown as its members."""

    value: str
    label: str | None = None
    anchor: str | None = None
    literal: bool = False
    members: tuple[Shown, ...] = ()


@dataclass(frozen=True)
class OntologyTerm:
    """A class, property, concept scheme or concept: IRI, anchor on the page, label, definition, facts."""

    iri: str
    anchor: str
    label: str
    definition: str | None
    facts: tuple[tuple[str, str | None, Shown], ...]
    """(property IRI, property label, value) for each fact that is not the label, definition or type."""


@dataclass(frozen=True)
class Scheme:
    """A concept scheme and its concepts."""

    term: OntologyTerm
    concepts: tuple[OntologyTerm, ...]


@dataclass(frozen=True)
class OntologyDoc:
    """The documentation page: the ontology's own label and description, its terms by kind, its concept schemes."""

    iri: str
    title: str
    description: str | None
    sections: tuple[tuple[str, str, tuple[OntologyTerm, ...]], ...]
    schemes: tuple[Scheme, ...]


def anchor(iri: str) -> str:
    """The term's anchor on the page: the fragment of an ontology term (`Project`), `vocab-theme-asylum` for a
    concept, the last path segments otherwise."""
    if "#" in iri:
        return iri.rsplit("#", 1)[1]
    return "-".join(iri.rstrip("/").split("/")[-3:])


class _Graph:
    """The ontology graph's triples, by subject."""

    def __init__(self, rows: list[dict[str, Term]]) -> None:
        self.facts: dict[str, list[tuple[str, Term]]] = defaultdict(list)
        for row in rows:
            subject = row["s"]["value"] if row["s"]["type"] == "uri" else "_:" + row["s"]["value"]
            pair = (row["p"]["value"], row["o"])
            if pair not in self.facts[subject]:
                self.facts[subject].append(pair)

    def objects(self, subject: str, predicates: tuple[str, ...]) -> list[Term]:
        return [o for p, o in self.facts.get(subject, []) if p in predicates]

    def label(self, iri: str) -> str | None:
        return pick_label(self.objects(iri, NAMES))

    def terms(self, types: tuple[str, ...]) -> list[str]:
        return sorted(s for s, facts in self.facts.items() if not s.startswith("_:")
                      and any(p == RDF + "type" and o["value"] in types for p, o in facts))  # fmt: skip

    def items(self, node: str) -> list[Term]:
        """The members of the RDF list starting at `node`."""
        found: list[Term] = []
        while node != RDF + "nil" and len(found) < 100:
            first, rest = self.objects(node, (RDF + "first",)), self.objects(node, (RDF + "rest",))
            if not first or not rest:
                break
            found.append(first[0])
            node = rest[0]["value"] if rest[0]["type"] == "uri" else "_:" + rest[0]["value"]
        return found


def _shown(graph: _Graph, term: Term, local: set[str]) -> Shown:
    if term["type"] == "literal":
        return Shown(term["value"], literal=True)
    if term["type"] == "bnode":
        unions = graph.objects("_:" + term["value"], (OWL + "unionOf",))
        head = unions[0] if unions else None
        start = None if head is None else head["value"] if head["type"] == "uri" else "_:" + head["value"]
        members = tuple(_shown(graph, item, local) for item in graph.items(start)) if start else ()
        return Shown("(blank node)", members=members)
    iri = term["value"]
    return Shown(iri, graph.label(iri), anchor(iri) if iri in local else None)


def _term(graph: _Graph, iri: str, local: set[str]) -> OntologyTerm:
    facts = sorted(
        ((p, graph.label(p), _shown(graph, o, local)) for p, o in graph.facts[iri] if p not in HIDDEN),
        key=lambda fact: ((fact[1] or fact[0]).lower(), fact[2].label or fact[2].value),
    )
    return OntologyTerm(iri, anchor(iri), graph.label(iri) or anchor(iri),
                        pick_label(graph.objects(iri, DEFINITIONS)), tuple(facts))


@dataclass(frozen=True)
class OntologyRequest:
    """The settings the documentation is built under (the ontology graph lies under their base)."""

    settings: Settings


def document_ontology(engine: Engine, executor: Executor, ask: OntologyRequest) -> OntologyDoc:
    """Every term of the ontology graph, by kind, and every concept scheme with its concepts."""
    bound = {"g": graph_iri("ontology", ask.settings.base)}
    rows, _ = select(engine, executor, ask.settings, page_query("ontology-terms"), bound, rows=1_000_000)
    graph = _Graph(rows)
    schemes_iris = graph.terms((SKOS + "ConceptScheme",))
    concepts = graph.terms((SKOS + "Concept",))
    sections_iris = [(key, title, graph.terms(types)) for key, title, types in KINDS]
    local = {iri for _, _, iris in sections_iris for iri in iris} | set(schemes_iris) | set(concepts)
    sections = tuple(
        (key, title, tuple(sorted((_term(graph, iri, local) for iri in iris), key=lambda t: t.label.casefold())))
        for key, title, iris in sections_iris
    )
    in_scheme: dict[str, list[str]] = defaultdict(list)
    for concept in concepts:
        for scheme in graph.objects(concept, (SKOS + "inScheme", SKOS + "topConceptOf")):
            if concept not in in_scheme[scheme["value"]]:
                in_scheme[scheme["value"]].append(concept)
    schemes = tuple(
        Scheme(_term(graph, iri, local), tuple(sorted((_term(graph, c, local) for c in in_scheme[iri]),
                                                      key=lambda t: t.label.casefold())))
        for iri in schemes_iris
    )  # fmt: skip
    own = str(ONTOLOGY_IRI)
    return OntologyDoc(own, graph.label(own) or "mgkg ontology", pick_label(graph.objects(own, DEFINITIONS)),
                       sections, schemes)

