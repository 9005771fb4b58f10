"""The synthetic-graph writer: Synthesizer chunks streamed to .nt/.nq/.ttl/.trig, never a half-written file.

`mgkg synth` (graph/cli/synth.py) and the benchmarks' workload call `write`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from graph.core.formats import FormatError, by_extension, by_name, extensions
from graph.core.namespaces import graph_iri, prefixes
from graph.synth.generate import Chunk, SynthError, Synthesizer

FORMATS = ("nt", "nquads", "turtle", "trig")
"""Output formats (registry names; below, each is named by its extension): nt and ttl hold the union of the graphs,
nq and trig the graphs."""

_OUTPUTS = tuple(by_name(name) for name in FORMATS)

EXTENSIONS = extensions(_OUTPUTS)
"""The output extensions, for messages: `.nt, .nq, .ttl or .trig`."""

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
        return by_extension(path, _OUTPUTS).extension
    except FormatError:
        suffix = path.suffix or "(none)"
        raise SynthError(f"{path}: unknown extension {suffix!r}: use {EXTENSIONS}") from None


def header(fmt: str, base: str, note: str) -> bytes:
    """The first lines of the file: a comment, and for Turtle and TriG every mgkg prefix (once)."""
    text = f"# {note}\n"
    if fmt in ("ttl", "trig"):
        text += "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in prefixes(base).items()) + "\n"
    return text.encode()


def pretty(lines: list[str], fmt: str, base: str) -> bytes:
    """Turtle (fmt ttl) or TriG (trig) for N-Triples / N-Quads lines, without the prefix lines pyoxigraph adds."""
    target = by_name(fmt, _OUTPUTS)
    source = by_name("nquads" if target.keeps_graphs else "nt", _OUTPUTS)
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
