"""Bulk loading of RDF files into a store (what `mgkg load` does; graph/cli/load.py adds the progress bar).

Formats by extension: those of the registry's RDF formats, each optionally gzipped (.nt.gz …). Quads keep their
named graph; triples outside any graph (every triple of .nt, .ttl, .rdf) go into the graph given, by default
`<base>graph/<file stem>` — mgkg's graphs are all named, and the default graph of queries is their union.

Every file is parsed once before anything is written (`check_files`), so a syntax error (reported as
FILE:LINE:COLUMN), or on a remote store a triple it cannot keep, leaves the store as it was — but for an Oxigraph
store that holds nothing yet (`empty`): its files are parsed once, as they are loaded, and a syntax error empties
it again. Then the quads are streamed into the store (`load_files`): on Oxigraph through its bulk loader
(Store.bulk_extend: no transaction, fast, flushed at the end); on a remote SPARQL store in INSERT DATA batches
(graph.store.remote). Then the derived graph (mgkg:statedIn, graph/shacl/derived.py) is recomputed, as a build
makes it — into a store that was empty, from the quads as they went through (`Stated`), else by a query of the
whole store — and an Oxigraph store on disk is compacted (EmbeddedStore.optimize: its queries run faster).
Nothing is validated.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from graph.core.errors import MgkgError
from graph.core.formats import RDF, FormatError, by_extension, extensions
from graph.core.namespaces import DEFAULT_BASE, MGKG, graph_iri
from graph.core.text import BOM_BYTES
from graph.shacl.derived import STATED_IN, derive_in, derive_store, derived_graph
from graph.store import EmbeddedStore, RemoteStore, StoreError

STEP = 10_000
"""Quads between two progress updates."""

EXTENSIONS = f"{extensions(RDF)}, optionally .gz"
"""The file extensions `load` reads, for messages."""

Advance = Callable[[int, int], None]
"""Progress callback: (bytes read so far in the current file, quads since the last call)."""

FileProgress = Callable[["Source"], Advance | None]
"""The progress callback of each file (None: no progress shown)."""


@dataclass
class Tally:
    """Quads that went through."""

    quads: int = 0

    def through(self, stream: Iterator[ox.Quad]) -> Iterator[ox.Quad]:
        """`stream`, counted."""
        for quad in stream:
            self.quads += 1
            yield quad


_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_SOURCE_GRAPH = ox.NamedNode(str(MGKG.SourceGraph))


class Stated:
    """The derived graph of the quads that went through (graph.shacl.derived: <s> mgkg:statedIn <g> for each IRI
    subject s of a graph g typed mgkg:SourceGraph): the whole derived graph of a store they were loaded into empty."""

    def __init__(self) -> None:
        """Nothing seen yet."""
        self.pairs: set[tuple[ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.DefaultGraph]] = set()
        self.sources: set[ox.NamedNode] = set()

    def through(self, stream: Iterator[ox.Quad]) -> Iterator[ox.Quad]:
        """`stream`, its subjects and source graphs noted."""
        pairs, sources = self.pairs, self.sources
        for quad in stream:
            subject = quad.subject
            if type(subject) is ox.NamedNode:
                pairs.add((subject, quad.graph_name))
                if quad.object == _SOURCE_GRAPH and quad.predicate == _TYPE:
                    sources.add(subject)
            yield quad

    def quads(self, base: str = DEFAULT_BASE) -> list[ox.Quad]:
        """The derived graph's quads."""
        d, stated_in = ox.NamedNode(str(derived_graph(base))), ox.NamedNode(str(STATED_IN))
        sources = self.sources - {d}
        return [ox.Quad(s, stated_in, g, d) for s, g in self.pairs if g in sources]  # type: ignore[arg-type]


class LoadError(MgkgError, ValueError):
    """A file cannot be loaded (missing, unknown extension, malformed); the message is one line naming it."""


@dataclass(frozen=True)
class Source:
    """One file to load: its path, format, size, whether gzipped, and the graph for its default-graph triples."""

    path: Path
    format: ox.RdfFormat
    size: int
    gzipped: bool
    graph: ox.NamedNode


def source(path: Path, graph: str | None, base: str) -> Source:
    """Describe `path` for loading; LoadError when it is missing or of an unknown format."""
    gzipped = path.suffix.lower() == ".gz"
    plain = path.with_suffix("") if gzipped else path
    try:
        fmt = by_extension(plain, RDF).rdf
    except FormatError:
        raise LoadError(f"{path}: unknown RDF format: use {EXTENSIONS}") from None
    if not path.is_file():
        raise LoadError(f"{path}: no such file")
    name = graph or str(graph_iri(plain.stem, base))
    try:
        target = ox.NamedNode(name)
    except ValueError:
        raise LoadError(f"{path}: {name!r} is not a usable graph IRI: give --graph IRI") from None
    return Source(path, fmt, path.stat().st_size, gzipped, target)


def quads(item: Source, advance: Advance | None = None) -> Iterator[ox.Quad]:
    """The quads of the file, default-graph triples moved into its graph; LoadError at a syntax error."""
    with item.path.open("rb") as raw:
        stream: BinaryIO = gzip.GzipFile(fileobj=raw) if item.gzipped else raw  # type: ignore[assignment]
        count = 0
        try:
            if stream.peek(len(BOM_BYTES)).startswith(BOM_BYTES):  # type: ignore[attr-defined]  # both buffered
                stream.read(len(BOM_BYTES))  # a byte-order mark is dropped
            for quad in ox.parse(stream, format=item.format, base_iri=item.path.resolve().as_uri()):
                if isinstance(quad.graph_name, ox.DefaultGraph):
                    quad = ox.Quad(quad.subject, quad.predicate, quad.object, item.graph)
                yield quad
                count += 1
                if advance is not None and count % STEP == 0:
                    advance(raw.tell(), STEP)
        except SyntaxError as error:
            raise LoadError(_syntax(item, error)) from None
        except (OSError, EOFError, UnicodeDecodeError) as error:  # gzip.BadGzipFile is an OSError
            raise LoadError(f"{item.path}: cannot read: {error}") from None
        if advance is not None:
            advance(raw.tell(), count % STEP)


def _syntax(item: Source, error: SyntaxError) -> str:
    message = " ".join(str(error.msg).split())
    if message.startswith("Parser error") and ": " in message:
        message = message.split(": ", 1)[1]
    where = f":{error.lineno}:{error.offset}" if error.lineno else ""
    return f"{item.path}{where}: {item.format.name} syntax error: {message}"


def into(store: EmbeddedStore | RemoteStore, stream: Iterator[ox.Quad]) -> None:
    """Write the quads: Oxigraph's bulk loader, or INSERT DATA batches on a remote store."""
    if isinstance(store, EmbeddedStore):
        try:
            store.raw.bulk_extend(stream)
        except OSError as error:
            raise StoreError(f"cannot write to store {store.path}: {error}") from None
        if store.path is not None:
            store.raw.flush()
    else:
        store.insert(stream)


def _quiet(_item: Source) -> None:
    return None


def check_files(store: EmbeddedStore | RemoteStore, sources: Sequence[Source], progress: FileProgress = _quiet) -> None:
    """Parse every file, and on a remote store check every quad it must keep; LoadError before anything is written."""
    for item in sources:
        for quad in quads(item, progress(item)):
            if isinstance(store, RemoteStore):
                store.check(quad)


def empty(store: EmbeddedStore | RemoteStore) -> bool:
    """Whether `store` is an Oxigraph store without a single quad (`load_files` needs no `check_files` then)."""
    return isinstance(store, EmbeddedStore) and next(iter(store.raw.quads_for_pattern(None, None, None)), None) is None


def load_files(
    store: EmbeddedStore | RemoteStore, sources: Sequence[Source], progress: FileProgress = _quiet,
    base: str = DEFAULT_BASE, fresh: bool = False,
) -> int:
    """Stream the quads of every file into the store, then recompute the derived graph; the number of quads read
    from the files. Call `check_files` first, unless the store is `fresh` (`empty` before): then a LoadError
    empties it again."""
    tally, stated = Tally(), Stated()
    try:
        for item in sources:
            stream = tally.through(quads(item, progress(item)))
            into(store, stated.through(stream) if fresh else stream)
    except LoadError:
        if fresh and isinstance(store, EmbeddedStore):
            store.raw.clear()
            if store.path is not None:
                store.raw.flush()
        raise
    if isinstance(store, RemoteStore):
        derive_store(store.update, base, store.owned)
        return tally.quads
    if fresh:
        store.raw.remove_graph(ox.NamedNode(str(derived_graph(base))))  # a file may carry one: it is derived again
        store.raw.bulk_extend(stated.quads(base))
    else:
        derive_in(store.raw, base)
    store.optimize()
    return tally.quads
