"""Shared fixtures: the dataset built from the curated sources, and an in-memory store holding it."""

from __future__ import annotations

from collections.abc import Iterator

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
