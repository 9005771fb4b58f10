"""Stores: where the graph lives. `open_store(spec)` opens one: `memory`, `oxigraph:PATH` (embedded.py) or
`sparql:QUERY_URL[;UPDATE_URL]` (remote.py, any SPARQL 1.1 endpoint); base.py holds what they share (the
Store protocol, StoreError). Callers import all of it from here."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from graph.core.config import Settings
from graph.core.errors import Kind
from graph.core.namespaces import DEFAULT_BASE
from graph.store.base import Store, StoreError
from graph.store.embedded import EmbeddedStore
from graph.store.remote import RemoteEngine, RemoteStore, parse_spec

__all__ = ["EmbeddedStore", "RawEngine", "RemoteStore", "Store", "StoreError", "has_graph", "open_built", "open_store",
           "spec_kind"]

RawEngine = ox.Store | RemoteEngine
"""What a store's `raw` is: pyoxigraph's Store (EmbeddedStore) or a RemoteEngine with its methods (RemoteStore).
The executor needs only its `query` (graph.sparql.execute.Engine); the server's writes, Graph Store and has_graph
use the rest (update, quads_for_pattern, named_graphs, contains_named_graph, dump; backup on pyoxigraph's)."""

StoreKind = Literal["memory", "oxigraph", "sparql"]
"""The kinds of store a spec names."""


def spec_kind(spec: str) -> tuple[StoreKind, str]:
    """The kind of store `spec` names and its location: ("memory", ""), ("oxigraph", PATH) or
    ("sparql", QUERY_URL[;UPDATE_URL]); StoreError for any other spec."""
    if spec == "memory":
        return "memory", ""
    kind, _, location = spec.partition(":")
    if kind == "oxigraph" and location:
        return "oxigraph", location
    if kind == "sparql" and location:
        return "sparql", location
    raise StoreError(f"unknown store {spec!r}: use 'memory', 'oxigraph:PATH' or 'sparql:QUERY_URL[;UPDATE_URL]'")


def has_graph(store: EmbeddedStore | RemoteStore, iri: str) -> bool:
    """Whether the store has a named graph `iri` (possibly empty); False for a string that is no IRI."""
    try:
        return store.raw.contains_named_graph(ox.NamedNode(iri))
    except ValueError:
        return False


def open_built(settings: Settings) -> EmbeddedStore | RemoteStore:
    """The built store, opened read-only; StoreError (not found) saying to build first when it does not exist."""
    kind, location = spec_kind(settings.store_spec)
    if kind == "oxigraph" and not Path(location).exists():
        raise StoreError(f"no graph at {location}: run `mgkg build` first", kind=Kind.NOT_FOUND)
    return open_store(settings.store_spec, settings.base, read_only=True)


def open_store(spec: str, base: str = DEFAULT_BASE, read_only: bool = False) -> EmbeddedStore | RemoteStore:
    """Open a store from its spec: `memory`, `oxigraph:PATH` or `sparql:QUERY_URL[;UPDATE_URL]`."""
    kind, location = spec_kind(spec)
    if kind == "memory":
        return EmbeddedStore(None, base)
    if kind == "oxigraph":
        return EmbeddedStore(Path(location), base, read_only=read_only)
    query_url, update_url = parse_spec(location)
    return RemoteStore(query_url, update_url, base, read_only=read_only)
