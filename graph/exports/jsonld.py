"""Readable JSON-LD: the same document as the Turtle writer's, with mgkg's `@context` and compact IRIs.

Each named graph is an object with `@id` and `@graph`; subjects come in the same groups and order as in Turtle,
rdf:type as `@type`, unshared blank nodes embedded, RDF lists as `@list`. Literals keep their exact lexical form
(`{"@value": "2009", "@type": "xsd:gYear"}`); a plain string is a bare JSON string.
"""

from __future__ import annotations

import json
from typing import Any

from rdflib import RDF, BNode, Literal, URIRef

from graph.core.namespaces import XSD_STRING
from graph.exports.model import Block, Collection, Document, Value
from graph.exports.terms import Names


class _Writer:
    def __init__(self, document: Document, names: Names) -> None:
        self.labels = document.labels
        self.names = names

    def reference(self, node: URIRef | BNode) -> str:
        return "_:" + self.labels[node] if isinstance(node, BNode) else self.names.iri(node)

    def value(self, value: Value) -> Any:
        if isinstance(value, Block):
            return self.node(value)
        if isinstance(value, Collection):
            return {"@list": [self.value(item) for item in value.items]}
        if isinstance(value, Literal):
            if value.language:
                return {"@value": str(value), "@language": value.language}
            datatype = str(value.datatype) if value.datatype else XSD_STRING
            return str(value) if datatype == XSD_STRING else {"@value": str(value), "@type": self.names.iri(datatype)}
        return {"@id": self.reference(value)}  # type: ignore[arg-type]

    def node(self, block: Block) -> dict[str, Any]:
        out: dict[str, Any] = {} if block.subject is None else {"@id": self.reference(block.subject)}
        for predicate, values in block.properties:
            if predicate == RDF.type and all(isinstance(v, (URIRef, BNode)) for v in values):
                types = [self.reference(v) for v in values]  # type: ignore[arg-type]
                out["@type"] = types[0] if len(types) == 1 else types
                continue
            written = [self.value(v) for v in values]
            out[self.names.iri(predicate)] = written[0] if len(written) == 1 else written
        return out

    def document(self, document: Document) -> list[Any]:
        graphs: list[Any] = []
        for part in document.parts:
            nodes = [self.node(b) for group in part.groups for b in group.blocks]
            graphs.extend(nodes if part.name is None else [{"@id": self.names.iri(part.name), "@graph": nodes}])
        return graphs


def write_jsonld(document: Document, names: Names, context: dict[str, Any]) -> bytes:
    """The document as JSON-LD with `context` inline; `names` must compact for JSON-LD (Names(turtle=False))."""
    body = _Writer(document, names).document(document)
    text = json.dumps({"@context": context, "@graph": body}, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")
