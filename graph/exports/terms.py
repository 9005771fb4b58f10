"""Terms as the readable writers spell them: prefixed names where allowed, literals in their shortest exact form.

`Names` compacts IRIs with the export prefixes (graph.core.namespaces.export_prefixes) and remembers which
prefixes it used, so a file declares only those, in their fixed order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from graph.core.namespaces import IRI_FORBIDDEN, STANDARD, XSD_STRING

_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_CHARS = _BASE + "_\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_ESCAPED = "%[0-9A-Fa-f]{2}"
PN_LOCAL = re.compile(
    f"(?:[{_BASE}_:0-9]|{_ESCAPED})(?:(?:[{_CHARS}.:]|{_ESCAPED})*(?:[{_CHARS}:]|{_ESCAPED}))?"
)
"""A Turtle / SPARQL local name that needs no backslash escape (PN_LOCAL without PN_LOCAL_ESC)."""

XSD = STANDARD["xsd"]
_BARE = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "double": re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+"),
    XSD + "boolean": re.compile(r"true|false"),
}
"""Datatypes Turtle writes without quotes, and the lexical forms that read back as exactly that literal."""

_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')


def quote(text: str) -> str:
    """`text` as a double-quoted Turtle string: backslash escapes for quotes, backslashes and control characters."""
    return '"' + _NEEDS_ESCAPE.sub(lambda m: _STRING_ESCAPES.get(m[0], f"\\u{ord(m[0]):04X}"), text) + '"'


def _iri_ref(iri: str) -> str:
    return "<" + IRI_FORBIDDEN.sub(lambda m: f"\\u{ord(m[0]):04X}", iri) + ">"


class Names:
    """Compacts IRIs with a fixed, ordered prefix map and records the prefixes it used."""

    def __init__(self, prefixes: Mapping[str, str], turtle: bool = True) -> None:
        """`prefixes` in declaration order; `turtle` False relaxes local names to what JSON-LD compact IRIs allow."""
        self.prefixes = dict(prefixes)
        self.turtle = turtle
        self._longest_first = sorted(self.prefixes.items(), key=lambda item: -len(item[1]))
        self._cache: dict[str, str] = {}
        self._used: set[str] = set()

    def _compact(self, iri: str) -> str | None:
        for prefix, namespace in self._longest_first:
            if iri.startswith(namespace):
                local = iri[len(namespace) :]
                if self.turtle and local and PN_LOCAL.fullmatch(local) is None:
                    continue
                if not self.turtle and local.startswith("//"):
                    continue
                self._used.add(prefix)
                return f"{prefix}:{local}"
        return None

    def iri(self, iri: str) -> str:
        """The prefixed name of `iri` (`orgs:iom`), or the IRI itself: `<…>` in Turtle, bare for JSON-LD."""
        written = self._cache.get(iri)
        if written is None:
            compact = self._compact(iri)
            written = compact if compact is not None else (_iri_ref(iri) if self.turtle else iri)
            self._cache[iri] = written
        return written

    def used(self) -> dict[str, str]:
        """The prefixes used so far, in declaration order."""
        return {p: ns for p, ns in self.prefixes.items() if p in self._used}

    def term(self, node: Node, labels: Mapping[BNode, str]) -> str:
        """A Turtle term: a prefixed name or `<iri>`, `_:label` for a labelled blank node, or a literal."""
        if isinstance(node, URIRef):
            return self.iri(node)
        if isinstance(node, BNode):
            return "_:" + labels[node]
        assert isinstance(node, Literal)
        return self.literal(node)

    def literal(self, literal: Literal) -> str:
        """A Turtle literal in its shortest exact form: `"text"`, `"text"@en`, `42`, `"2009"^^xsd:gYear`."""
        lexical = str(literal)
        if literal.language:
            return f"{quote(lexical)}@{literal.language}"
        datatype = str(literal.datatype) if literal.datatype else XSD_STRING
        if datatype == XSD_STRING:
            return quote(lexical)
        bare = _BARE.get(datatype)
        if bare is not None and bare.fullmatch(lexical):
            return lexical
        return f"{quote(lexical)}^^{self.iri(datatype)}"
