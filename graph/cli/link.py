"""The `mgkg link` and `mgkg enrich` commands (registered on graph.cli.commands's group); one-line errors, exit 2."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from rdflib import Dataset

from graph.build import load_dataset
from graph.cli.support import fail
from graph.core import resources
from graph.core.files import parse_graph
from graph.linking.client import WIKIDATA_ENDPOINT, SparqlClient
from graph.linking.enrich import linked_items, snapshot_status
from graph.linking.enrich import refresh as refresh_wikidata
from graph.linking.links import links_from_reference, write_file
from graph.linking.reconcile import KINDS, MARGIN, THRESHOLD, apply_review, reconcile, review_text, unlinked_entities
from graph.linking.sources import SOURCES, refresh, status


def _note(message: str) -> None:
    click.echo(f"mgkg: note: {message}", err=True)


def _date(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--date {value!r}: expected a date like 2026-11-24 (YYYY-MM-DD)")


def _folder(sources: str | None) -> Path:
    folder = Path(sources) if sources else resources.sources_dir()
    if not folder.is_dir():
        fail(f"--sources {sources}: no such folder")
    return folder


_timeout = click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
                        help="Seconds to wait for each answer.")  # fmt: skip
_sources = click.option("--sources", type=click.Path(file_okay=False),
                        help="Folder of source files [the packaged ones].")  # fmt: skip
_when = click.option("--date", "when", help="Date to record, YYYY-MM-DD [today].")


@click.command()
@click.option("--endpoint", help=f"SPARQL endpoint to search for candidates [{WIKIDATA_ENDPOINT}].")
@click.option("--type", "kinds", multiple=True, type=click.Choice(list(KINDS)), help="Only entities of this kind.")
@click.option("--limit", type=click.IntRange(min=1), help="Search for at most N entities.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=THRESHOLD, show_default=True,
              help="Lowest score that is auto-accepted (when unambiguous).")
@click.option("--review", "review_file", type=click.Path(dir_okay=False), default="link-review.tsv",
              show_default=True, help="Review file to write.")
@click.option("--batch-size", type=click.IntRange(1, 100), default=20, show_default=True, help="Entities per query.")
@click.option("--apply", "apply_file", type=click.Path(dir_okay=False), help="Add the accepted rows of a review file.")
@click.option("--reviewer", help="Who accepted the rows (recorded with each link); needed with --apply.")
@click.option("--from-reference", "reference", type=click.Path(dir_okay=False),
              help="Regenerate the links file from a reference list (external-ids.tsv).")
@click.option("--links", "links_file", type=click.Path(dir_okay=False),
              help="Links file [<sources>/generated/links.ttl].")
@_sources
@_when
@_timeout
def link(endpoint: str | None, kinds: tuple[str, ...], limit: int | None, threshold: float, review_file: str,
         batch_size: int, apply_file: str | None, reviewer: str | None, reference: str | None,
         links_file: str | None, sources: str | None, when: str | None, timeout: float) -> None:  # fmt: skip
    """Link entities to other datasets: search candidates (default), --apply a review, or --from-reference."""
    if apply_file and reference:
        fail("give --apply or --from-reference, not both")
    if (apply_file or reference) and (endpoint or kinds or limit):
        fail("--endpoint, --type and --limit search for candidates; they do not go with --apply or --from-reference")
    if apply_file and not reviewer:
        fail("--apply needs --reviewer NAME (recorded with every link it adds)")
    folder = _folder(sources)
    target = Path(links_file) if links_file else resources.generated_file(folder, "links.ttl")
    today = _date(when)
    if reference:
        _regenerate(Path(reference), folder, target, today)
    elif apply_file:
        _apply(Path(apply_file), folder, target, str(reviewer), today)
    else:
        client = SparqlClient(endpoint or WIKIDATA_ENDPOINT, timeout=timeout)
        _search(client, folder, kinds, limit, threshold, batch_size, Path(review_file))


def _regenerate(reference: Path, folder: Path, target: Path, today: date) -> None:
    existing = parse_graph(target) if target.exists() else None
    data, notes = links_from_reference(reference, load_dataset(folder=folder), today, existing)
    for note in notes:
        _note(note)
    write_file(target, data)
    click.echo(f"wrote {target} from {reference}")


def _apply(review: Path, folder: Path, target: Path, reviewer: str, today: date) -> None:
    if not target.exists():
        fail(f"{target}: no links file to add to (run --from-reference first)")
    data, added, notes = apply_review(review, load_dataset(folder=folder), parse_graph(target), reviewer, today)
    for note in notes:
        _note(note)
    write_file(target, data)
    click.echo(f"added {len(added)} links to {target}; run `mgkg build` to load them")


def _search(client: SparqlClient, folder: Path, kinds: tuple[str, ...], limit: int | None, threshold: float,
            batch_size: int, review: Path) -> None:  # fmt: skip
    entities = unlinked_entities(load_dataset(folder=folder), kinds, limit)
    candidates = reconcile(client, entities, threshold, MARGIN, batch_size)
    write_file(review, review_text(candidates, client.endpoint).encode("utf-8"))
    found = {c.entity.iri for c in candidates}
    for entity in entities:
        if entity.iri not in found:
            _note(f"no candidate for {entity.iri} ({entity.label})")
    accepted = sum(c.decision == "accepted" for c in candidates)
    rejected = sum(c.decision == "rejected" for c in candidates)
    click.echo(f"searched {len(entities)} entities at {client.endpoint}: {len(candidates)} candidates "
               f"({accepted} auto-accepted, {rejected} rejected) in {review}")  # fmt: skip
    click.echo(f"review it, then: mgkg link --apply {review} --reviewer NAME")


OFFLINE = list(SOURCES)


@click.command()
@click.option("--from", "origins", multiple=True, type=click.Choice([*OFFLINE, "wikidata"]),
              help="Source to refresh (repeatable): an offline dataset a package ships, or wikidata (live, "
                   "needs the network).")
@click.option("--endpoint", help=f"SPARQL endpoint for --from wikidata [{WIKIDATA_ENDPOINT}].")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Snapshot file, with one --from (without --from: the Wikidata snapshot to show) "
                   "[<sources>/generated/enrichment/<source>.ttl; wikidata: <sources>/generated/enrichment.ttl].")
@click.option("--batch-size", type=click.IntRange(1, 200), default=50, show_default=True,
              help="Items per query (wikidata).")
@_sources
@_when
@_timeout
def enrich(origins: tuple[str, ...], endpoint: str | None, output: str | None, batch_size: int, sources: str | None,
           when: str | None, timeout: float) -> None:  # fmt: skip
    """Show the enrichment snapshots, or refresh them --from an offline dataset (`make enrich`) or wikidata (live)."""
    if endpoint and not origins:
        origins = ("wikidata",)  # `mgkg enrich --endpoint URL`, as before --from existed
    if endpoint and set(origins) != {"wikidata"}:
        fail("--endpoint goes with --from wikidata only; the other sources are offline")
    if output and len(set(origins)) > 1:
        fail("--output goes with one --from only")
    folder = _folder(sources)
    if not origins:
        _status(folder, Path(output) if output else None)
        return
    today = _date(when)
    dataset = load_dataset(folder=folder)
    for origin in dict.fromkeys(origins):
        if origin == "wikidata":
            target = Path(output) if output else resources.generated_file(folder, "enrichment.ttl")
            _wikidata(dataset, SparqlClient(endpoint or WIKIDATA_ENDPOINT, timeout=timeout), target, today,
                      batch_size)  # fmt: skip
        else:
            _offline(origin, dataset, Path(output) if output else _snapshot_path(folder, origin), today)


def _snapshot_path(folder: Path, origin: str) -> Path:
    return resources.generated_file(folder, resources.ENRICHMENT) / f"{origin}.ttl"


def _status(folder: Path, wikidata: Path | None) -> None:
    """The Wikidata snapshot's status (of --output, if given: then that file only), then each offline source's."""
    target = wikidata or resources.generated_file(folder, "enrichment.ttl")
    click.echo(snapshot_status(parse_graph(target)) if target.exists() else f"{target}: no snapshot")
    if wikidata is not None:
        return
    for origin in OFFLINE:
        click.echo(status(_snapshot_path(folder, origin)))


def _offline(origin: str, dataset: Dataset, target: Path, today: date) -> None:
    data, changed, enrichment = refresh(origin, dataset, target, today)
    for note in enrichment.notes:
        _note(note)
    if not changed:
        click.echo(f"{target}: unchanged ({len(enrichment.graph)} facts from {enrichment.source.dataset_version})")
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"{target.parent}: cannot create the folder ({error.strerror})")
    write_file(target, data)
    click.echo(f"wrote {len(enrichment.graph)} facts from {enrichment.source.dataset_version} "
               f"({len(enrichment.links)} derived links) to {target}; run `mgkg build` to load them")  # fmt: skip


def _wikidata(dataset: Dataset, client: SparqlClient, target: Path, today: date, batch_size: int) -> None:
    data, facts = refresh_wikidata(dataset, client, today, batch_size)
    for note in facts.notes:
        _note(note)
    write_file(target, data)
    click.echo(f"wrote {len(facts.graph)} facts about {len(linked_items(dataset))} linked items to {target}; "
               "run `mgkg build` to load them")
