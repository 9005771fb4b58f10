"""Find the files mgkg ships: ontology, shapes, queries and sources, in a wheel or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # graph/
_CHECKOUT = _PACKAGE.parent


def resource_dir(kind: str) -> Path:
    """Folder `kind` (ontology, shapes or queries): graph/_data/<kind> in a wheel, <repo>/<kind> in a checkout."""
    for candidate in (_PACKAGE / "_data" / kind, _CHECKOUT / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"mgkg resource folder {kind!r} not found (broken installation?)")


GENERATED = "generated"
"""Subfolder of a sources folder holding the files commands write (links, enrichment), not edited by hand."""

ENRICHMENT = "enrichment"
"""Subfolder of generated/ with one snapshot per offline enrichment source: <source>.ttl → graph/enrichment/<source>."""


def sources_dir() -> Path:
    """Folder of the curated source files (one Turtle file per document); generated/ holds the written ones."""
    return _PACKAGE / "sources"


def generated_file(sources: Path, name: str) -> Path:
    """The file `name` (links.ttl, enrichment.ttl) that a command writes, in the generated/ part of `sources`."""
    return sources / GENERATED / name


def ontology_files() -> list[Path]:
    """The ontology's Turtle files, sorted."""
    return sorted(resource_dir("ontology").glob("*.ttl"))


def shapes_files() -> list[Path]:
    """The SHACL shapes' Turtle files, sorted."""
    return sorted(resource_dir("shapes").glob("*.ttl"))


def queries_dir() -> Path:
    """Folder of the named queries (*.rq)."""
    return resource_dir("queries")
