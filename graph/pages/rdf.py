"""What an entity IRI (or a graph IRI) dereferences to for a machine: its triples in Turtle, N-Triples, RDF/XML,
or JSON-LD with an @context of mgkg's prefixes (compact IRIs, rdf:type as @type).

`describe_rdf` is a job for server.context.Runtime.run, answered through the one query path
(graph.pages.select.run on queries/pages/entity-rdf.rq or graph-rdf.rq).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from graph.core.config import Settings
from graph.core.formats import by_name
from graph.core.namespaces import STANDARD, XSD_STRING, compact, prefixes
from graph.pages.select import page_query, run
from graph.sparql.execute import Engine, Executor

JSONLD = "jsonld"
RDF_TYPE = STANDARD["rdf"] + "type"


@dataclass(frozen=True)
class RdfRequest:
    """The entity (or named graph, `graph=True`) to describe, and the RDF format (a graph.core.formats name)."""

    iri: str
    settings: Settings
    fmt: str
    graph: bool = False


@dataclass(frozen=True)
class Described:
    """An RDF description: body, how many triples, and whether the row limit cut it."""

    body: bytes
    count: int
    truncated: bool


def _compact(iri: str, names: Mapping[str, str]) -> str:
    found = compact(iri, names)
    return iri if found.split(":", 1)[1].startswith("//") else found


def _object(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, names: Mapping[str, str]) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"@id": _compact(term.value, names)}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    if isinstance(term, ox.Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value != XSD_STRING:
            return {"@value": term.value, "@type": _compact(term.datatype.value, names)}
        return {"@value": term.value}
    raise ValueError(f"JSON-LD 1.1 cannot write the triple term {term}")


def jsonld(triples: Sequence[ox.Triple], names: Mapping[str, str]) -> bytes:
    """`triples` as a JSON-LD document whose @context holds the prefixes `names` (compact IRIs, sorted nodes)."""
    nodes: dict[str, dict[str, Any]] = {}
    for triple in triples:
        subject = triple.subject
        if isinstance(subject, ox.Triple):
            raise ValueError(f"JSON-LD 1.1 cannot write the triple term {subject}")
        key = f"_:{subject.value}" if isinstance(subject, ox.BlankNode) else _compact(subject.value, names)
        node = nodes.setdefault(key, {"@id": key})
        if triple.predicate.value == RDF_TYPE and isinstance(triple.object, ox.NamedNode):
            node.setdefault("@type", []).append(_compact(triple.object.value, names))
        else:
            node.setdefault(_compact(triple.predicate.value, names), []).append(_object(triple.object, names))
    used = {key.split(":", 1)[0] for node in nodes.values() for key in _iris(node)}
    context = {prefix: namespace for prefix, namespace in names.items() if prefix in used}
    document = {"@context": context, "@graph": [nodes[key] for key in sorted(nodes)]}
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def _iris(node: dict[str, Any]) -> list[str]:
    """Every compact IRI a node object holds (keys, @id, @type, values' @id and @type), for the @context."""
    found = [key for key in node if not key.startswith("@")] + [node["@id"], *node.get("@type", [])]
    for key, values in node.items():
        if not key.startswith("@"):
            found += [v.get("@id", "") for v in values] + [v.get("@type", "") for v in values]
    return [iri for iri in found if ":" in iri and not iri.startswith("_:")]


def describe_rdf(engine: Engine, executor: Executor, ask: RdfRequest) -> Described:
    """The triples about `ask.iri` (subject or object; or the named graph's) in `ask.fmt`; count 0 when none."""
    text = page_query("graph-rdf" if ask.graph else "entity-rdf")
    bound = {"g" if ask.graph else "s": URIRef(ask.iri)}
    wire = "nt" if ask.fmt == JSONLD else by_name(ask.fmt).name
    answer = run(engine, executor, ask.settings, text, bound, rows=ask.settings.max_rows, graph_format=wire)
    body = answer.body
    if ask.fmt == JSONLD:
        triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        body = jsonld(triples, prefixes(ask.settings.base))
    return Described(body, answer.count, answer.truncated)
