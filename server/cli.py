"""The `mgkg` command: graph.cli's commands plus `mgkg serve`, the HTTP service (server imports graph)."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Sequence
from contextlib import suppress

import click

from graph.cli.commands import cli
from graph.cli.support import fail, settings_of
from graph.core.config import Settings
from graph.store import EmbeddedStore, RemoteStore, open_built
from server.app import serving_app
from server.requestlog import flush_request_log, log_requests_to_stderr
from server.serve import StopError, check_limits, raise_open_file_limit, serve_forever, thread_limit_warning
from server.stores import check as check_store
from server.stores import open_for_serving
from server.workers import check as check_workers
from server.workers import serve_workers
from server.writers import writes_enabled
from server.writers_cli import writers

cli.add_command(writers)


def with_flags(settings: Settings, **flags: object) -> Settings:
    """`settings` with every flag that was given (not None, not an empty tuple) taking precedence."""
    given = {name: value for name, value in flags.items() if value is not None and value != ()}
    return dataclasses.replace(settings, **given)  # type: ignore[arg-type]


@cli.command()
@click.option("--host", help="Interface to listen on [127.0.0.1].")
@click.option("--port", type=click.IntRange(0, 65535), help="Port; 0 picks a free one [8000].")
@click.option("--threads", type=click.IntRange(min=1), help="Queries run at once per process [8].")
@click.option("--workers", type=click.IntRange(min=1), help="Server processes (read-only or remote store) [1].")
@click.option("--in-memory/--no-in-memory", default=None,
              help="Serve a read-only copy of the store held in memory (or not, whatever the settings say) [off].")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds per query before 503 [30].")
@click.option("--max-rows", type=click.IntRange(min=1), help="Most rows or triples a query returns [10000].")
@click.option("--allow", multiple=True, metavar="PREFIX", help="IRI prefix SERVICE/LOAD may reach (repeatable).")
@click.pass_context
def serve(
    ctx: click.Context, host: str | None, port: int | None, threads: int | None, workers: int | None,
    in_memory: bool | None, timeout: float | None, max_rows: int | None, allow: Sequence[str],
) -> None:
    """Serve the built graph over HTTP (SPARQL endpoint, query page, named queries) until SIGINT/SIGTERM.

    Writes are off unless writers are configured (`mgkg writers add NAME`) or MGKG_UPDATE_TOKEN is set; never pass
    a token as a flag.
    """
    settings = with_flags(
        settings_of(ctx), host=host, port=port, threads=threads, workers=workers, in_memory=in_memory,
        query_timeout=timeout, max_rows=max_rows, allowlist=tuple(allow),
    )
    if settings.workers < 1:
        fail(f"workers must be at least 1, not {settings.workers}")
    check_store(settings)
    check_limits(settings)
    for warning in (raise_open_file_limit(settings), thread_limit_warning(settings)):  # --workers' processes inherit
        if warning:
            click.echo(f"mgkg: warning: {warning}", err=True)
    if settings.workers > 1:
        _serve_processes(settings)
        return
    store = open_for_serving(settings, lambda line: click.echo(line, err=True))
    log_requests_to_stderr()

    try:
        serve_forever(lambda: serving_app(settings, store), settings, lambda url: _announce(settings, url))
    except StopError as error:
        click.echo(f"mgkg: warning: {error}", err=True)
        _leave_now(store)
    finally:
        store.close()
    click.echo("mgkg: stopped", err=True)


def _announce(settings: Settings, url: str) -> None:
    click.echo(f"mgkg: serving {url}", err=True)
    writes = "on (bearer token required)" if writes_enabled(settings) else "off"
    processes = f", {settings.workers} processes" if settings.workers > 1 else ""
    copy = " (a copy in memory)" if settings.in_memory else ""
    click.echo(f"mgkg: store {settings.store_spec}{copy}, writes {writes}{processes}; Ctrl-C to stop", err=True)


def _leave_now(store: EmbeddedStore | RemoteStore) -> None:
    """Exit at once, with status 0, after the store's writes are flushed: requests still hold granian's threads, and
    tearing the interpreter and the store down under them can crash the process (a `--workers` process leaves so
    too). Nothing acknowledged is lost: a write is committed before its answer."""
    if isinstance(store, EmbeddedStore) and store.path is not None and not store.read_only:
        with suppress(OSError, RuntimeError):
            store.raw.flush()
    flush_request_log()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _serve_processes(settings: Settings) -> None:
    """`mgkg serve --workers N` (server/workers.py): the store must exist; workers open it themselves."""
    check_workers(settings, settings.workers)  # before opening: a memory store is refused, not created
    open_built(settings).close()  # StoreError "no graph at …: run `mgkg build` first" when missing
    log_requests_to_stderr()
    serve_workers(settings, settings.workers, lambda url: _announce(settings, url))
    click.echo("mgkg: stopped", err=True)


def main() -> None:
    """Console-script entry point: every mgkg command, serve included."""
    cli(prog_name="mgkg")


if __name__ == "__main__":
    main()
