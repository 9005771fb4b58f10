"""What every mgkg store offers (the Store protocol), its error, and a Dataset read from N-Quads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable

import pyoxigraph as ox
from rdflib import Dataset, URIRef

from graph.core.errors import Kind, MgkgError
from graph.sparql.execute import Engine


class StoreError(MgkgError, RuntimeError):
    """The store cannot be opened or used; the message says which store and why."""

    kind = Kind.UNAVAILABLE


@runtime_checkable
class Store(Protocol):
    """What every mgkg store offers; the default graph of queries is the union of the named graphs.

    Implemented by EmbeddedStore (Oxigraph, `memory` / `oxigraph:PATH`) and graph.store.remote.RemoteStore
    (any SPARQL 1.1 endpoint, `sparql:QUERY_URL[;UPDATE_URL]`, which keeps mgkg's named graphs only). Code that
    needs no more than these members takes a `Store`; code that needs one kind (a bulk load, a path on disk)
    narrows with isinstance.
    """

    @property
    def raw(self) -> Engine:
        """The engine queries run on (pyoxigraph's Store, or a RemoteEngine with the same methods): queries for
        people go through graph.sparql.execute.Executor on it, never through the store itself."""
        ...

    def select(self, text: str) -> list[list[ox.NamedNode | ox.BlankNode | ox.Literal | None]]:
        """The rows of a SELECT query, as pyoxigraph terms (for counts and lookups the code itself makes)."""
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


def solution_rows(result: object, where: str) -> list[list[ox.NamedNode | ox.BlankNode | ox.Literal | None]]:
    """The rows of a SELECT answer as lists of terms; StoreError naming `where` for any other answer."""
    if not isinstance(result, ox.QuerySolutions):
        raise StoreError(f"{where}: a SELECT query got no solutions back")
    width = len(result.variables)
    return [[solution[i] for i in range(width)] for solution in result]


def dataset_from_nquads(data: bytes | None, namespaces: Iterable[tuple[str, Any]]) -> Dataset:
    """An in-memory rdflib Dataset parsed from N-Quads, with the given prefixes bound."""
    copy = Dataset()
    for prefix, iri in namespaces:
        copy.bind(prefix, iri, override=True, replace=True)
    copy.parse(data=data or b"", format="nquads")
    return copy
