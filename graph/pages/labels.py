"""Labels of IRIs for result tables: what the query page and the named-query pages show instead of an IRI.

`label_iris` is a job for server.context.Runtime.run: it runs queries/pages/labels.rq through the one query path
with a VALUES block of the IRIs (written by graph.sparql.text.values_block from IRIs checked here, never spliced)
and picks one label per IRI as the entity pages do (graph.pages.entity.pick_label: English, else no language).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rdflib import URIRef

from graph.core.config import Settings
from graph.core.errors import MgkgError
from graph.core.namespaces import is_absolute_iri
from graph.pages.entity import pick_label
from graph.pages.select import Term, page_query, select
from graph.sparql.execute import Engine, Executor
from graph.sparql.text import values_first

MAX_IRIS = 1000
"""Most IRIs one request may ask labels for (a result table asks for its IRIs in batches of this size)."""
ROWS_PER_IRI = 20
"""Label rows read per IRI asked (labels in several languages, stated by several documents)."""


class LabelsError(MgkgError, ValueError):
    """IRIs that cannot be asked for: not a list of absolute IRIs, or more than MAX_IRIS (BAD_INPUT)."""


@dataclass(frozen=True)
class LabelsRequest:
    """The IRIs to label, with the settings the query runs under (picklable: it goes to a query process)."""

    iris: tuple[str, ...]
    settings: Settings


def _encodable(text: str) -> bool:
    """Whether `text` is text (no lone surrogate, which JSON's \\ud800 can give)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_iris(given: object) -> tuple[str, ...]:
    """`given` as distinct absolute IRIs in their order; LabelsError naming what is wrong."""
    if not isinstance(given, list):
        raise LabelsError('give the IRIs as a JSON list: {"iris": ["https://…", …]}')
    if len(given) > MAX_IRIS:
        raise LabelsError(f"{len(given)} IRIs asked for: ask for at most {MAX_IRIS} at once")
    for item in given:
        if not isinstance(item, str) or not _encodable(item) or not is_absolute_iri(item):
            shown = repr(item) if len(repr(item)) <= 80 else repr(item)[:77] + "…"
            raise LabelsError(f"{shown} is not an absolute IRI")
    return tuple(dict.fromkeys(given))


def label_iris(engine: Engine, executor: Executor, ask: LabelsRequest) -> dict[str, str]:
    """The label of each IRI of `ask` that has one (rdfs:label or skos:prefLabel), as its entity page's heading."""
    if not ask.iris:
        return {}
    text = values_first(page_query("labels"), ["s"], [(URIRef(iri),) for iri in ask.iris])
    rows, _ = select(engine, executor, ask.settings, text, rows=ROWS_PER_IRI * len(ask.iris))
    found: dict[str, list[Term]] = defaultdict(list)
    for row in rows:
        found[row["s"]["value"]].append(row["label"])
    return {iri: label for iri, labels in found.items() if (label := pick_label(labels)) is not None}

