"""A write's changes on the stores: the scratch copy an update runs on, and a changeset applied to the live store.

A scratch copy of a store on disk is a RocksDB checkpoint in `<data_dir>/.scratch-*` next to the store (hard
links: milliseconds, whatever its size), removed when the write is done — and at the next start of a writing
server when a kill left one behind (`remove_leftovers`). Any other store (in memory, remote) is copied into an
in-memory store from its N-Quads dump, its empty named graphs too. A changeset is applied to pyoxigraph's
store by graph.changes.apply (one transaction); to a remote store as one SPARQL update with the same quads.
"""

from __future__ import annotations

import gc
import shutil
import tempfile
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from graph.changes.apply import apply
from graph.changes.history import history_quads
from graph.changes.model import Changeset
from graph.store import EmbeddedStore, RawEngine, RemoteStore

SCRATCH_PREFIX = ".scratch-"
"""The name of a scratch folder starts so (next to the store)."""


def scratch_folder(store: EmbeddedStore | RemoteStore) -> Path | None:
    """Where scratch copies of `store` go: the folder holding it when it is a pyoxigraph store on disk, else None."""
    path = getattr(store, "path", None)
    return Path(path).parent if isinstance(store.raw, ox.Store) and path is not None else None


@contextmanager
def scratch_copy(store: EmbeddedStore | RemoteStore) -> Iterator[list[ox.Store]]:
    """A writable copy of `store` in a one-item list, thrown away after the block: a checkpoint on disk, else a copy
    in memory. The list is emptied at the end, and the frames of an exception leaving the block are cleared, so
    nothing holds the checkpoint open when its folder is removed (RocksDB's background threads could otherwise
    write into it after the removal and leave it behind); keep no other reference to the store."""
    folder = scratch_folder(store)
    if folder is None:
        yield [_memory_copy(store.raw)]
        return
    place = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=folder))
    box: list[ox.Store] = []
    try:
        store.raw.backup(str(place / "store"))  # type: ignore[union-attr]
        box.append(ox.Store(str(place / "store")))
        yield box
    except BaseException as error:
        traceback.clear_frames(error.__traceback__)
        raise
    finally:
        box.clear()  # the last reference: the checkpoint closes here
        shutil.rmtree(place, ignore_errors=True)
        if place.exists():
            gc.collect()
            shutil.rmtree(place, ignore_errors=True)


def _memory_copy(live: RawEngine) -> ox.Store:
    """The quads and named graphs of `live` in a new in-memory store (parsed quad by quad: bulk_load would rename
    blank nodes)."""
    scratch = ox.Store()
    scratch.bulk_extend(ox.parse(live.dump(format=ox.RdfFormat.N_QUADS) or b"", format=ox.RdfFormat.N_QUADS))
    for graph in live.named_graphs():
        scratch.add_graph(graph)
    return scratch


def remove_leftovers(store: EmbeddedStore | RemoteStore) -> list[Path]:
    """Remove the scratch folders a killed write left next to `store` (call it holding the store read-write)."""
    folder = scratch_folder(store)
    if folder is None:
        return []
    found = sorted(folder.glob(SCRATCH_PREFIX + "*"))
    for place in found:
        shutil.rmtree(place, ignore_errors=True)
    return found


def change_scratch(scratch: ox.Store, changeset: Changeset) -> None:
    """Make the changeset's quad changes on a scratch store (not its history: that is not validated)."""
    for quad in changeset.removed:
        scratch.remove(quad)
    for quad in changeset.added:
        scratch.add(quad)


def apply_live(store: EmbeddedStore | RemoteStore, changeset: Changeset, base: str) -> None:
    """Apply the changeset and its history to the live store in one transaction (one update for a remote one)."""
    if isinstance(store.raw, ox.Store):
        apply(store.raw, changeset, base)
        return
    removed = "\n".join(_quad_text(q) for q in changeset.removed)
    added = "\n".join(_quad_text(q) for q in (*changeset.added, *history_quads(changeset, base)))
    store.raw.update(f"DELETE DATA {{\n{removed}\n}} ;\nINSERT DATA {{\n{added}\n}}")


def _quad_text(quad: ox.Quad) -> str:
    graph = quad.graph_name
    triple = f"{quad.subject} {quad.predicate} {quad.object} ."
    return f"GRAPH {graph} {{ {triple} }}" if isinstance(graph, ox.NamedNode) else triple


Graphs = tuple[ox.NamedNode, ...]


def empty_graph_changes(live: RawEngine, scratch: ox.Store) -> tuple[Graphs, Graphs]:
    """The named graphs the write created and dropped (named graphs are not quads: a changeset does not hold
    them, so the live store follows the scratch by hand)."""
    before = {g for g in live.named_graphs() if isinstance(g, ox.NamedNode)}
    after = {g for g in scratch.named_graphs() if isinstance(g, ox.NamedNode)}
    return tuple(sorted(after - before, key=str)), tuple(sorted(before - after, key=str))


def follow_graphs(store: EmbeddedStore | RemoteStore, created: Iterable[ox.NamedNode],
                  dropped: Iterable[ox.NamedNode]) -> None:
    """Create and drop these (empty) named graphs in the live store, as the write did on the scratch."""
    steps = [f"CREATE SILENT GRAPH {g}" for g in created] + [f"DROP SILENT GRAPH {g}" for g in dropped]
    if steps:
        store.raw.update(" ;\n".join(steps))
