"""A query as a client sent it, and the one function that checks and answers it: `answer_request`.

`QueryRequest` holds everything needed to answer (text, settings, dataset, bindings, formats, limits) and nothing
that lives in one process only, so it can be handed to a query process (server.isolation) as well as answered
in place. `answer_request` runs graph.sparql.guard's checks on the text (the allowlist, the nesting limit) on
the engine it is given, then Executor.answer: the checks cost the query's own time, in the process that may be
killed when that time is up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pyoxigraph as ox
from rdflib.term import Node

from graph.core.config import Settings
from graph.core.namespaces import prefixes
from graph.sparql.execute import Answer, Engine, Executor, Limits
from graph.sparql.guard import Findings, secure
from graph.sparql.lookup import plain_lookup


@dataclass(frozen=True)
class QueryRequest:
    """A query to check and answer, with its dataset, bound terms and wanted formats (picklable)."""

    text: str
    settings: Settings
    base_iri: str | None = None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    bindings: Mapping[str, Node] = field(default_factory=dict)
    result_format: str = "json"
    graph_format: str = "turtle"
    limits: Limits | None = None
    checked: bool = False
    """True when the text was checked by graph.sparql.guard.secure already (named queries: mgkg's own texts)."""
    has_dataset: bool | None = None
    """Whether a checked text names its own dataset (None: read from the text)."""


def has_named_graph(engine: Engine, iri: str) -> bool:
    """Whether `engine` (pyoxigraph's Store or a RemoteEngine) holds a named graph `iri`; False for no IRI."""
    try:
        return bool(engine.contains_named_graph(ox.NamedNode(iri)))  # type: ignore[attr-defined]
    except ValueError:
        return False


def check_request(engine: Engine, request: QueryRequest) -> tuple[QueryRequest, Findings]:
    """`request` with its text made safe by graph.sparql.guard.secure (on `engine`'s graphs), and what the check
    found (the form, the dataset clauses); Refused when the text may not run. A plain bounded lookup
    (graph.sparql.lookup) with no dataset given has nothing for the guard to find: its findings are known."""
    if not (request.default_graphs or request.named_graphs) and plain_lookup(request.text, request.settings.max_depth):
        return replace(request, checked=True, has_dataset=False), Findings(form="SELECT")
    parameters = [("default-graph-uri", g) for g in request.default_graphs]
    parameters += [("named-graph-uri", g) for g in request.named_graphs]
    text, found = secure(
        request.text,
        is_update=False,
        base=request.base_iri,
        allowlist=request.settings.allowlist,
        has_graph=lambda iri: has_named_graph(engine, iri),
        parameters=parameters,
        max_depth=request.settings.max_depth,
        prefixes=prefixes(request.settings.base),
    )
    return replace(request, text=text, checked=True, has_dataset=found.has_dataset), found


def answer_request(engine: Engine, executor: Executor, request: QueryRequest) -> Answer:
    """Check `request`'s text (unless checked already) and answer it on `engine`: QueryFailed or Refused."""
    if not request.checked:
        request, _ = check_request(engine, request)
    return executor.answer(
        engine,
        request.text,
        request.settings,
        bindings=request.bindings,
        has_dataset=request.has_dataset,
        result_format=request.result_format,
        graph_format=request.graph_format,
        limits=request.limits,
        default_graphs=request.default_graphs,
        named_graphs=request.named_graphs,
        base_iri=request.base_iri,
    )
