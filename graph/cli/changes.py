"""`mgkg history` and `mgkg revert`: the journal of writes, listed, and a changeset undone on the store."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, date, datetime
from pathlib import Path

import click

from graph.changes.apply import apply, catch_up
from graph.changes.history import describe, matching
from graph.changes.journal import Journal
from graph.changes.model import WRITER_PATTERN, Changeset, one_line
from graph.changes.revert import check_applies, revert_changeset, validate_on_copy
from graph.cli.support import fail, settings_of
from graph.core.namespaces import is_absolute_iri
from graph.store import EmbeddedStore, generations, spec_kind


def _since(text: str | None) -> datetime | None:
    """--since as a UTC datetime: a date (its midnight, UTC) or an ISO 8601 date-time (UTC when no zone)."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text) if "T" in text or " " in text else None
        if moment is None:
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
    except ValueError:
        fail(f"--since {text!r}: expected a date (2026-12-06) or a date-time (2026-12-06T10:15:00Z)")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _line(changeset: Changeset, base: str) -> str:
    """One line of `mgkg history`: id, time, writer, counts, graphs, message."""
    graphs = ",".join(g.removeprefix(f"{base}graph/") for g in changeset.graphs) or "-"
    reverts = f" (reverts {changeset.reverts})" if changeset.reverts else ""
    stamp = changeset.time.strftime("%Y-%m-%d %H:%M:%SZ")
    return (f"{changeset.id}  {stamp}  {changeset.writer}  +{len(changeset.added)} -{len(changeset.removed)}  "
            f"{graphs}  {changeset.message}{reverts}")


@click.command()
@click.option("--entity", help="Only changesets that add or remove a statement about this IRI.")
@click.option("--since", help="Only changesets made at or after this date or date-time (UTC unless given).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def history(ctx: click.Context, entity: str | None, since: str | None, fmt: str) -> None:
    """List the changesets of the journal of writes, oldest first (dropped ones left out)."""
    settings = settings_of(ctx)
    if entity is not None and not is_absolute_iri(entity):
        fail(f"--entity {entity!r}: expected an absolute IRI")
    found = matching(Journal(settings.data_dir), entity, _since(since))
    if fmt == "json":
        click.echo(json.dumps([describe(changeset, settings.base) for changeset in found], ensure_ascii=False,
                              indent=1))
        return
    for changeset in found:
        click.echo(_line(changeset, settings.base))


def _default_writer() -> str:
    """The login name when it is a valid writer name, else "cli"."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        return "cli"
    return name if WRITER_PATTERN.fullmatch(name) else "cli"


@click.command()
@click.argument("id")
@click.option("--message", "-m", help="Why (default: Revert ID).")
@click.option("--writer", help="Who, a writer name [the login name, else cli].")
@click.pass_context
def revert(ctx: click.Context, id: str, message: str | None, writer: str | None) -> None:
    """Undo changeset ID with a new changeset, on the store when no server holds it (SHACL-gated as a write)."""
    settings = settings_of(ctx)
    writer = writer or _default_writer()
    if not WRITER_PATTERN.fullmatch(writer):
        fail(f"--writer {writer!r}: expected lower-case letters, digits, _ or - (at most 64)")
    kind, location = spec_kind(settings.store_spec)
    if kind != "oxigraph":
        fail(f"mgkg revert works on an on-disk store; {settings.store_spec} is not one: use the server's "
             f"POST /changes/{id}/revert")
    path = Path(location)
    if not path.exists():
        fail(f"no graph at {path}: run `mgkg build` first")
    pid = generations.holder(path.resolve())
    if pid is not None:
        fail(f"the store {path} is open in process {pid} (a server with writes on?): revert there with "
             f"POST /changes/{id}/revert")
    journal = Journal(settings.data_dir)
    store = EmbeddedStore(path, settings.base)
    try:
        with journal.locked():
            catch_up(store.raw, journal, settings.base)
            undo = revert_changeset(journal, id, writer, one_line(message or f"Revert {id}"))
            check_applies(store.raw, undo)
            report = validate_on_copy(store.raw, undo, settings.base, path.parent)
            if not report.conforms:
                click.echo(report.text(), err=True, nl=False)
                fail(f"the revert of {id} was not applied: {len(report.violations)} SHACL violation(s)", 1)
            journal.append(undo)
            apply(store.raw, undo, settings.base)
    finally:
        store.close()
    click.echo(f"reverted {id}: changeset {undo.id}")
