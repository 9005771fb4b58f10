"""Shared fixtures: the dataset built from the curated sources, an in-memory store holding it, and a small on-disk
store for the tests of query processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset

from graph.build import build_dataset
from graph.store import EmbeddedStore, open_store


@pytest.fixture(scope="session")
def built() -> Dataset:
    """The validated dataset of all sources (built once per test session)."""
    dataset, _ = build_dataset()
    return dataset


@pytest.fixture(scope="session")
def store(built: Dataset) -> Iterator[EmbeddedStore]:
    """An in-memory Oxigraph store holding the built dataset; tests must not change it."""
    memory = open_store("memory")
    memory.replace(built)
    yield memory
    memory.close()


@pytest.fixture
def fresh(built: Dataset) -> Iterator[EmbeddedStore]:
    """A store of its own, holding the built dataset, for a test that writes."""
    own = open_store("memory")
    own.replace(built)
    yield own
    own.close()


DISK_EX = "http://example.org/"
"""The namespace of `disk_store`'s terms: subjects s0…s2999, predicates p0…p6, graph <…graph>."""


@pytest.fixture(scope="module")
def disk_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store (one per test module): 3,000 triples `<s{i}> <p{i % 7}> "value {i}"` in one named graph."""
    path = tmp_path_factory.mktemp("disk") / "store"
    store = ox.Store(str(path))
    graph = ox.NamedNode(f"{DISK_EX}graph")
    store.extend(
        ox.Quad(ox.NamedNode(f"{DISK_EX}s{i}"), ox.NamedNode(f"{DISK_EX}p{i % 7}"), ox.Literal(f"value {i}"), graph)
        for i in range(3000)
    )
    store.flush()
    del store
    return path
