"""What every mgkg command shares: one-line failure (and the one translation of an MgkgError into it), a progress
spinner, throughput, the settings."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import click
from rich.console import Console

from graph.core.config import Settings, load_settings
from graph.core.errors import Kind, MgkgError
from graph.core.text import first_line

stderr = Console(stderr=True, highlight=False)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one error line to stderr and exit with `code`."""
    click.echo(f"mgkg: error: {message}", err=True)
    sys.exit(code)


def exit_code(error: MgkgError) -> int:
    """The exit status for `error`: 1 when data does not conform (as `mgkg build` and `validate` exit), else 2."""
    return 1 if error.kind is Kind.NONCONFORMING else 2


def translate(error: MgkgError) -> NoReturn:
    """What every command does with an MgkgError it does not handle itself: `mgkg: error: <one line>`, exit_code."""
    fail(first_line(error), exit_code(error))


@contextmanager
def progress(title: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr (only on a terminal) showing the current step of a long task."""
    if not sys.stderr.isatty():
        yield lambda _step: None
        return
    with stderr.status(title) as status:
        yield lambda step: status.update(f"{title}: {step}")


def throughput(triples: int, started: float) -> str:
    """"in S s (R triples/s)": the time since `started` (a time.perf_counter() reading) and the rate."""
    seconds = time.perf_counter() - started
    return f"in {seconds:.1f} s ({triples / max(seconds, 1e-9):,.0f} triples/s)"


def settings_of(ctx: click.Context) -> Settings:
    """The settings the top-level options and the environment give."""
    return ctx.find_object(Settings) or load_settings()
