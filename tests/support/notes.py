"""The writes the on-disk write tests make: comments ("notes") in the editor's contribution graph, and a data
folder with a built store behind the data/store symlink (tests/test_writes_disk.py, tests/test_writes_kill.py)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from graph.build import write_store
from graph.changes.journal import Journal
from graph.changes.model import contribution_graph

BASE = "https://w3id.org/mgkg/"
EDITOR = contribution_graph("editor", BASE)
COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")


def note(text: str) -> ox.Quad:
    """The quad `insert(text)` adds: a comment in the editor's contribution graph."""
    return ox.Quad(ox.NamedNode(f"{BASE}id/note"), COMMENT, ox.Literal(text), EDITOR)


def insert(text: str) -> bytes:
    """An update adding note(text)."""
    return f'INSERT DATA {{ GRAPH <{EDITOR.value}> {{ <{BASE}id/note> <{COMMENT.value}> "{text}" }} }}'.encode()


def data_folder(built: Dataset, tmp_path: Path) -> Path:
    """A data folder with the built store (a generation behind the data/store symlink) and an empty journal."""
    folder = tmp_path / "data"
    write_store(built, f"oxigraph:{folder / 'store'}", BASE, Journal(folder))
    assert (folder / "store").is_symlink()
    return folder
