"""What every mgkg store offers (the Store protocol), its error, and a Dataset read from N-Quads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

from rdflib import Dataset, URIRef
from rdflib.query import Result
from rdflib.term import Node

from graph.core.errors import Kind, MgkgError


class StoreError(MgkgError, RuntimeError):
    """The store cannot be opened or used; the message says which store and why."""

    kind = Kind.UNAVAILABLE


@runtime_checkable
class Store(Protocol):
    """What every mgkg store offers; the default graph of queries is the union of the named graphs.

    Implemented by EmbeddedStore (Oxigraph, `memory` / `oxigraph:PATH`) and graph.store.remote.RemoteStore
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


def dataset_from_nquads(data: bytes | None, namespaces: Iterable[tuple[str, Any]]) -> Dataset:
    """An in-memory rdflib Dataset parsed from N-Quads, with the given prefixes bound."""
    copy = Dataset()
    for prefix, iri in namespaces:
        copy.bind(prefix, iri, override=True, replace=True)
    copy.parse(data=data or b"", format="nquads")
    return copy
