"""What a write changes, for incremental validation (server/writes.py): read from the update where it says so.

INSERT DATA / DELETE DATA name their quads, and DROP / CLEAR GRAPH <iri> / DEFAULT the graph they empty, which
is all the Graph Store protocol sends and what most SPARQL updates are: then the quads the update may add or
remove (a superset: an inserted quad may be there already) come from running the DATA block alone on an
empty store, and from the live store for a dropped graph. Anything else (DELETE/INSERT … WHERE, LOAD, ADD,
COPY, MOVE, DROP ALL, blank nodes in INSERT DATA, whose labels the store chooses) gives None: the caller
then compares the store before and after.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from graph.changes.policy import operations
from graph.store import RawEngine

_ABSOLUTE = re.compile(r"<[A-Za-z][A-Za-z0-9+.\-]*:[^\\]*>")
"""An IRI token that is absolute and has no escapes (so it names the graph as written)."""

def stated_changes(live: RawEngine, text: str, base_iri: str | None) -> list[ox.Quad] | None:
    """The quads the update may add or remove, when its operations say them; None when only running it tells."""
    prologue: list[str] = []
    found: list[ox.Quad] = []
    for operation in operations(text):
        words = [word for _, word, _ in operation]
        while len(words) >= 2 and words[0] in ("PREFIX", "BASE"):
            size = 3 if words[0] == "PREFIX" else 2
            start, end = operation[0][2], operation[size - 1][2] + len(words[size - 1])
            prologue.append(text[start:end])
            operation, words = operation[size:], words[size:]
        if not words:
            continue
        if words[:2] in (["INSERT", "DATA"], ["DELETE", "DATA"]) and words[-1] == "}":
            quads = _data_block(" ".join(prologue), text[operation[1][2] : operation[-1][2] + 1], base_iri)
        elif words[0] in ("DROP", "CLEAR"):
            quads = _emptied(live, words[2:] if words[1:2] == ["SILENT"] else words[1:])
        elif words[0] == "CREATE":
            quads = []
        else:
            return None
        if quads is None:
            return None
        found += quads
    return found


def _data_block(prologue: str, data: str, base_iri: str | None) -> list[ox.Quad] | None:
    """The quads of 'DATA { … }', inserted alone into an empty store (None when it has blank nodes)."""
    scratch = ox.Store()
    try:
        scratch.update(f"{prologue}\nINSERT {data}", base_iri=base_iri)
    except (SyntaxError, ValueError, OSError, RuntimeError):
        return None
    quads = list(scratch)
    if any(isinstance(term, ox.BlankNode) for quad in quads for term in (quad.subject, quad.object)):
        return None
    return quads


def _emptied(live: RawEngine, target: list[str]) -> list[ox.Quad] | None:
    """The quads of the graph a DROP / CLEAR empties (None for ALL, NAMED or a graph not written as an IRI)."""
    if target == ["DEFAULT"]:
        return list(live.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    if len(target) == 2 and target[0] == "GRAPH" and _ABSOLUTE.fullmatch(target[1]):
        try:
            graph = ox.NamedNode(target[1][1:-1])
        except ValueError:
            return None
        return list(live.quads_for_pattern(None, None, None, graph))
    return None
