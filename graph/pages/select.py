"""The page queries (queries/pages/*.rq) and the one way pages run them: graph.sparql.request.answer_request."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from rdflib.term import Node

from graph.core import resources
from graph.core.config import Settings
from graph.sparql.execute import Answer, Engine, Executor, Limits
from graph.sparql.request import QueryRequest, answer_request

Term = dict[str, str]
"""An RDF term as SPARQL results JSON writes it: type (uri, literal, bnode), value, xml:lang, datatype."""

Row = dict[str, Term]
"""One solution: variable name → term (unbound variables absent)."""

PAGE_ROWS = 5000
"""Most rows one page query reads (a hub of a synthetic graph has tens of thousands of links)."""


@cache
def page_query(name: str) -> str:
    """The text of queries/pages/`name`.rq (read once per process)."""
    return (resources.queries_dir() / "pages" / f"{name}.rq").read_text(encoding="utf-8")


def run(
    engine: Engine, executor: Executor, settings: Settings, text: str, bindings: Mapping[str, Node] | None = None,
    *, rows: int = PAGE_ROWS, graph_format: str | None = None,
) -> Answer:
    """Answer one of mgkg's own texts with `bindings` substituted, as /sparql answers a query (union default graph,
    the settings' timeout, at most `rows` rows); CONSTRUCT answers in `graph_format`."""
    asked = QueryRequest(
        text, settings, bindings=dict(bindings or {}), checked=True, has_dataset=False, result_format="json",
        graph_format=graph_format or "turtle", limits=Limits(settings.query_timeout, rows),
    )
    return answer_request(engine, executor, asked)


def select(
    engine: Engine, executor: Executor, settings: Settings, text: str, bindings: Mapping[str, Node] | None = None,
    *, rows: int = PAGE_ROWS,
) -> tuple[list[Row], bool]:
    """The solutions of a SELECT text (`run`), and whether `rows` cut them."""
    answer = run(engine, executor, settings, text, bindings, rows=rows)
    data: dict[str, Any] = json.loads(answer.body)
    return data["results"]["bindings"], answer.truncated


def value(row: Row, name: str) -> str | None:
    """The value of variable `name` in `row` (None when unbound)."""
    term = row.get(name)
    return term["value"] if term is not None else None
