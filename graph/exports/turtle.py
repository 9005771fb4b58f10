"""Readable Turtle and TriG: the used prefixes in a fixed order, then one block per subject, grouped by class.

The layout follows the curated sources (graph/sources/*.ttl): a heading comment per group, the subject with its
rdf:type on the first line, one predicate a line, collections as `( … )` and unshared blank nodes as `[ … ]`.
"""

from __future__ import annotations

from rdflib import RDF

from graph.exports.model import Block, Collection, Document, Value
from graph.exports.terms import Names

STEP = "    "
WIDTH = 100
"""Longest line a nested value or an object list is written on before it is broken over lines."""

RULE = "# " + "-" * 64 + " "
"""How a group's heading comment starts (as in the curated sources)."""


class _Writer:
    def __init__(self, document: Document, names: Names) -> None:
        self.document = document
        self.names = names

    def value(self, value: Value, indent: str) -> str:
        if isinstance(value, Collection):
            items = [self.value(item, indent + STEP) for item in value.items]
            inline = "( " + " ".join(items) + " )" if items else "()"
            if "\n" not in inline and len(indent) + len(inline) <= WIDTH:
                return inline
            return "(\n" + "".join(f"{indent}{STEP}{item}\n" for item in items) + indent + ")"
        if isinstance(value, Block):
            pairs = self.pairs(value, indent + STEP)
            inline = "[ " + " ; ".join(pairs) + " ]"
            if "\n" not in inline and len(indent) + len(inline) <= WIDTH:
                return inline
            return "[\n" + " ;\n".join(indent + STEP + pair for pair in pairs) + f"\n{indent}]"
        return self.names.term(value, self.document.labels)

    def pairs(self, block: Block, indent: str) -> list[str]:
        """`predicate objects` for each property of `block`, its lines after the first indented by `indent`."""
        out = []
        for predicate, values in block.properties:
            verb = "a" if predicate == RDF.type else self.names.iri(predicate)
            written = [self.value(v, indent) for v in values]
            line = " , ".join(written)
            if "\n" in line or (len(indent) + len(verb) + len(line) > WIDTH and len(written) > 1):
                line = f" ,\n{indent}{STEP}".join(written)
            out.append(f"{verb} {line}")
        return out

    def block(self, block: Block, indent: str) -> str:
        subject = "[]" if block.subject is None else self.names.term(block.subject, self.document.labels)
        pairs = self.pairs(block, indent + STEP)
        return f"{indent}{subject} " + f" ;\n{indent}{STEP}".join(pairs) + " .\n"

    def body(self) -> str:
        chunks = []
        for part in self.document.parts:
            indent = "" if part.name is None else STEP
            sections = [
                f"{indent}{RULE}{group.heading}\n" + "\n".join(self.block(b, indent) for b in group.blocks)
                for group in part.groups
            ]
            text = "\n".join(sections)
            if part.name is not None:
                text = f"{self.names.iri(part.name)} {{\n{text}}}\n"
            chunks.append(text)
        return "\n".join(chunks)


def write_turtle(document: Document, names: Names) -> bytes:
    """Turtle (one part without a name) or TriG (named parts): the used prefixes, a blank line, the blocks."""
    body = _Writer(document, names).body()
    head = "".join(f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in names.used().items())
    return (head + ("\n" if head and body else "") + body).encode("utf-8")
