"""The `mgkg load` command: bulk-load RDF files into the store (graph.load), with progress and throughput.

Nothing is validated: run `mgkg validate` afterwards. A progress bar (bytes read, triples) shows on stderr when
it is a terminal; the last line gives triples, seconds and triples/s.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from graph.cli.support import fail, settings_of, throughput
from graph.load import EXTENSIONS, Advance, FileProgress, Source, Tally, check_files, empty, load_files, source
from graph.store import open_store


@contextmanager
def _bar(title: str, sources: Sequence[Source]) -> Iterator[FileProgress]:
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


@click.command("load", help=f"Bulk-load RDF files ({EXTENSIONS}) into the store, unvalidated.")
@click.argument("files", nargs=-1, metavar="FILE…")
@click.option("--graph", "graph", metavar="IRI", help="Named graph for triples outside any graph "
              "[<base>graph/<file stem>].")
@click.pass_context
def load(ctx: click.Context, files: Sequence[str], graph: str | None) -> None:
    """Bulk-load RDF files into the store, unvalidated."""
    settings = settings_of(ctx)
    if not files:
        fail(f"load needs at least one FILE ({EXTENSIONS})")
    sources = [source(Path(name), graph, settings.base) for name in files]
    store = open_store(settings.store_spec, settings.base)
    try:
        fresh = empty(store)  # then a syntax error empties it again: no need to parse every file first
        if not fresh:
            with _bar("check", sources) as progress:  # nothing is written before every file parses
                check_files(store, sources, progress)
        started = time.perf_counter()
        with _bar("load", sources) as progress:
            loaded = load_files(store, sources, progress, settings.base, fresh)
    finally:
        store.close()
    click.echo(
        f"loaded {loaded:,} triples from {len(sources)} file(s) into {settings.store_spec} "
        + throughput(loaded, started)
    )
