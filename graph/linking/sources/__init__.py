"""Offline enrichment sources, one module each; SOURCES maps the `mgkg enrich --from` name to its enrich()."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from rdflib import Dataset
from rdflib.namespace import DCTERMS, VOID

from graph.core.files import parse_graph
from graph.core.namespaces import graph_iri
from graph.linking.sources import coco, countryinfo, geonames, iati, pycountry
from graph.linking.sources.common import Enrichment, snapshot_bytes

SOURCES: dict[str, Callable[[Dataset], Enrichment]] = {
    "pycountry": pycountry.enrich,
    "geonames": geonames.enrich,
    "countryinfo": countryinfo.enrich,
    "coco": coco.enrich,
    "iati": iati.enrich,
}
"""The offline sources in the order `make enrich` runs them."""


def refresh(name: str, dataset: Dataset, path: Path, today: date) -> tuple[bytes, bool, Enrichment]:
    """The snapshot of source `name` for `dataset`, whether it differs from the one at `path`, and the enrichment."""
    enrichment = SOURCES[name](dataset)
    data, changed = snapshot_bytes(enrichment, path, today)
    return data, changed, enrichment


def status(path: Path) -> str:
    """One line: the snapshot at `path`, its facts, dataset version and date (or that there is none)."""
    if not path.exists():
        return f"{path}: no snapshot (run `mgkg enrich --from {path.stem}`)"
    graph = parse_graph(path)
    name = graph_iri(f"enrichment/{path.stem}")
    facts = graph.value(name, VOID.triples)
    return (f"{path.stem}: {facts} facts from {graph.value(name, DCTERMS.hasVersion)}, "
            f"written {graph.value(name, DCTERMS.modified)}")  # fmt: skip
