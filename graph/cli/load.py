"""The `mgkg load` command: bulk-load RDF files into the store, with progress and throughput.

Formats by extension: .nt .nq .ttl .trig .jsonld .rdf, each optionally gzipped (.nt.gz …). Quads keep their
named graph; triples outside any graph (every triple of .nt, .ttl, .rdf) go into `--graph IRI`, by default
`<base>graph/<file stem>` — mgkg's graphs are all named, and the default graph of queries is their union.

Every file is parsed once before anything is written, so a syntax error (reported as FILE:LINE:COLUMN),
or on a remote store a triple it cannot keep, leaves the store as it was. Then the quads are streamed into
the store: on Oxigraph through its bulk loader (Store.bulk_extend: no transaction, fast, flushed at the
end); on a remote SPARQL store in INSERT DATA batches (graph.store.remote). Nothing is validated: run
`mgkg validate` afterwards. A progress bar (bytes read, triples) shows on stderr when it is a terminal;
the last line gives triples, seconds and triples/s.
"""

from __future__ import annotations

import gzip
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import click
import pyoxigraph as ox
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from graph.cli.support import fail, settings_of, throughput
from graph.core.errors import MgkgError
from graph.core.formats import RDF, FormatError, by_extension
from graph.core.namespaces import graph_iri
from graph.store import EmbeddedStore, StoreError, open_store
from graph.store.remote import RemoteStore

STEP = 10_000
"""Quads between two progress updates."""

Advance = Callable[[int, int], None]
"""Progress callback: (bytes read so far in the current file, quads since the last call)."""


@dataclass
class Tally:
    """Quads that went through."""

    quads: int = 0

    def through(self, stream: Iterator[ox.Quad]) -> Iterator[ox.Quad]:
        """`stream`, counted."""
        for quad in stream:
            self.quads += 1
            yield quad


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
        known = " ".join(f".{f.extension}" for f in RDF)
        raise LoadError(f"{path}: unknown RDF format: use {known} (optionally .gz)") from None
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


@contextmanager
def _bar(title: str, sources: Sequence[Source]) -> Iterator[Callable[[Source], Advance | None]]:
    """A progress bar over the bytes of all files (and a count of triples) on stderr, only on a terminal."""
    if not sys.stderr.isatty():
        yield lambda _item: None
        return
    columns = (TextColumn(title), BarColumn(), DownloadColumn(), TextColumn("{task.fields[quads]:,} triples"),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(title, total=sum(s.size for s in sources), quads=0)
        done = Tally()

        def for_file(item: Source) -> Advance:
            offset = sum(s.size for s in sources[: sources.index(item)])

            def advance(position: int, count: int) -> None:
                done.quads += count
                bar.update(task, completed=offset + position, quads=done.quads)

            return advance

        yield for_file


@click.command("load")
@click.argument("files", nargs=-1, metavar="FILE…")
@click.option("--graph", "graph", metavar="IRI", help="Named graph for triples outside any graph "
              "[<base>graph/<file stem>].")
@click.pass_context
def load(ctx: click.Context, files: Sequence[str], graph: str | None) -> None:
    """Bulk-load RDF files (.nt .nq .ttl .trig .jsonld .rdf, optionally .gz) into the store, unvalidated."""
    settings = settings_of(ctx)
    if not files:
        fail("load needs at least one FILE (.nt .nq .ttl .trig .jsonld .rdf, optionally .gz)")
    sources = [source(Path(name), graph, settings.base) for name in files]
    store = open_store(settings.store_spec, settings.base)
    try:
        with _bar("check", sources) as progress:  # nothing is written before every file parses
            for item in sources:
                for quad in quads(item, progress(item)):
                    if isinstance(store, RemoteStore):
                        store.check(quad)
        started, tally = time.perf_counter(), Tally()
        with _bar("load", sources) as progress:
            for item in sources:
                into(store, tally.through(quads(item, progress(item))))
    finally:
        store.close()
    click.echo(
        f"loaded {tally.quads:,} triples from {len(sources)} file(s) into {settings.store_spec} "
        + throughput(tally.quads, started)
    )
