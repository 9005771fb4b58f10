"""The `mgkg synth` command: a synthetic graph of N projects written to .nt/.nq/.ttl/.trig (graph.synth.write)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from graph.cli.support import fail, settings_of, throughput
from graph.synth.generate import Synthesizer
from graph.synth.write import EXTENSIONS, output_format, write


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
        fail(f"synth needs --projects N and -o FILE ({EXTENSIONS})")
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
