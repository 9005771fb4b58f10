"""Where writes may go: contribution graphs only; the default graph of a write is its writer's contribution graph.

Every graph the build makes — one per source document, provenance, curation, links, enrichment, the ontology —
and the history graph are read-only to writes, and so are the unnamed default graph and any other IRI. A write
may change only graphs under `{base}graph/contributions/`: its writer's own, `{base}graph/contributions/{writer}`,
or any other IRI under that prefix a client names (e.g. `…/contributions/alice/notes`).

The default graph of a write is its writer's contribution graph (graph.changes.operations rewrites the update:
templates, WHERE clauses and LOAD without GRAPH mean it). `refuse_bulk_drops` refuses DROP / CLEAR of ALL,
DEFAULT or NAMED before anything runs; `check_graphs` refuses a write whose computed changes touch any graph
that is not a contribution graph, naming it.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from graph.changes.operations import split
from graph.core.errors import Kind, MgkgError
from graph.core.namespaces import normalize_base

BULK_TARGETS = ("ALL", "DEFAULT", "NAMED")
"""What DROP / CLEAR may not name: writes empty graphs one by one, and only contribution graphs."""


class PolicyError(MgkgError):
    """A write the policy refuses (REFUSED: 403): the message is one line naming the graph or the operation."""

    kind = Kind.REFUSED


def contributions_prefix(base: str) -> str:
    """The IRI every contribution graph starts with: `{base}graph/contributions/`."""
    return f"{normalize_base(base)}graph/contributions/"


def is_writable(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | str, base: str) -> bool:
    """Whether a write may change `graph`: a named graph under the contributions prefix (not the prefix itself)."""
    iri = graph if isinstance(graph, str) else graph.value if isinstance(graph, ox.NamedNode) else None
    prefix = contributions_prefix(base)
    return iri is not None and iri.startswith(prefix) and len(iri) > len(prefix)


def check_graphs(graphs: Iterable[ox.NamedNode | ox.BlankNode | ox.DefaultGraph | str], base: str) -> None:
    """PolicyError naming the first graph (in sorted order) a write may not change, if any."""
    refused = sorted({_describe(g) for g in graphs if not is_writable(g, base)})
    if refused:
        more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        raise PolicyError(
            f"{refused[0]} is read-only{more}: writes may change only contribution graphs "
            f"(<{contributions_prefix(base)}…>); nothing was changed"
        )


def _describe(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | str) -> str:
    if isinstance(graph, str):
        return f"graph <{graph}>"
    if isinstance(graph, ox.NamedNode):
        return f"graph <{graph.value}>"
    return "the default graph"


def refuse_bulk_drops(text: str) -> None:
    """PolicyError for DROP / CLEAR of ALL, DEFAULT or NAMED (SILENT or not) in any operation of `text`."""
    for operation in split(text):
        words = [word for word in operation.words if word != "SILENT"]
        if words[0] in ("DROP", "CLEAR") and words[1:2] and words[1] in BULK_TARGETS:
            raise PolicyError(
                f"{words[0]} {words[1]} is refused: writes may change only contribution graphs; "
                f"{words[0]} GRAPH <iri> empties one of them"
            )
