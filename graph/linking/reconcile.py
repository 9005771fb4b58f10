"""Reconciliation: find Wikidata candidates for entities without a link, score them, write a review file.

`find_candidates` asks the endpoint, in batches, for items whose label or alias is exactly one of the labels
we hold (every language), and for each whether it is an instance of the expected class (wdt:P31/wdt:P279*)
and which country it is in (wdt:P17). Scoring (0..1) = 0.6 × label + 0.25 × type + 0.15 × country, where
label is 1.0 (our label = their label), 0.8 (our label = their alias), 0.7 (our alias = their label) or 0.5,
and country is 1.0 when it matches the linked country of our entity, 0.5 when either side gives none. A
candidate of the wrong type or in another country is rejected. The best candidate is marked accepted only
when its score reaches the threshold and no other candidate comes within the margin (an ambiguous label is
never auto-accepted); everything else waits for a person.

The review file is tab-separated, one row a candidate (REVIEW_COLUMNS). A person sets `decision` to
accepted (or clears an auto-acceptance) and may change `predicate` to skos:closeMatch for a near match;
`apply_review` then adds the accepted rows to the links graph, each with its record: the endpoint it came
from, the score and evidence, the date and the reviewer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDFS, SKOS
from rdflib.term import Node

from graph.core.files import read_tsv
from graph.core.namespaces import MGKG
from graph.linking.client import SparqlClient, batches, fill
from graph.linking.links import (
    HEADER,
    LINK_PREDICATES,
    LINKABLE,
    LINKS_GRAPH,
    TARGETS,
    WD,
    Link,
    LinkError,
    entity_types,
    links_graph,
    recorded_links,
    serialize,
    unrecorded_links,
)
from graph.sparql.text import values_block

KINDS = {
    "country": (MGKG.Country, WD.Q6256),
    "city": (MGKG.City, WD.Q515),
    "region": (MGKG.Region, WD.Q82794),
    "organization": (MGKG.Organization, WD.Q43229),
}
"""Kind → (our class, Wikidata class a candidate must be an instance of: country, city, geographic region,
organization). An entity takes the first kind whose class it has."""

THRESHOLD = 0.9
MARGIN = 0.05
WEIGHTS = {"label": 0.6, "type": 0.25, "country": 0.15}
LABEL_SCORES = {(True, True): 1.0, (True, False): 0.8, (False, True): 0.7, (False, False): 0.5}
"""(our label is an rdfs:label, their match is an rdfs:label) → label score."""

SEARCH = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX schema: <http://schema.org/>
SELECT ?key ?label ?item ?main ?typeOk ?country ?name ?description WHERE {
  #VALUES#
  ?item rdfs:label|skos:altLabel ?label .
  BIND(EXISTS { ?item rdfs:label ?label } AS ?main)
  BIND(EXISTS { ?item wdt:P31/wdt:P279* ?class } AS ?typeOk)
  OPTIONAL { ?item wdt:P17 ?country }
  OPTIONAL { ?item rdfs:label ?name FILTER(LANG(?name) = "en") }
  OPTIONAL { ?item schema:description ?description FILTER(LANG(?description) = "en") }
}"""
"""Remote candidate search; #VALUES# becomes (?key ?label ?class) rows built from our validated terms."""


@dataclass(frozen=True)
class Entity:
    """An entity of ours without a Wikidata link: its kind, labels and the Wikidata item of its country."""

    iri: URIRef
    kind: str
    labels: tuple[Literal, ...]
    alternative: frozenset[Literal]
    country: URIRef | None

    @property
    def label(self) -> str:
        """An English label (or any) to show a person."""
        english = [str(label) for label in self.labels if label.language == "en" and label not in self.alternative]
        return min(english or [str(label) for label in self.labels] or [str(self.iri)])


@dataclass
class Candidate:
    """A Wikidata item proposed for an entity, with its score, the decision so far and the evidence."""

    entity: Entity
    item: URIRef
    name: str = ""
    description: str = ""
    matches: set[tuple[Literal, bool]] = field(default_factory=set)
    type_ok: bool = False
    countries: set[URIRef] = field(default_factory=set)
    score: float = 0.0
    decision: str = ""
    evidence: str = ""


def _wikidata_item(graph: Dataset, entity: Node) -> URIRef | None:
    for predicate in LINK_PREDICATES:
        for _, _, obj, _ in graph.quads((entity, predicate, None, None)):
            if isinstance(obj, URIRef) and TARGETS["wikidata"].matches(obj):
                return obj
    return None


def unlinked_entities(dataset: Dataset, kinds: Sequence[str] = (), limit: int | None = None) -> list[Entity]:
    """Entities of the chosen kinds (all when empty) with no link to Wikidata, sorted by IRI, at most `limit`."""
    types = entity_types(dataset)
    wanted = [kind for kind in KINDS if not kinds or kind in kinds]
    found = []
    for iri in sorted(types):
        kind = next((k for k in KINDS if KINDS[k][0] in types[iri]), None)
        if kind not in wanted or _wikidata_item(dataset, iri) is not None:
            continue
        main = {o for _, _, o, _ in dataset.quads((iri, RDFS.label, None, None)) if isinstance(o, Literal)}
        alternative = {o for _, _, o, _ in dataset.quads((iri, SKOS.altLabel, None, None)) if isinstance(o, Literal)}
        labels = tuple(sorted((main | alternative), key=lambda lit: (lit.language or "", str(lit))))
        place = next((o for p in (MGKG.basedIn, MGKG.locatedIn) for _, _, o, _ in dataset.quads((iri, p, None, None))),
                     None)  # fmt: skip
        country = _wikidata_item(dataset, place) if place is not None else None
        if labels and kind is not None:
            found.append(Entity(iri, kind, labels, frozenset(alternative - main), country))
    return found[:limit] if limit else found


def find_candidates(client: SparqlClient, entities: Sequence[Entity], batch_size: int = 20) -> list[Candidate]:
    """Ask the endpoint for items labelled like each entity, `batch_size` entities per query."""
    candidates: dict[tuple[URIRef, URIRef], Candidate] = {}
    for batch in batches(entities, batch_size):
        rows = [[Literal(str(n)), label, KINDS[e.kind][1]] for n, e in enumerate(batch) for label in e.labels]
        for row in client.select(fill(SEARCH, values_block(["key", "label", "class"], rows))):
            key, item, label = row.get("key"), row.get("item"), row.get("label")
            if not (isinstance(item, URIRef) and TARGETS["wikidata"].matches(item) and isinstance(label, Literal)
                    and str(key).isdigit() and int(str(key)) < len(batch)):  # fmt: skip
                continue
            entity = batch[int(str(key))]
            candidate = candidates.setdefault((entity.iri, item), Candidate(entity, item))
            candidate.matches.add((label, _true(row.get("main"))))
            candidate.type_ok = candidate.type_ok or _true(row.get("typeOk"))
            if isinstance(row.get("country"), URIRef):
                candidate.countries.add(row["country"])  # type: ignore[arg-type]
            candidate.name = candidate.name or _text(row.get("name"))
            candidate.description = candidate.description or _text(row.get("description"))
    return list(candidates.values())


def _true(term: Node | None) -> bool:
    return isinstance(term, Literal) and str(term).lower() in ("true", "1")


def _text(term: Node | None) -> str:
    return " ".join(str(term).split()) if isinstance(term, Literal) else ""


def score(candidate: Candidate) -> Candidate:
    """The candidate with its score, evidence and (for a wrong type or country) the decision `rejected`."""
    entity = candidate.entity
    label_score, reasons = 0.0, []
    for label, theirs_main in sorted(candidate.matches, key=lambda m: (str(m[0]), m[0].language or "", m[1])):
        ours_main = label not in entity.alternative
        label_score = max(label_score, LABEL_SCORES[(ours_main, theirs_main)])
        reasons.append(f"{'label' if theirs_main else 'alias'} {label.n3()}"
                       f"{'' if ours_main else ' (our alias)'}")  # fmt: skip
    wanted = KINDS[entity.kind][1]
    decision = ""
    if candidate.type_ok:
        reasons.append(f"instance of {wanted.removeprefix(str(WD))} ({entity.kind})")
    else:
        reasons.append(f"not an instance of {wanted.removeprefix(str(WD))} ({entity.kind})")
        decision = "rejected"
    countries = sorted(c.removeprefix(str(WD)) for c in candidate.countries)
    if entity.country is None or not countries:
        country_score = 0.5
        reasons.append("country not compared (" + ("ours unknown" if entity.country is None else "none given") + ")")
    elif entity.country in candidate.countries:
        country_score = 1.0
        reasons.append(f"country {entity.country.removeprefix(str(WD))}")
    else:
        country_score = 0.0
        reasons.append(f"country {', '.join(countries)}, not {entity.country.removeprefix(str(WD))}")
        decision = "rejected"
    total = (WEIGHTS["label"] * label_score + WEIGHTS["type"] * candidate.type_ok
             + WEIGHTS["country"] * country_score)  # fmt: skip
    return replace(candidate, score=round(total, 3), decision=decision, evidence="; ".join(reasons))


def decide(candidates: Iterable[Candidate], threshold: float = THRESHOLD, margin: float = MARGIN) -> list[Candidate]:
    """Score every candidate and auto-accept an entity's best one only if it is above threshold and unambiguous."""
    by_entity: dict[URIRef, list[Candidate]] = {}
    for candidate in candidates:
        by_entity.setdefault(candidate.entity.iri, []).append(score(candidate))
    decided = []
    for iri in sorted(by_entity):
        group = sorted(by_entity[iri], key=lambda c: (-c.score, str(c.item)))
        open_ = [c for c in group if c.decision != "rejected"]
        if open_:
            best, rest = open_[0], open_[1:]
            close = [c for c in rest if best.score - c.score < margin]
            if best.score < threshold:
                best.evidence += f"; below the threshold {threshold:g}: needs a person"
            elif close:
                best.evidence += f"; ambiguous: {len(close) + 1} candidates within {margin:g}: needs a person"
            else:
                best.decision = "accepted"
                best.evidence += f"; auto-accepted (score ≥ {threshold:g}, next candidate more than {margin:g} below)"
        decided += group
    return decided


def reconcile(
    client: SparqlClient, entities: Sequence[Entity], threshold: float = THRESHOLD, margin: float = MARGIN,
    batch_size: int = 20,
) -> list[Candidate]:
    """Candidates for `entities` from the endpoint, scored and decided, sorted by entity and score."""
    return decide(find_candidates(client, entities, batch_size), threshold, margin)


REVIEW_COLUMNS = ("entity", "entity_label", "candidate", "candidate_label", "description", "score", "decision",
                  "predicate", "evidence", "endpoint")  # fmt: skip
DECISIONS = ("accepted", "rejected", "")
PREDICATES = {"owl:sameAs": OWL.sameAs, "skos:exactMatch": SKOS.exactMatch, "skos:closeMatch": SKOS.closeMatch}
_UNSAFE = re.compile(r"[\x00-\x20<>\"{}|^`\\]")


def _cell(value: object) -> str:
    return " ".join(str(value).split())


def review_text(candidates: Iterable[Candidate], endpoint: str) -> str:
    """The review file: a header and one tab-separated row per candidate."""
    lines = ["\t".join(REVIEW_COLUMNS)]
    for c in candidates:
        values = (c.entity.iri, c.entity.label, c.item, c.name, c.description, f"{c.score:.3f}", c.decision,
                  "owl:sameAs", c.evidence, endpoint)  # fmt: skip
        lines.append("\t".join(_cell(v) for v in values))
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Accepted:
    """A review row a person marked accepted, checked."""

    origin: str
    entity: URIRef
    item: URIRef
    predicate: URIRef
    score: str
    evidence: str
    endpoint: URIRef


def read_review(path: Path) -> list[Accepted]:
    """The accepted rows of a review file; LinkError ("file:line: ...") for anything malformed."""
    header, reader = read_tsv(path, LinkError)
    if sorted(header) != sorted(REVIEW_COLUMNS):
        raise LinkError(f"{path}:1: expected the columns {' '.join(REVIEW_COLUMNS)}")
    accepted = []
    for number, fields in enumerate(reader, start=2):
        origin = f"{path}:{number}"
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            raise LinkError(f"{origin}: expected {len(header)} tab-separated fields, found {len(fields)}")
        row = dict(zip(header, (f.strip() for f in fields), strict=True))
        decision = row["decision"].lower()
        if decision not in DECISIONS:
            raise LinkError(f"{origin}: decision {row['decision']!r}: use accepted, rejected or leave it empty")
        if decision == "accepted":
            accepted.append(_accepted(origin, row))
    return accepted


def _accepted(origin: str, row: dict[str, str]) -> Accepted:
    if not TARGETS["wikidata"].matches(row["candidate"]):
        raise LinkError(f"{origin}: candidate {row['candidate']!r} is not a Wikidata item IRI")
    if row["predicate"] not in PREDICATES:
        raise LinkError(f"{origin}: predicate {row['predicate']!r}: use {', '.join(PREDICATES)}")
    if not re.fullmatch(r"[01](\.[0-9]+)?", row["score"]) or float(row["score"]) > 1:
        raise LinkError(f"{origin}: score {row['score']!r} is not a number between 0 and 1")
    for column in ("entity", "endpoint"):
        if not row[column].startswith(("http://", "https://")) or _UNSAFE.search(row[column]):
            raise LinkError(f"{origin}: {column} {row[column]!r} is not an http(s) IRI")
    return Accepted(origin, URIRef(row["entity"]), URIRef(row["candidate"]), PREDICATES[row["predicate"]],
                    row["score"], row["evidence"], URIRef(row["endpoint"]))  # fmt: skip


def apply_review(
    path: Path, dataset: Dataset, links: Graph, reviewer: str, today: date
) -> tuple[bytes, list[Link], list[str]]:
    """The links file with the accepted rows of review file `path` added, the new links, and notes."""
    if not reviewer.strip() or "\n" in reviewer:
        raise LinkError("--reviewer: give the name of the person who accepted the rows (one line)")
    stray = unrecorded_links(links)
    if stray:
        raise LinkError(f"links file: link {' '.join(t.n3() for t in stray[0])} has no record (edited by hand?)")
    existing = recorded_links(links)
    items = {link.subject: link.object for link in existing if link.key == "wikidata"}
    owners = {obj: subject for subject, obj in items.items()}
    types = entity_types(dataset)
    added: list[Link] = []
    notes = []
    earlier: dict[URIRef, str] = {}
    for row in read_review(path):
        if not types.get(row.entity, frozenset()) & set(LINKABLE):
            raise LinkError(f"{row.origin}: {row.entity} is not a place, organisation or funding instrument of mgkg")
        if row.entity in earlier:
            raise LinkError(f"{row.origin}: {row.entity} is accepted twice (also at {earlier[row.entity]})")
        earlier[row.entity] = row.origin
        if items.get(row.entity) == row.item:
            notes.append(f"{row.origin}: {row.entity} is already linked to {row.item}; skipped")
            continue
        if row.entity in items:
            raise LinkError(f"{row.origin}: {row.entity} is already linked to {items[row.entity]}, not {row.item}")
        if row.item in owners:
            raise LinkError(f"{row.origin}: {row.item} is already the link of {owners[row.item]}")
        comment = f"Accepted in review {path.name} by {reviewer.strip()}: score {row.score}; {row.evidence}"
        link = Link(row.entity, row.predicate, row.item, "wikidata", comment, row.endpoint, today, reviewer.strip())
        items[row.entity], owners[row.item] = row.item, row.entity
        added.append(link)
    data = serialize(links_graph([*existing, *added], today), LINKS_GRAPH, HEADER)
    return data, added, notes
