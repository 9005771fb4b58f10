"""The `mgkg` command: build, validate, export, query, stats (one-line errors, exit 2; violations, exit 1).

Commands raise; `Main.invoke` turns every MgkgError any of them raises into one line (graph.cli.support.translate).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rdflib import Dataset

from graph.build import NonConformingError, StaleChangesError, build_dataset, write_store
from graph.changes.journal import Journal
from graph.cli import output
from graph.cli.changes import history, revert
from graph.cli.link import enrich, link
from graph.cli.load import load
from graph.cli.support import fail, progress, settings_of, translate
from graph.cli.synth import synth
from graph.core.config import load_settings
from graph.core.errors import MgkgError
from graph.core.files import read_data_files, write_atomic
from graph.core.formats import RDF, RESULTS, names
from graph.core.namespaces import prefixes
from graph.core.text import first_line
from graph.export import FORMATS, export, export_split
from graph.exports.split import write_split
from graph.named_queries import load_queries
from graph.shacl.validate import ENGINES, ShaclEngine, ValidationReport, validate_dataset, validate_store
from graph.sparql.execute import Executor, Limits, QueryFailed
from graph.sparql.guard import Refused, secure
from graph.stats import compute_stats
from graph.store import EmbeddedStore, has_graph, open_built, spec_kind


class Main(click.Group):
    """Turns every MgkgError of every command (and of the group's own options) into one line and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; an MgkgError becomes `mgkg: error: <one line>` (anything else is a bug: a traceback)."""
        try:
            return super().invoke(ctx)
        except MgkgError as error:
            translate(error)


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", type=click.Path(dir_okay=False), help="Config file (default mgkg.toml if present).")
@click.option("--base", help="Base IRI of data and graph IRIs [https://w3id.org/mgkg/].")
@click.option("--data-dir", help="Where the built store lives [./data].")
@click.option(
    "--store", help="Store spec: memory | oxigraph:PATH | sparql:QUERY_URL[;UPDATE_URL] [oxigraph:<data-dir>/store]."
)
@click.version_option(package_name="mgkg")
@click.pass_context
def cli(ctx: click.Context, config: str | None, base: str | None, data_dir: str | None, store: str | None) -> None:
    """mgkg — the Migration Governance Knowledge Graph."""
    environ = dict(os.environ)
    if config:
        environ["MGKG_CONFIG"] = config
    ctx.obj = load_settings({"base": base, "data_dir": data_dir, "store": store}, environ)


@cli.command()
@click.option("--sources", type=click.Path(file_okay=False), help="Folder of source files [the packaged ones].")
@click.option("--drop-stale", is_flag=True,
              help="Drop journal changesets that no longer apply (recorded in the journal) instead of stopping.")
@click.pass_context
def build(ctx: click.Context, sources: str | None, drop_stale: bool) -> None:
    """Build the sources into the store and replay the journal of writes on top; refuse (exit 1) if the graph does
    not conform or a journal changeset no longer applies (unless --drop-stale)."""
    settings = settings_of(ctx)
    folder = Path(sources) if sources else None
    if folder is not None and not folder.is_dir():
        fail(f"--sources {sources}: no such folder")
    journal = Journal(settings.data_dir)
    try:
        with progress("build") as step:
            dataset, report = build_dataset(settings.base, folder, progress=step)
            step("write store and replay the journal")
            done = write_store(dataset, settings.store_spec, settings.base, journal, drop_stale)
    except NonConformingError as error:
        for line in error.located[:50]:
            click.echo(line, err=True)
        more = len(error.located) - 50
        if more > 0:
            click.echo(f"… and {more} more (run `mgkg validate` on the sources for all)", err=True)
        fail(f"the graph does not conform: {len(error.located)} violations; nothing was written", 1)
    except StaleChangesError as error:
        for stale in error.refused:
            click.echo(f"changeset {stale.id}: {stale.reason}", err=True)
        fail(str(error), 1)
    for stale in done.dropped:
        click.echo(f"mgkg: dropped changeset {stale.id}: {stale.reason}", err=True)
    quads = sum(1 for _ in dataset.quads((None, None, None, None)))
    click.echo(
        f"built {quads} quads in {len(list(dataset.graphs())) - 1} graphs into {settings.store_spec} "
        f"({len(report.warnings)} warnings, {len(report.infos)} infos)"
    )
    if done.applied or done.dropped:
        click.echo(f"replayed {len(done.applied)} changesets of the journal ({len(done.dropped)} dropped)")
    elif spec_kind(settings.store_spec)[0] != "oxigraph" and len(journal):
        click.echo(f"mgkg: warning: the journal's {len(journal)} changesets are replayed into an on-disk store only",
                   err=True)


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json"]), default="text")
@click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True,
              help="SHACL engine: shapes compiled to SPARQL for Oxigraph, or pySHACL; auto = Oxigraph when it can.")
@click.pass_context
def validate(ctx: click.Context, files: Sequence[str], fmt: str, engine: ShaclEngine) -> None:
    """Validate the built graph, or FILES (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML)."""
    settings = settings_of(ctx)
    with progress("validate") as step:
        if files:
            step("read files")
            dataset: Dataset = read_data_files([Path(f) for f in files])
            step("validate")
            report: ValidationReport = validate_dataset(dataset, engine=engine)
        else:
            store = open_built(settings)
            if isinstance(store, EmbeddedStore):
                step("validate")
                report = validate_store(store.raw, engine=engine)
            else:
                dataset = store.dataset()
                step("validate")
                report = validate_dataset(dataset, engine=engine)
            store.close()
    click.echo(report.serialize(fmt), nl=False)
    sys.exit(0 if report.no_violations else 1)


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="turtle", show_default=True)
@click.option("--graph", "graph_iri", metavar="GRAPH",
              help="Export only this named graph: its IRI, a prefixed name (mgg:links) or a short id (003, links, "
              "or an entity such as tc-0287 for the document graph that introduces it).")
@click.option("--data-only/--with-ontology", "data_only", default=None,
              help="Leave out or keep the ontology graph [turtle: --data-only; the other formats: --with-ontology].")
@click.option("--split", "split_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write one file per named graph into DIR, each opening with a header comment.")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), help="Write here (default stdout).")
@click.pass_context
def export_command(
    ctx: click.Context, fmt: str, graph_iri: str | None, data_only: bool | None, split_dir: str | None, out: str | None
) -> None:
    """Export the built graph; same graph, byte-identical output."""
    settings = settings_of(ctx)
    ontology = None if data_only is None else not data_only
    if split_dir is not None and out is not None:
        fail("--split DIR and -o FILE exclude each other")
    with progress("export"):
        store = open_built(settings)
        if split_dir is not None:
            files = export_split(store.dataset(), fmt, graph_iri, settings.base, ontology)
            store.close()
            write_split(Path(split_dir), files)
            return
        data = export(store.dataset(), fmt, graph_iri, settings.base, ontology)
        store.close()
    if out is None:
        sys.stdout.buffer.write(data)
        return
    write_atomic(Path(out), data)


@cli.command()
@click.argument("name", required=False)
@click.option("-e", "--expression", help="Query text instead of a named query or file.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="Named-query parameter.")
@click.option(
    "--format", "fmt", type=click.Choice(output.FORMATS), default="table", show_default=True,
    help=f"table (for a person), or the bytes the HTTP service sends: {names(RESULTS)} for SELECT/ASK; "
    f"{names(RDF)} for CONSTRUCT/DESCRIBE (xml is RDF/XML there, json is jsonld).",
)
@click.option(
    "--max-rows", type=click.IntRange(min=1),
    help="Stop after N rows (or triples), with a warning on stderr. Default: every row, as `oxigraph query`.",
)
@click.option(
    "--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
    help="Stop the query after SECONDS (exit 2). Default: the settings' query_timeout (MGKG_QUERY_TIMEOUT, 30).",
)
@click.pass_context
def query(
    ctx: click.Context, name: str | None, expression: str | None, params: Sequence[str], fmt: str,
    max_rows: int | None, timeout: float | None,
) -> None:
    """Run a named query (NAME), a .rq FILE, or -e TEXT against the built graph.

    Runs as GET /queries/NAME and POST /sparql do (the same executor, union default graph, and the same
    SERVICE/LOAD/FROM allowlist: the settings' `allowlist`, empty by default, so a SERVICE is refused and a
    SERVICE SILENT yields nothing; set MGKG_ALLOWLIST to let a query reach an endpoint) and prints the same bytes
    for the same text, base IRI and allowlist. What differs: relative IRIs resolve against the FILE's file: URI,
    or the settings' base for NAME and -e (the server uses the request URL); every row comes unless --max-rows;
    the time limit is --timeout.
    """
    settings = settings_of(ctx)
    values = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"--param {item!r}: expected NAME=VALUE")
        values[key] = value
    if (name is None) == (expression is None):
        fail("give a query NAME or FILE, or -e TEXT (exactly one)")
    if expression is not None and values:
        fail("--param applies to named queries only")
    bindings = None
    if expression is not None:
        origin, text, base = "-e", expression, settings.base
    elif (name is not None and name.endswith(".rq")) or Path(str(name)).is_file():
        path = Path(str(name))
        origin, text, base = str(name), output.read_query_file(path), path.resolve().as_uri()
    else:
        queries = load_queries()
        if name not in queries:
            fail(f"no named query {name!r}: run `mgkg queries` for the list")
        named = queries[str(name)]
        origin, text, base = str(named.path), named.text, settings.base
        bindings = named.bind(values, settings.base)
    result_format, graph_format = output.formats_for(fmt)
    limits = Limits(settings.query_timeout if timeout is None else timeout, max_rows)
    store = open_built(settings)
    try:
        secured, found = secure(text, is_update=False, base=base, allowlist=settings.allowlist,
                                has_graph=lambda iri: has_graph(store, iri), max_depth=settings.max_depth,
                                prefixes=prefixes(settings.base))
        with progress("query"), Executor(1, detached=True) as executor:  # exit on timeout, not when it ends
            answer = executor.answer(store.raw, secured, settings, bindings=bindings, has_dataset=found.has_dataset,
                                     result_format=result_format, graph_format=graph_format, limits=limits,
                                     base_iri=base)
    except (QueryFailed, Refused) as error:  # said where: the name, file or -e
        raise type(error)(f"{origin}: {first_line(error)}", kind=error.kind) from None
    finally:
        store.close()
    click.echo(output.render(answer, fmt), nl=False)
    if answer.truncated:
        click.echo(f"mgkg: warning: the answer was cut at {max_rows} rows (--max-rows {max_rows})", err=True)


@cli.command("queries")
def list_queries() -> None:
    """List the named queries with their parameters."""
    for name, named in load_queries().items():
        click.echo(f"{name}: {named.title}")
        for parameter in named.parameters:
            flag = " (optional)" if parameter.optional else ""
            click.echo(f"    {parameter.name} {parameter.type}{flag} — {parameter.description}")


@cli.command()
@click.pass_context
def stats(ctx: click.Context) -> None:
    """Print counts: quads, triples, graphs, entities per class."""
    store = open_built(stats_settings := settings_of(ctx))
    try:
        numbers = compute_stats(store)
    finally:
        store.close()
    click.echo(f"store: {stats_settings.store_spec}")
    click.echo(f"quads: {numbers.quads}  distinct triples: {numbers.triples}  "
               f"subjects: {numbers.subjects}  properties: {numbers.properties}")
    click.echo("graphs:")
    for graph, count in numbers.graphs.items():
        click.echo(f"  {count:>6}  {graph}")
    click.echo("entities per class:")
    for cls, count in numbers.classes.items():
        click.echo(f"  {count:>6}  {cls.rsplit('#', 1)[-1]}")


for command in (link, enrich, synth, load, history, revert):
    cli.add_command(command)

