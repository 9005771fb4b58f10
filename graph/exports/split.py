"""`--split DIR`: one file per named graph, each opening with a short header saying what the graph is, where it
comes from and when it was exported.

The export date is today's (UTC), or that of SOURCE_DATE_EPOCH when set (reproducible builds), so the files are
byte-identical between runs of the same day or with the same SOURCE_DATE_EPOCH.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from rdflib import DCTERMS, PROV, RDFS, Dataset, Graph, Literal, URIRef

from graph.core.files import write_atomic
from graph.core.formats import Format
from graph.core.namespaces import DEFAULT_BASE, MGKG, normalize_base
from graph.exports.select import ExportError

COMMENTED = ("turtle", "trig", "nt", "nquads")
"""The formats whose files can open with `#` comment lines; JSON-LD and RDF/XML files have no header."""

ORIGINS = {
    "provenance": "graph/sources/documents.ttl (curated by hand): the source documents and the graph of each",
    "curation": "graph/sources/curation.ttl (curated by hand): the project's own editorial statements",
    "links": "graph/sources/generated/links.ttl, written by `mgkg link` from the reference list",
    "enrichment": "graph/sources/generated/enrichment.ttl, written by `mgkg enrich` from Wikidata",
    "ontology": "ontology/*.ttl: the OWL ontology and the SKOS vocabularies",
}
"""Where each of mgkg's own non-document graphs comes from (by the graph's local name)."""


def export_date() -> date:
    """The date the split files say they were exported: SOURCE_DATE_EPOCH's if set, else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC).date()
        except (ValueError, OverflowError, OSError):
            raise ExportError(f"SOURCE_DATE_EPOCH={epoch!r}: expected seconds since 1970") from None
    return datetime.now(UTC).date()


def _local(name: URIRef, base: str) -> str | None:
    folder = normalize_base(base) + "graph/"
    local = name[len(folder) :] if name.startswith(folder) else ""
    segment = r"[A-Za-z0-9_-][A-Za-z0-9_.-]*"
    return local if re.fullmatch(rf"{segment}(?:/{segment})*", local) else None


def file_name(name: URIRef, fmt: Format, base: str = DEFAULT_BASE) -> str:
    """The file graph `name` is written to: its local name (`003_cfcd86acf525643f.ttl`, `links.ttl`,
    `enrichment/coco.ttl` in a subfolder), or, for a graph outside the base, a slug of its IRI and a hash."""
    local = _local(name, base)
    if local is None:
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name.split("://", 1)[-1]).strip("._")[-60:]
        local = f"{slug}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    return f"{local}.{fmt.extension}"


def _text(dataset: Dataset, subject: URIRef, *predicates: URIRef) -> str | None:
    for predicate in predicates:
        quads = dataset.quads((subject, predicate, None, None))
        found = sorted(str(o) for _, _, o, _ in quads if isinstance(o, Literal))
        if found:
            return " ".join(found[0].split())
    return None


def header(dataset: Dataset, graph: Graph, base: str, exported: date) -> str:
    """The comment lines that open the file of `graph`: what it is, where it comes from, when it was exported."""
    name = URIRef(graph.identifier)
    local = _local(name, base)
    title = _text(dataset, name, RDFS.label, DCTERMS.title) or (f"the {local} graph" if local else "a named graph")
    lines = [f"Graph <{name}>: {title}."]
    description = _text(dataset, name, DCTERMS.description)
    if description:
        lines.append(f"What it holds: {description}")
    derived = dataset.quads((name, PROV.wasDerivedFrom, None, None))
    documents = sorted({d for _, _, d, _ in derived if isinstance(d, URIRef)})
    origin = ORIGINS.get(local or "")
    if origin:
        lines.append(f"Comes from: {origin}")
    for document in documents:
        seed = _text(dataset, document, MGKG.seedFile)
        where = "Derived from"
        if local and not origin:
            where = f"Comes from: graph/sources/{local}.ttl, curated by hand from"
        document_title = _text(dataset, document, DCTERMS.title) or str(document)
        lines.append(f"{where} <{document}> \"{document_title}\"" + (f" (seed {seed})" if seed else ""))
    if not origin and not documents:
        lines.append("Comes from: written to the store (not one of mgkg's sources)")
    lines.append(f"Exported by `mgkg export --split` on {exported.isoformat()}: {len(graph)} triples.")
    return "".join(f"# {line}\n" for line in lines) + "\n"


def split_files(
    dataset: Dataset, fmt: Format, graphs: list[Graph], base: str, write: Callable[[URIRef], bytes],
    exported: date | None = None,
) -> dict[str, bytes]:
    """File name → bytes for each of `graphs`, written by `write` (one graph's export) under its header."""
    when = exported or export_date()
    files: dict[str, bytes] = {}
    for graph in graphs:
        name = URIRef(graph.identifier)
        head = header(dataset, graph, base, when).encode("utf-8") if fmt.name in COMMENTED else b""
        files[file_name(name, fmt, base)] = head + write(name)
    return files


def write_split(folder: Path, files: dict[str, bytes]) -> None:
    """Write `files` into `folder` (made if missing), each atomically; a folder that cannot be made is one line."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"--split {folder}: cannot make the folder: {error.strerror}") from None
    for name, data in files.items():
        target = folder / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ExportError(f"--split {target.parent}: cannot make the folder: {error.strerror}") from None
        write_atomic(target, data)
