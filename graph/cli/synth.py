"""The `mgkg synth` command and its streaming writer: a synthetic graph of N projects to .nt/.nq/.ttl/.trig."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import click
import pyoxigraph as ox
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from graph.cli.support import fail, settings_of, throughput
from graph.core.formats import FormatError, by_extension, by_name
from graph.core.namespaces import graph_iri, prefixes
from graph.synth.generate import Chunk, SynthError, Synthesizer

FORMATS = tuple(by_name(name) for name in ("nt", "nquads", "turtle", "trig"))
"""Output formats, named below by their extension: nt and ttl hold the union of the graphs, nq and trig the graphs."""

BATCH = 50_000
"""Statements per pyoxigraph call when writing Turtle or TriG."""


@dataclass
class Counts:
    """What was written: distinct triples, quads (statements in named graphs) and projects."""

    triples: int = 0
    quads: int = 0
    projects: int = 0


def output_format(path: Path) -> str:
    """The extension (nt, nq, ttl or trig) of the format the file names; SynthError for any other."""
    try:
        return by_extension(path, FORMATS).extension
    except FormatError:
        suffix = path.suffix or "(none)"
        raise SynthError(f"{path}: unknown extension {suffix!r}: use .nt, .nq, .ttl or .trig") from None


def header(fmt: str, base: str, note: str) -> bytes:
    """The first lines of the file: a comment, and for Turtle and TriG every mgkg prefix (once)."""
    text = f"# {note}\n"
    if fmt in ("ttl", "trig"):
        text += "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in prefixes(base).items()) + "\n"
    return text.encode()


def pretty(lines: list[str], fmt: str, base: str) -> bytes:
    """Turtle (fmt ttl) or TriG (trig) for N-Triples / N-Quads lines, without the prefix lines pyoxigraph adds."""
    target = by_name(fmt, FORMATS)
    source = by_name("nquads" if target.keeps_graphs else "nt", FORMATS)
    parsed = ox.parse("".join(lines).encode(), format=source.rdf)
    data = ox.serialize(parsed, format=target.rdf, prefixes=prefixes(base)) or b""
    position = 0
    while data.startswith(b"@prefix ", position):
        position = data.index(b"\n", position) + 1
    return data[position:]


def stream(
    chunks: Iterable[Chunk], handle: BinaryIO, fmt: str, base: str, progress: Callable[[int], None] | None = None
) -> Counts:
    """Write the chunks in `fmt` as they come (Turtle and TriG BATCH statements at a time); count them."""
    counts, pending = Counts(), list[str]()
    provenance = f"<{graph_iri('provenance', base)}>"
    for chunk in chunks:
        counts.quads += len(chunk.statements)
        counts.projects += chunk.projects
        counts.triples += sum(1 for *_, new in chunk.statements if new)
        if fmt in ("nq", "trig"):  # a document's graph, then its provenance: one TriG block each
            ordered = sorted(chunk.statements, key=lambda statement: statement[1] == provenance)
            pending += [f"{spo} {g} .\n" for spo, g, _ in ordered]
        else:
            pending += [f"{spo} .\n" for spo, _, new in chunk.statements if new]
        if fmt in ("nt", "nq"):
            handle.write("".join(pending).encode())
            pending = []
        elif len(pending) >= BATCH:
            handle.write(pretty(pending, fmt, base))
            pending = []
        if progress is not None:
            progress(chunk.projects)
    if pending:
        handle.write(pretty(pending, fmt, base))
    return counts


def write(synthesizer: Synthesizer, path: Path, progress: Callable[[int], None] | None = None) -> Counts:
    """Generate into FILE.tmp, then rename it to `path`; on any failure no file is left behind."""
    fmt = output_format(path)
    if path.is_dir():
        raise SynthError(f"{path}: cannot write: is a directory")
    temporary = path.with_name(path.name + ".tmp")
    note = f"mgkg synth: SYNTHETIC data, not facts: {synthesizer.projects} projects, seed {synthesizer.seed}"
    try:
        with temporary.open("wb", buffering=1 << 20) as handle:
            handle.write(header(fmt, synthesizer.base, note))
            counts = stream(synthesizer.chunks(), handle, fmt, synthesizer.base, progress)
        temporary.replace(path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise SynthError(f"{path}: cannot write: {error.strerror or error}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return counts


def _integer(option: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        fail(f"{option} {text!r}: expected a whole number")


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar over the projects on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    columns = (TextColumn("synth"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("synth", total=total)
        yield lambda done: bar.advance(task, done)


@click.command("synth")
@click.option("--projects", "-n", metavar="N", help="Number of projects (at least 1).")
@click.option("--seed", default="0", show_default=True, metavar="S", help="Random seed: same seed, same bytes.")
@click.option("-o", "--output", "out", metavar="FILE", help="Output file; the extension picks the format: "
              ".nt (union of the graphs), .nq (named graphs), .ttl (union), .trig (named graphs).")
@click.pass_context
def synth(ctx: click.Context, projects: str | None, seed: str, out: str | None) -> None:
    """Write a SYNTHETIC graph of N projects in mgkg's shape (conforming to shapes/), streamed to FILE."""
    if projects is None or out is None:
        fail("synth needs --projects N and -o FILE (.nt, .nq, .ttl or .trig)")
    count, seed_value = _integer("--projects", projects), _integer("--seed", seed)
    started = time.perf_counter()
    output_format(Path(out))
    synthesizer = Synthesizer(count, seed_value, settings_of(ctx).base)
    with _progress(count) as advance:
        counts = write(synthesizer, Path(out), advance)
    click.echo(
        f"wrote {counts.triples:,} triples ({counts.quads:,} quads) for {counts.projects:,} projects "
        + throughput(counts.triples, started)
    )
