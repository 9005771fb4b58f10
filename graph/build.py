"""Build: curated source files → one RDF dataset (a named graph per document) → validated → store."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from graph.core import resources
from graph.core.errors import Kind, MgkgError
from graph.core.files import parse_graph
from graph.core.namespaces import DEFAULT_BASE, normalize_base, prefixes
from graph.core.namespaces import graph_iri as make_graph_iri
from graph.shacl.validate import ValidationReport, validate_dataset
from graph.store import EmbeddedStore, open_store, spec_kind

Progress = Callable[[str], None]

SPECIAL_GRAPHS = {
    "documents.ttl": "provenance", "curation.ttl": "curation", "links.ttl": "links", "enrichment.ttl": "enrichment"
}
"""Source files that are not documents, and the graph each one fills."""


class BuildError(MgkgError, RuntimeError):
    """The build cannot go on; the message is one line (unreadable files raise files.DataFileError)."""


class NonConformingError(BuildError):
    """The built dataset does not conform to the shapes; carries the report and the located errors."""

    kind = Kind.NONCONFORMING

    def __init__(self, report: ValidationReport, located: list[str]) -> None:
        """Keep the report; the message is the first located violation plus a count."""
        self.report = report
        self.located = located
        more = f" (and {len(located) - 1} more)" if len(located) > 1 else ""
        super().__init__(f"{located[0]}{more}" if located else "graph does not conform")


@dataclass(frozen=True)
class SourceFile:
    """One curated file and the named graph it is built into."""

    path: Path
    graph: URIRef


def source_files(base: str = DEFAULT_BASE, folder: Path | None = None) -> list[SourceFile]:
    """The source files in build order: the hand-curated ones (documents, provenance, curation), then the
    generated ones (links, enrichment, then one enrichment graph per offline source)."""
    folder = folder or resources.sources_dir()
    generated = folder / resources.GENERATED
    files = sorted(folder.glob("*.ttl")) + sorted(generated.glob("*.ttl"))
    found = [SourceFile(path, make_graph_iri(SPECIAL_GRAPHS.get(path.name, path.stem), base)) for path in files]
    # generated/enrichment/<source>.ttl (`mgkg enrich --from <source>`) → graph/enrichment/<source>
    enrichment = sorted((generated / resources.ENRICHMENT).glob("*.ttl"))
    return found + [SourceFile(p, make_graph_iri(f"{resources.ENRICHMENT}/{p.stem}", base)) for p in enrichment]


def rebase(graph: Graph, base: str) -> Graph:
    """Rewrite data and graph IRIs (…/id/…, …/graph/…) from the default base to `base`."""
    base = normalize_base(base)
    if base == DEFAULT_BASE:
        return graph
    moved = (DEFAULT_BASE + "id/", DEFAULT_BASE + "graph/")

    def move(term: Node) -> Node:
        if isinstance(term, URIRef) and str(term).startswith(moved):
            return URIRef(base + term[len(DEFAULT_BASE) :])
        return term

    out = Graph()
    for s, p, o in graph:
        out.add((move(s), move(p), move(o)))
    return out


def load_dataset(
    base: str = DEFAULT_BASE, folder: Path | None = None, progress: Progress | None = None
) -> Dataset:
    """Parse every source file and the ontology into a Dataset with one named graph each."""
    dataset = Dataset()
    for prefix, iri in prefixes(base).items():
        dataset.bind(prefix, iri, override=True, replace=True)
    for source in source_files(base, folder):
        if progress:
            progress(f"parse {source.path.name}")
        named = dataset.graph(source.graph)
        named += rebase(parse_graph(source.path), base)
    ontology = dataset.graph(make_graph_iri("ontology", base))
    for path in resources.ontology_files():
        if progress:
            progress(f"parse {path.name}")
        ontology += parse_graph(path)
    return dataset


def locate(report: ValidationReport, dataset: Dataset, sources: Iterable[SourceFile]) -> list[str]:
    """One line per violation: the source file that states the entity, the entity, the message."""
    file_of = {s.graph: s.path for s in sources}
    nsm = dataset.namespace_manager
    lines = []
    for result in report.violations:
        graphs = sorted({g for *_, g in dataset.quads((result.focus_node, None, None, None)) if isinstance(g, URIRef)})
        files = [str(file_of[g]) for g in graphs if g in file_of] or ["(no source file)"]
        path = f" {result.path.n3(nsm)}" if isinstance(result.path, URIRef) else ""
        lines.append(f"{', '.join(files)}: {result.focus_node.n3(nsm)}{path}: {result.message}")
    return lines


def build_dataset(
    base: str = DEFAULT_BASE, folder: Path | None = None, progress: Progress | None = None
) -> tuple[Dataset, ValidationReport]:
    """Load and validate; raise NonConformingError (nothing written anywhere) if it does not conform."""
    dataset = load_dataset(base, folder, progress)
    if progress:
        progress("validate")
    report = validate_dataset(dataset)
    if not report.conforms:
        raise NonConformingError(report, locate(report, dataset, source_files(base, folder)))
    return dataset, report


def write_store(dataset: Dataset, spec: str, base: str = DEFAULT_BASE) -> None:
    """Write the dataset to the store `spec`; an on-disk store is swapped in whole, never half-written."""
    kind, location = spec_kind(spec)
    if kind != "oxigraph":
        store = open_store(spec, base)
        try:
            store.replace(dataset)
        finally:
            store.close()
        return
    target = Path(location)
    fresh = target.with_name(target.name + ".new")
    old = target.with_name(target.name + ".old")
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    store = EmbeddedStore(fresh, base)
    try:
        store.replace(dataset)
    finally:
        store.close()
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
