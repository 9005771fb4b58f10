"""Stores: where the graph lives. `open_store(spec)` opens one: `memory`, `oxigraph:PATH` (embedded.py) or
`sparql:QUERY_URL[;UPDATE_URL]` (remote.py, any SPARQL 1.1 endpoint); base.py holds what they share."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from graph.core.config import Settings
from graph.core.errors import Kind
from graph.core.namespaces import DEFAULT_BASE
from graph.store.base import Store, StoreError, dataset_from_nquads
from graph.store.embedded import EmbeddedStore
from graph.store.remote import RemoteEngine, RemoteStore, parse_spec

__all__ = ["EmbeddedStore", "RawEngine", "RemoteEngine", "RemoteStore", "Store", "StoreError", "dataset_from_nquads",
           "open_built", "open_store"]

RawEngine = ox.Store | RemoteEngine
"""What a store's `raw` is: pyoxigraph's Store (EmbeddedStore) or a RemoteEngine with its methods (RemoteStore)."""


def open_built(settings: Settings) -> EmbeddedStore | RemoteStore:
    """The built store, opened read-only; StoreError (not found) saying to build first when it does not exist."""
    kind, _, location = settings.store_spec.partition(":")
    if kind == "oxigraph" and not Path(location).exists():
        raise StoreError(f"no graph at {location}: run `mgkg build` first", kind=Kind.NOT_FOUND)
    return open_store(settings.store_spec, settings.base, read_only=True)


def open_store(spec: str, base: str = DEFAULT_BASE, read_only: bool = False) -> EmbeddedStore | RemoteStore:
    """Open a store from its spec: `memory`, `oxigraph:PATH` or `sparql:QUERY_URL[;UPDATE_URL]`."""
    if spec == "memory":
        return EmbeddedStore(None, base)
    kind, _, location = spec.partition(":")
    if kind == "oxigraph" and location:
        return EmbeddedStore(Path(location), base, read_only=read_only)
    if kind == "sparql" and location:
        query_url, update_url = parse_spec(location)
        return RemoteStore(query_url, update_url, base, read_only=read_only)
    raise StoreError(f"unknown store {spec!r}: use 'memory', 'oxigraph:PATH' or 'sparql:QUERY_URL[;UPDATE_URL]'")
