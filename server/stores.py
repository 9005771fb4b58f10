"""The store a server process answers from: the built store (read-only unless writes are on) or its copy in memory.

`in_memory` (`mgkg serve --in-memory`) copies an on-disk Oxigraph store into an in-memory one before serving:
queries no longer read RocksDB (several times faster at a million quads), the start takes longer (about 10 s per
million quads) and the process holds the copy (about 0.5 GB per million quads; each `--workers` process its own).
The copy is read-only: nothing written to it would reach the disk, so an update token is refused with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from graph.core.config import Settings
from graph.store import EmbeddedStore, RemoteStore, open_built, open_store, spec_kind
from server.serve import ServeError
from server.writers import writes_enabled


def check(settings: Settings) -> None:
    """ServeError when the settings ask for an in-memory copy that cannot be made or kept."""
    if not settings.in_memory:
        return
    if spec_kind(settings.store_spec)[0] == "sparql":
        raise ServeError("--in-memory copies an embedded Oxigraph store; a remote store is served where it is")
    if writes_enabled(settings):
        raise ServeError(
            "--in-memory serves a read-only copy: writes (writers or an update token) need the store itself"
        )


def open_for_serving(settings: Settings, say: Callable[[str], None] | None = None) -> EmbeddedStore | RemoteStore:
    """The built store, writable only when an update token enables writes, or its in-memory copy (call check())."""
    store = open_built(settings)  # StoreError "no graph at …: run `mgkg build` first" when missing
    if settings.in_memory and isinstance(store, EmbeddedStore) and store.path is not None:
        start = time.perf_counter()
        copy = store.memory_copy(settings.base)
        store.close()
        if say is not None:
            say(f"mgkg: {len(copy):,} quads copied into memory in {time.perf_counter() - start:.1f} s")
        return copy
    if not writes_enabled(settings) or not store.read_only:
        return store
    store.close()
    return open_store(settings.store_spec, settings.base)
