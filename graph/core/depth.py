"""How deeply an RDF document nests: blank-node property lists, collections, formulas, triple terms, JSON objects
and arrays, XML elements — read lexically, before any parser sees the document.

The parsers behind mgkg's RDF bodies and files hold up differently (`python -m benchmarks.depth_limits`):
pyoxigraph reads Turtle `[ [ …` and `( ( …` and N3 `{ { …` at any depth, but crashes the process (SIGSEGV) on
Turtle triple terms `<<( … )>>` 17,000 deep (2,000 in a thread with a 1 MB stack) and on JSON-LD objects 400
deep in a 1 MB thread (and takes over 20 s at 4,096); rdflib's parsers recurse and raise RecursionError; and
whatever reads the graph afterwards (pySHACL, rdflib's canonical blank-node labels for exports and dumps)
recurses along the nesting too. A body nested deeper than the setting `max_depth`
(64, as for SPARQL: graph.sparql.nesting) is therefore refused with one line. Strings, IRIs and comments are
skipped (a bracket inside them is none); the scan is a few regular-expression passes at C speed.
"""

from __future__ import annotations

import re
from itertools import accumulate

_TURTLE_SKIP = re.compile(
    rb'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    rb'|"(?:[^"\\\r\n]|\\.)*"|\'(?:[^\'\\\r\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\r\n]*',
    re.DOTALL,
)
_JSON_SKIP = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_XML_TAGS = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<[?!][^>]*>|</|<(?:[^>\"']|\"[^\"]*\"|'[^']*')*?/>|<", re.DOTALL
)
_NOT_BRACKET = re.compile(rb"[^\[\](){}]+")
_DEPTH = bytes.maketrans(b"[({])}", b"\x02\x02\x02\x00\x00\x00")

TURTLE_LIKE = ("turtle", "trig", "n3", "nt", "nquads")
"""Formats (graph.core.formats names) read as Turtle is: [ ], ( ), { } and << >> nest."""


def _deepest(brackets: bytes) -> int:
    """The deepest level a string of only opening and closing brackets reaches (never below 0)."""
    if len(brackets) == 0:
        return 0
    steps = (value - 1 for value in brackets.translate(_DEPTH))
    return max(accumulate(steps, lambda level, step: max(level + step, 0), initial=0))


def document_depth(data: bytes, fmt: str) -> int:
    """The deepest nesting of an RDF document in the format named `fmt` (a graph.core.formats name: turtle, trig,
    n3, nt, nquads, jsonld, xml); 0 for a format that cannot nest."""
    if fmt in TURTLE_LIKE:
        text = _TURTLE_SKIP.sub(b" ", data).replace(b"<<", b"(").replace(b">>", b")")
    elif fmt == "jsonld":
        text = _JSON_SKIP.sub(b" ", data)
    elif fmt == "xml":
        text = b"".join(b"(" if tag == b"<" else b")" if tag == b"</" else b"" for tag in _XML_TAGS.findall(data))
    else:
        return 0
    return _deepest(_NOT_BRACKET.sub(b"", text))


def depth_refusal(data: bytes, fmt: str, max_depth: int, what: str) -> str | None:
    """Why `what` (a body, a file) must not be parsed — nested deeper than `max_depth` levels — or None."""
    depth = document_depth(data, fmt)
    if depth <= max_depth:
        return None
    return f"{what} nested {depth} levels deep: at most {max_depth} are allowed ([ ], ( ), {{ }}, << >>, JSON, XML)"
