"""An entity as its page shows it: labels in every language, types, every fact grouped by the named graph (and so
the document) that states it, editorial statements apart, disagreements between documents side by side, links in
and out, and the parts of its neighbours worth showing inline (amounts with their currency, participations).

`describe_entity` is a job for server.context.Runtime.run: it runs queries/pages/entity-*.rq through the one
query path and returns plain, picklable data (None when no triple names the IRI).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import URIRef

from graph.core.config import Settings
from graph.core.namespaces import MGKG, STANDARD
from graph.pages.places import Place, Text, read_places
from graph.pages.select import Row, Term, page_query, select, value
from graph.sparql.execute import Engine, Executor

RDF_TYPE = STANDARD["rdf"] + "type"
LABELS = (STANDARD["rdfs"] + "label", STANDARD["skos"] + "prefLabel", STANDARD["skos"] + "altLabel")
"""The properties whose values are an entity's names (the page's heading and "also known as")."""
SAME_AS = (STANDARD["owl"] + "sameAs", STANDARD["skos"] + "exactMatch", STANDARD["skos"] + "closeMatch")
"""The properties linking an entity to the same thing in another dataset (Wikidata, GeoNames, DBpedia …)."""
INLINE_HIDDEN = (RDF_TYPE, *LABELS)
"""A neighbour's facts not repeated inline: its link shows its label, its type is in its label."""
INCOMING_ROWS = 500
"""Most links into an entity a page lists (a hub of a synthetic graph has thousands)."""
GRAPH_KINDS = {"curation": "editorial", "links": "links", "enrichment": "enrichment", "ontology": "ontology",
               "provenance": "provenance"}  # fmt: skip
"""Named graph (under <base>graph/) → what its statements are, for graphs that are no document's."""
KIND_ORDER = ("document", "editorial", "provenance", "links", "enrichment", "ontology", "other")


def term_key(term: Term) -> tuple[str, ...]:
    """A hashable key of a term: equal keys, equal RDF terms."""
    return (term["type"], term["value"], term.get("xml:lang", ""), term.get("datatype", ""))


def pick_label(labels: Iterable[Term], language: str = "en") -> str | None:
    """The label to show: one in `language`, else one without a language, else any; None without labels."""
    found = sorted({term_key(t): t for t in labels}.values(), key=lambda t: (t.get("xml:lang", ""), t["value"]))
    for wanted in (language, ""):
        for label in found:
            if label.get("xml:lang", "").lower().split("-")[0] == wanted:
                return label["value"]
    return found[0]["value"] if found else None


@dataclass(frozen=True)
class Detail:
    """One fact of a neighbour shown inline (a participation's role), or the project that has a participation."""

    predicate: str
    predicate_label: str | None
    value: Term
    label: str | None
    inverse: bool = False


@dataclass(frozen=True)
class Value:
    """An RDF term on the page, with its label (an IRI's) and the facts shown inline for a neighbour."""

    term: Term
    label: str | None = None
    details: tuple[Detail, ...] = ()

    @property
    def money(self) -> tuple[str, str] | None:
        """(amount, ISO 4217 code) when this is a monetary amount or a figure with a currency."""
        found = {d.predicate: d.value["value"] for d in self.details if not d.inverse}
        amount, currency = found.get(str(MGKG.amountValue)) or found.get(str(MGKG.value)), found.get(str(MGKG.currency))
        return (amount, currency) if amount is not None and currency is not None else None


@dataclass(frozen=True)
class Fact:
    """A property and a value, as one graph states it; `disputed` when another document gives another value."""

    predicate: str
    predicate_label: str | None
    value: Value
    disputed: bool = False
    places: tuple[Place, ...] = ()
    """Where on the document's page the fact is stated (the fact ledger's anchors), when the graph records it."""


@dataclass(frozen=True)
class Source:
    """A named graph and the facts it states about the entity: a document's, or the editorial (curation) graph …"""

    graph: str
    kind: str
    document: str | None = None
    title: str | None = None
    facts: tuple[Fact, ...] = ()
    text: Text | None = None
    """The document text its facts' places count in (seed file, SHA-256), when a fact has a place."""


@dataclass(frozen=True)
class Side:
    """One document's side of a disagreement: the values it gives that the other does not."""

    graph: str
    document: str | None
    title: str | None
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Disagreement:
    """A property on which documents give different values (as queries/conflicting-facts.rq defines it)."""

    predicate: str
    predicate_label: str | None
    sides: tuple[Side, ...]


@dataclass(frozen=True)
class Link:
    """A triple linking another resource to the entity."""

    subject: Value
    predicate: str
    predicate_label: str | None
    graph: str


@dataclass(frozen=True)
class Entity:
    """Everything the entity page shows."""

    iri: str
    labels: tuple[Term, ...]
    types: tuple[Value, ...]
    sources: tuple[Source, ...]
    disagreements: tuple[Disagreement, ...]
    incoming: tuple[Link, ...]
    incoming_cut: bool
    same_as: tuple[str, ...]
    descriptions: tuple[Term, ...] = field(default=())
    main_labels: tuple[Term, ...] = field(default=())
    """The labels proper (rdfs:label, skos:prefLabel); `labels` has the alternative ones too."""

    @property
    def label(self) -> str:
        """The heading: the English label proper (or any), else an alternative label, else the IRI."""
        for names in (self.main_labels, self.labels):
            found = pick_label([t for t in names if t.get("type") == "literal"])
            if found:
                return found
        return self.iri


@dataclass(frozen=True)
class EntityRequest:
    """Which entity to describe, with the settings it runs under (picklable: it goes to a query process)."""

    iri: str
    settings: Settings


def graph_kind(graph: str, document: str | None) -> str:
    """What a named graph's statements are: a document's, editorial (curation), links, enrichment …"""
    name = graph.rsplit("/graph/", 1)[-1].split("/", 1)[0]  # <base>graph/enrichment/coco → enrichment
    return GRAPH_KINDS.get(name, "document" if document is not None else "other")


def _labels_by(rows: list[Row], key: str, label: str) -> dict[str, list[Term]]:
    found: dict[str, list[Term]] = defaultdict(list)
    for row in rows:
        if key in row and label in row:
            found[row[key]["value"]].append(row[label])
    return found


def _details(rows: list[Row]) -> dict[str, tuple[Detail, ...]]:
    """Inline facts per neighbour node, one per (property, value, direction)."""
    labels = _labels_by(rows, "v", "vlabel")
    plabels = _labels_by(rows, "p", "plabel")
    found: dict[str, dict[tuple[object, ...], Detail]] = defaultdict(dict)
    for row in rows:
        node, predicate, term = row["node"]["value"], row["p"]["value"], row["v"]
        inverse = value(row, "inverse") == "true"
        if predicate in INLINE_HIDDEN or (inverse and term["value"] == value(row, "s")):
            continue  # the link's own text says it; the page's entity itself
        found[node].setdefault((predicate, term_key(term), inverse), Detail(
            predicate, pick_label(plabels.get(predicate, [])), term,
            pick_label(labels.get(term["value"], [])) if term["type"] == "uri" else None, inverse,
        ))
    return {node: tuple(sorted(items.values(), key=lambda d: (d.inverse, d.predicate_label or d.predicate)))
            for node, items in found.items()}  # fmt: skip


def _value(term: Term, labels: dict[str, list[Term]], details: dict[str, tuple[Detail, ...]]) -> Value:
    if term["type"] != "uri":
        return Value(term)
    return Value(term, pick_label(labels.get(term["value"], [])), details.get(term["value"], ()))


def _disagreements(sources: list[Source]) -> tuple[list[Disagreement], set[tuple[str, str, tuple[str, ...]]]]:
    """Properties on which two documents differ: each gives a value the other does not (literals compared within
    one language), as queries/conflicting-facts.rq; and the (graph, property, value) facts that are disputed."""
    by_property: dict[str, dict[str, Source]] = defaultdict(dict)
    for source in sources:
        if source.kind == "document":
            for fact in source.facts:
                by_property[fact.predicate][source.graph] = source
    found: list[Disagreement] = []
    disputed: set[tuple[str, str, tuple[str, ...]]] = set()
    for predicate, graphs in sorted(by_property.items()):
        if len(graphs) < 2:
            continue
        values = {
            graph: {term_key(f.value.term): f for f in source.facts if f.predicate == predicate}
            for graph, source in graphs.items()
        }
        sides: dict[str, list[Value]] = defaultdict(list)
        for first in graphs:
            for second in graphs:
                if first >= second:
                    continue
                own = [k for k in values[first] if k not in values[second]]
                other = [k for k in values[second] if k not in values[first]]
                if not own or not other or not _comparable(own, other):
                    continue
                for graph, keys in ((first, own), (second, other)):
                    for key in keys:
                        disputed.add((graph, predicate, key))
                        if values[graph][key].value not in sides[graph]:
                            sides[graph].append(values[graph][key].value)
        if sides:
            label = next(iter(values[next(iter(sides))].values())).predicate_label
            found.append(Disagreement(predicate, label, tuple(
                Side(g, graphs[g].document, graphs[g].title, tuple(vals)) for g, vals in sorted(sides.items())
            )))
    return found, disputed


def _comparable(own: list[tuple[str, ...]], other: list[tuple[str, ...]]) -> bool:
    """Whether two documents' values can disagree: not two literals of different languages only."""
    return any(a[0] != "literal" or b[0] != "literal" or a[2] == b[2] for a in own for b in other)


def _sources(rows: list[Row], details: dict[str, tuple[Detail, ...]]) -> list[Source]:
    plabels, olabels = _labels_by(rows, "p", "plabel"), _labels_by(rows, "o", "olabel")
    facts: dict[str, dict[tuple[object, ...], Fact]] = defaultdict(dict)
    documents: dict[str, tuple[str | None, str | None]] = {}
    for row in rows:
        graph, predicate = row["g"]["value"], row["p"]["value"]
        documents.setdefault(graph, (value(row, "doc"), value(row, "title")))
        facts[graph].setdefault((predicate, term_key(row["o"])), Fact(
            predicate, pick_label(plabels.get(predicate, [])), _value(row["o"], olabels, details)
        ))
    sources = [
        Source(graph, graph_kind(graph, documents[graph][0]), *documents[graph],
               facts=tuple(sorted(found.values(), key=_fact_order)))
        for graph, found in facts.items()
    ]  # fmt: skip
    return sorted(sources, key=lambda s: (KIND_ORDER.index(s.kind), s.graph))


def _fact_order(fact: Fact) -> tuple[object, ...]:
    return (fact.predicate != RDF_TYPE, (fact.predicate_label or fact.predicate).lower(), fact.value.term["value"])


def _incoming(rows: list[Row]) -> list[Link]:
    labels, plabels = _labels_by(rows, "x", "xlabel"), _labels_by(rows, "p", "plabel")
    found: dict[tuple[object, ...], Link] = {}
    for row in rows:
        subject, predicate = row["x"], row["p"]["value"]
        found.setdefault((term_key(subject), predicate, row["g"]["value"]), Link(
            _value(subject, labels, {}), predicate, pick_label(plabels.get(predicate, [])), row["g"]["value"]
        ))
    return sorted(found.values(), key=lambda k: ((k.predicate_label or k.predicate).lower(),
                                                (k.subject.label or k.subject.term["value"]).lower()))


def describe_entity(engine: Engine, executor: Executor, ask: EntityRequest) -> Entity | None:
    """The entity `ask.iri` as its page shows it; None when no triple has it as subject or object."""
    settings, bound = ask.settings, {"s": URIRef(ask.iri)}
    facts, _ = select(engine, executor, settings, page_query("entity-facts"), bound)
    incoming, cut = select(engine, executor, settings, page_query("entity-incoming"), bound, rows=INCOMING_ROWS)
    if not facts and not incoming:
        return None
    details = _details(select(engine, executor, settings, page_query("entity-details"), bound)[0])
    sources = _sources(facts, details)
    disagreements, disputed = _disagreements(sources)
    places, texts = read_places(
        select(engine, executor, settings, page_query("entity-places"), bound)[0], term_key, settings.seeds
    )
    sources = [
        Source(s.graph, s.kind, s.document, s.title, tuple(
            Fact(f.predicate, f.predicate_label, f.value, (s.graph, f.predicate, term_key(f.value.term)) in disputed,
                 places.get((s.graph, f.predicate, term_key(f.value.term)), ()))
            for f in s.facts
        ), texts.get(s.graph)) for s in sources
    ]  # fmt: skip
    every = [f for s in sources for f in s.facts]
    return Entity(
        iri=ask.iri,
        labels=tuple({term_key(f.value.term): f.value.term for f in every if f.predicate in LABELS}.values()),
        main_labels=tuple({term_key(f.value.term): f.value.term for f in every if f.predicate in LABELS[:2]}.values()),
        types=tuple({f.value.term["value"]: f.value for f in every if f.predicate == RDF_TYPE}.values()),
        sources=tuple(sources),
        disagreements=tuple(disagreements),
        incoming=tuple(_incoming(incoming)),
        incoming_cut=cut,
        same_as=tuple(sorted({f.value.term["value"] for f in every if f.predicate in SAME_AS})),
        descriptions=tuple({term_key(f.value.term): f.value.term for f in every
                            if f.predicate in (STANDARD["dcterms"] + "description", STANDARD["rdfs"] + "comment",
                                               STANDARD["skos"] + "definition")}.values()),
    )  # fmt: skip
