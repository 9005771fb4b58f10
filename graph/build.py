"""Build: curated source files → one RDF dataset (a named graph per document) → validated → store, with the
journal of writes replayed on top (graph.changes.replay) — so a build keeps every write.

An on-disk store is built as a new generation (graph.store.generations) and swapped in atomically; a process
holding the old one keeps it whole. One build at a time per store (a lock file beside it).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from graph.changes.apply import StaleChangeset
from graph.changes.journal import Journal
from graph.changes.replay import Replay, replay
from graph.core import resources
from graph.core.errors import Kind, MgkgError
from graph.core.files import parse_graph
from graph.core.namespaces import DEFAULT_BASE, normalize_base, prefixes
from graph.core.namespaces import graph_iri as make_graph_iri
from graph.shacl.derived import add_derived
from graph.shacl.validate import ValidationReport, validate_dataset
from graph.store import EmbeddedStore, generations, open_store, spec_kind

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


class StaleChangesError(BuildError):
    """Journal changesets no longer apply to the sources (or make the graph not conform); carries them."""

    kind = Kind.CONFLICT

    def __init__(self, refused: list[StaleChangeset]) -> None:
        """Keep the changesets set aside; the message counts them."""
        self.refused = refused
        super().__init__(
            f"{len(refused)} changeset(s) of the journal no longer apply; nothing was written "
            "(--drop-stale drops them, recorded in the journal)"
        )


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
    """Load, add the derived graph, validate; raise NonConformingError (nothing written anywhere) on a violation,
    BuildError for a sources folder without any document."""
    sources = source_files(base, folder)
    if not any(source.path.name not in SPECIAL_GRAPHS for source in sources):
        where = folder or resources.sources_dir()
        raise BuildError(f"{where}: no document source files (*.ttl besides {', '.join(SPECIAL_GRAPHS)}): "
                         "nothing to build")
    dataset = load_dataset(base, folder, progress)
    add_derived(dataset, base)
    if progress:
        progress("validate")
    report = validate_dataset(dataset)
    if not report.no_violations:
        raise NonConformingError(report, locate(report, dataset, source_files(base, folder)))
    return dataset, report


def write_store(
    dataset: Dataset, spec: str, base: str = DEFAULT_BASE, journal: Journal | None = None, drop_stale: bool = False
) -> Replay:
    """Write the dataset to the store `spec`, then replay `journal` on it; what the replay did.

    An on-disk store is built as a new generation and swapped in whole, never half-written. Changesets that no
    longer apply raise StaleChangesError (nothing swapped in) unless `drop_stale`: then they are marked dropped
    in the journal. Other stores (memory, a remote endpoint) get the dataset only, without the journal.
    """
    kind, location = spec_kind(spec)
    if kind != "oxigraph":
        store = open_store(spec, base)
        try:
            store.replace(dataset)
        finally:
            store.close()
        return Replay()
    target = Path(location)
    data = dataset.serialize(format="nquads", encoding="utf-8")
    with _build_lock(target):
        generations.cleanup(target)
        fresh = generations.create(target)
        try:
            done = _fill(fresh, data, base, journal, drop_stale)
            generations.swap(target, fresh)
        except BaseException:
            generations.discard(fresh)
            raise
    return done


def _fill(fresh: Path, data: bytes, base: str, journal: Journal | None, drop_stale: bool) -> Replay:
    """Load the dataset into the new generation and replay the journal on it (see write_store)."""
    store = EmbeddedStore(fresh, base)
    try:
        if journal is None:
            store.raw.bulk_load(data, format=ox.RdfFormat.N_QUADS)
            store.optimize()
            return Replay()
        with journal.locked():  # no write is journalled meanwhile (a server's next one waits, then catches up)
            changesets = list(journal)
            dropped: dict[str, StaleChangeset] = {}
            while True:  # again after dropping a nonconforming changeset: later ones may have needed it
                store.raw.clear()
                store.raw.bulk_load(data, format=ox.RdfFormat.N_QUADS)
                done = replay(store.raw, changesets, base, skip=dropped)
                if not done.refused:
                    break
                if not drop_stale:
                    raise StaleChangesError(done.refused)
                dropped.update((stale.id, stale) for stale in done.refused)
                if not done.nonconforming:
                    break
            for stale in dropped.values():
                journal.drop(stale.id, stale.reason)
            done.dropped = list(dropped.values())
            store.optimize()
        return done
    finally:
        store.close()


@contextmanager
def _build_lock(target: Path) -> Iterator[None]:
    """Hold the lock of builds of the store at `target`; BuildError when another build holds it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(target.with_name(f".{target.name}.build-lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"another `mgkg build` is writing {target}: wait for it to finish") from None
        yield
    finally:
        os.close(handle)
