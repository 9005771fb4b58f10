"""Reader snapshots: the stores query processes open when the server writes its own store.

RocksDB gives no safe read-only view of a store another process is writing (Oxigraph calls it undefined
behaviour; in practice a query process meets an SST file a compaction has just deleted — "Corruption: … No such
file or directory" — and dies). So a server with writes on gives its query processes a checkpoint of the store
(pyoxigraph's Store.backup: hard links, milliseconds), a new one after each write, and removes a snapshot once
no process runs a job on it. A server that does not write opens its store read-only and needs none.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pyoxigraph as ox

from graph.core.text import first_line

LOG = logging.getLogger("mgkg.isolation")


class ReaderSnapshots:
    """Checkpoints of a live store in `folder` (made empty first: what a killed server left is stale)."""

    def __init__(self, folder: Path) -> None:
        """Take over `folder`, removing what is in it."""
        self.folder = folder
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.serial = 0

    def take(self, store: ox.Store) -> Path:
        """A new checkpoint of `store` (its recent writes included: a checkpoint flushes them), for the query
        processes' next jobs."""
        self.serial += 1
        path = self.folder / f"{self.serial:08d}"
        store.backup(str(path))
        return path

    def prune(self, keep: set[str]) -> None:
        """Remove every snapshot but those in `keep` (the pool's current one and those jobs run on)."""
        for child in self.folder.iterdir():
            if str(child) not in keep:
                try:
                    shutil.rmtree(child)
                except OSError as error:
                    LOG.warning("mgkg: cannot remove the reader snapshot %s: %s", child, first_line(error))

    def close(self) -> None:
        """Remove the folder and every snapshot in it."""
        shutil.rmtree(self.folder, ignore_errors=True)
