"""The store interface and the embedded Oxigraph store (through rdflib + oxrdflib), on disk or in memory."""

from __future__ import annotations

import gc
import itertools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Dataset, URIRef
from rdflib.query import Result
from rdflib.term import Node

from graph.namespaces import DEFAULT_BASE, prefixes

COPY_CHUNK = 100_000
"""Quads moved at a time by EmbeddedStore.memory_copy."""

if TYPE_CHECKING:
    from graph.remote_store import RemoteStore


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message says which store and why."""


@runtime_checkable
class Store(Protocol):
    """What every mgkg store offers; the default graph of queries is the union of the named graphs.

    Implemented by EmbeddedStore (Oxigraph, `memory` / `oxigraph:PATH`) and graph.remote_store.RemoteStore
    (any SPARQL 1.1 endpoint, `sparql:QUERY_URL[;UPDATE_URL]`, which keeps mgkg's named graphs only).
    """

    def query(self, text: str, bindings: Mapping[str, Node] | None = None) -> Result:
        """Run a SPARQL query; `bindings` are RDF terms substituted for variables (never spliced)."""
        ...

    def update(self, text: str) -> None:
        """Run a SPARQL update."""
        ...

    def replace(self, dataset: Dataset) -> None:
        """Make the store hold exactly the quads of `dataset`."""
        ...

    def graphs(self) -> list[URIRef]:
        """The IRIs of the named graphs, sorted."""
        ...

    def dataset(self) -> Dataset:
        """An in-memory copy of every quad."""
        ...

    def __len__(self) -> int:
        """Number of quads."""
        ...

    def close(self) -> None:
        """Release the store (files, locks, connections)."""
        ...


class EmbeddedStore:
    """Oxigraph, in memory (path None) or on disk, seen through rdflib's Dataset API (oxrdflib)."""

    def __init__(self, path: Path | None = None, base: str = DEFAULT_BASE, read_only: bool = False) -> None:
        """Open (or create) the store at `path`; in memory when path is None."""
        self.path = path
        self.read_only = read_only
        try:
            if path is None:
                self.raw = ox.Store()
            elif read_only:
                self.raw = ox.Store.read_only(str(path))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.raw = ox.Store(str(path))
        except OSError as error:
            raise StoreError(f"cannot open store {path}: {error}") from None
        self.rdflib = Dataset(store=OxigraphStore(store=self.raw), default_union=True)
        for prefix, iri in prefixes(base).items():
            self.rdflib.bind(prefix, iri, override=True, replace=True)

    def query(self, text: str, bindings: Mapping[str, Node] | None = None) -> Result:
        """Run a SPARQL query over the union of the named graphs, variables bound by substitution."""
        return self.rdflib.query(text, initBindings=dict(bindings or {}))  # type: ignore[arg-type]

    def update(self, text: str) -> None:
        """Run a SPARQL update (one Oxigraph transaction)."""
        self.rdflib.update(text)

    def replace(self, dataset: Dataset) -> None:
        """Clear the store and bulk-load the quads of `dataset`."""
        data = dataset.serialize(format="nquads", encoding="utf-8")
        self.raw.clear()
        self.raw.bulk_load(data, format=ox.RdfFormat.N_QUADS)
        if self.path is not None:
            self.raw.flush()

    def memory_copy(self, base: str = DEFAULT_BASE) -> EmbeddedStore:
        """A copy of this store held in memory: the same quads (blank nodes too), queried several times faster
        than RocksDB on disk at the cost of RAM (about 0.5 GB per million quads)."""
        copy = EmbeddedStore(None, base)
        quads = self.raw.quads_for_pattern(None, None, None, None)
        # In chunks: one bulk_extend of every quad holds them all as Python objects at once (+180 MB per 1M).
        while chunk := list(itertools.islice(quads, COPY_CHUNK)):
            copy.raw.bulk_extend(chunk)
        copy.read_only = True
        return copy

    def graphs(self) -> list[URIRef]:
        """The IRIs of the named graphs, sorted."""
        return sorted(URIRef(g.value) for g in self.raw.named_graphs() if isinstance(g, ox.NamedNode))

    def dataset(self) -> Dataset:
        """An in-memory rdflib Dataset with every quad of the store."""
        return dataset_from_nquads(self.raw.dump(format=ox.RdfFormat.N_QUADS), self.rdflib.namespaces())

    def __len__(self) -> int:
        """Number of quads in the store."""
        return len(self.raw)

    def close(self) -> None:
        """Flush and release the store."""
        if self.path is not None and not self.read_only:
            self.raw.flush()
        del self.rdflib, self.raw
        gc.collect()  # the RocksDB lock goes with the last reference to the pyoxigraph store


def dataset_from_nquads(data: bytes | None, namespaces: Iterable[tuple[str, Any]]) -> Dataset:
    """An in-memory rdflib Dataset parsed from N-Quads, with the given prefixes bound."""
    copy = Dataset()
    for prefix, iri in namespaces:
        copy.bind(prefix, iri, override=True, replace=True)
    copy.parse(data=data or b"", format="nquads")
    return copy


def open_store(spec: str, base: str = DEFAULT_BASE, read_only: bool = False) -> EmbeddedStore | RemoteStore:
    """Open a store from its spec: `memory`, `oxigraph:PATH` or `sparql:QUERY_URL[;UPDATE_URL]`."""
    if spec == "memory":
        return EmbeddedStore(None, base)
    kind, _, location = spec.partition(":")
    if kind == "oxigraph" and location:
        return EmbeddedStore(Path(location), base, read_only=read_only)
    if kind == "sparql" and location:
        from graph.remote_store import RemoteStore, parse_spec  # imports this module

        query_url, update_url = parse_spec(location)
        return RemoteStore(query_url, update_url, base, read_only=read_only)
    raise StoreError(f"unknown store {spec!r}: use 'memory', 'oxigraph:PATH' or 'sparql:QUERY_URL[;UPDATE_URL]'")
