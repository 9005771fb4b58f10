"""The embedded store: Oxigraph on disk or in memory; `raw` is the pyoxigraph Store queries run on."""

from __future__ import annotations

import gc
import itertools
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, URIRef

from graph.core.namespaces import DEFAULT_BASE, prefixes
from graph.core.text import first_line
from graph.store.base import StoreError, dataset_from_nquads, solution_rows

COPY_CHUNK = 100_000
"""Quads moved at a time by EmbeddedStore.memory_copy."""


class EmbeddedStore:
    """Oxigraph, in memory (path None) or on disk; `raw` is its pyoxigraph Store (graph.sparql.execute runs on it)."""

    def __init__(self, path: Path | None = None, base: str = DEFAULT_BASE, read_only: bool = False) -> None:
        """Open (or create) the store at `path`; in memory when path is None.

        A symlink (`data/store`, graph.store.generations) is resolved first: RocksDB names its files by the path
        it was opened with, and must go on writing into the generation it opened after a build swaps the link.
        """
        self.path = path
        self.read_only = read_only
        self.location = path.resolve() if path is not None else None
        """The folder opened: `path` with its symlinks resolved (the generation)."""
        self.origin: Path | None = None
        """The folder a read-only copy in memory was made from (memory_copy), else None."""
        try:
            if path is None:
                self.raw = ox.Store()
            elif read_only:
                self.raw = ox.Store.read_only(str(self.location))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.raw = ox.Store(str(self.location))
        except (OSError, RuntimeError) as error:  # RocksDB's "Corruption: …" is a RuntimeError
            raise StoreError(f"cannot open store {path}: {first_line(error)}") from None
        self.prefixes = prefixes(base)

    def select(self, text: str) -> list[list[ox.NamedNode | ox.BlankNode | ox.Literal | None]]:
        """The rows of a SELECT query over the union of the named graphs (StoreError for any other form)."""
        return solution_rows(self.raw.query(text, use_default_graph_as_union=True), f"store {self.path or 'memory'}")

    def update(self, text: str) -> None:
        """Run a SPARQL update (one Oxigraph transaction); the mgkg prefixes need no declaration."""
        self.raw.update(text, prefixes=self.prefixes)

    def replace(self, dataset: Dataset) -> None:
        """Clear the store and bulk-load the quads of `dataset`."""
        data = dataset.serialize(format="nquads", encoding="utf-8")
        self.raw.clear()
        self.raw.bulk_load(data, format=ox.RdfFormat.N_QUADS)
        self.optimize()

    def optimize(self) -> None:
        """Flush and compact an on-disk store after a bulk load (nothing for a store in memory).

        Oxigraph's bulk loader leaves many small files behind; compacted, the named queries ran 1.2–1.6× faster
        at 1M quads (sum of p50 84.5 → 61.8 s) for a store 1.7× larger on disk; it took 1.7 s on a store already
        queried, and made `mgkg load` of a fresh 1M file 11 → 21 s in `make bench`."""
        if self.path is None or self.read_only:
            return
        try:
            self.raw.flush()
            self.raw.optimize()
        except OSError as error:
            raise StoreError(f"cannot write to store {self.path}: {first_line(error)}") from None

    def memory_copy(self, base: str = DEFAULT_BASE) -> EmbeddedStore:
        """A copy of this store held in memory: the same quads (blank nodes too), queried several times faster
        than RocksDB on disk at the cost of RAM (about 0.5 GB per million quads)."""
        copy = EmbeddedStore(None, base)
        quads = self.raw.quads_for_pattern(None, None, None, None)
        # In chunks: one bulk_extend of every quad holds them all as Python objects at once (+180 MB per 1M).
        while chunk := list(itertools.islice(quads, COPY_CHUNK)):
            copy.raw.bulk_extend(chunk)
        copy.read_only, copy.origin = True, self.location
        return copy

    def graphs(self) -> list[URIRef]:
        """The IRIs of the named graphs, sorted."""
        return sorted(URIRef(g.value) for g in self.raw.named_graphs() if isinstance(g, ox.NamedNode))

    def dataset(self) -> Dataset:
        """An in-memory rdflib Dataset with every quad of the store."""
        return dataset_from_nquads(self.raw.dump(format=ox.RdfFormat.N_QUADS), self.prefixes.items())

    def __len__(self) -> int:
        """Number of quads in the store."""
        return len(self.raw)

    def close(self) -> None:
        """Flush and release the store."""
        if self.path is not None and not self.read_only:
            self.raw.flush()
        del self.raw
        gc.collect()  # the RocksDB lock goes with the last reference to the pyoxigraph store
