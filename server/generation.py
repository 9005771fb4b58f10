"""What a server follows on disk: the journal of its writes, and the store generation a build swapped in.

`mgkg build` builds into `data/generations/<N>/store` and swaps the symlink `data/store` onto it atomically
(graph/build.py). A server reads the link's target before each request (one readlink: microseconds); when it
has changed, it opens the new generation the way it had opened the old one (read-write when writes are on),
catches up on the journal (the writes it acknowledged while the build ran), has its query processes reopen
the store, swaps it in and closes the old one — under the write lock, while requests already running finish
on the old store. A store in memory (`--in-memory` included) or remote is never switched.

At start a server that holds its store read-write removes the scratch folders a killed write left behind and
applies every journal changeset the store lacks (a kill between the journal's fsync and the store's commit):
then the journal and the store agree. The journal lives next to the store (`data/store` → `data/journal/`;
a remote store's in `<data_dir>/journal/`); for a store in memory, in a temporary folder that goes with the
app (nothing written to memory outlives the process anyway).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from graph.changes.apply import StaleChangeset, catch_up
from graph.changes.journal import Journal
from graph.core.text import first_line
from graph.store import EmbeddedStore, RemoteStore, StoreError
from server.context import Runtime, runtime
from server.write_changes import remove_leftovers

LOG = logging.getLogger("mgkg.generation")


@dataclass
class Generation:
    """The journal of a Runtime's writes and the store generation it answers from (the link's target)."""

    journal: Journal
    link: Path | None
    """The store's path when it is an Oxigraph store on disk (a symlink to a generation, or an old-style folder)."""
    target: str | None
    """What `link` pointed to when the store was opened (None: not a symlink)."""


def writable(store: EmbeddedStore | RemoteStore) -> bool:
    """Whether this process writes `store` itself: an embedded store opened read-write."""
    return isinstance(store, EmbeddedStore) and not store.read_only


def _target(link: Path | None) -> str | None:
    if link is None:
        return None
    try:
        return os.readlink(link)
    except OSError:  # not a symlink (the layout before generations), or gone for a moment
        return None


def install(app: Flask, rt: Runtime) -> None:
    """Give the Runtime its journal, catch its store up when it writes it, and follow new generations."""
    store = rt.store
    if isinstance(store, EmbeddedStore) and store.path is None:
        folder = Path(tempfile.mkdtemp(prefix="mgkg-journal-"))
        weakref.finalize(app, shutil.rmtree, folder, True)
    else:  # next to the store (data/store → data/journal), wherever the store spec puts it; a remote one's: data_dir
        folder = store.path.parent if isinstance(store, EmbeddedStore) and store.path else rt.settings.data_dir
    link = store.path if isinstance(store, EmbeddedStore) and store.path is not None else None
    rt.generation = Generation(Journal(folder), link, _target(link))
    if writable(store):
        for place in remove_leftovers(store):
            LOG.warning("removed the scratch folder %s a killed write left behind", place)
        _catch_up(rt, store)
    if link is not None:
        app.before_request(follow)


def journal_of(rt: Runtime) -> Journal:
    """The journal the Runtime's writes go to."""
    assert isinstance(rt.generation, Generation), "server.generation.install was not called"
    return rt.generation.journal


def _catch_up(rt: Runtime, store: EmbeddedStore | RemoteStore) -> None:
    """Apply the journal changesets `store` lacks (logged; a stale one is logged and stops the catch-up)."""
    assert isinstance(store, EmbeddedStore)
    try:
        applied = catch_up(store.raw, journal_of(rt), rt.settings.base)
    except StaleChangeset as error:
        LOG.error("%s: `mgkg build` reports it; the store lacks it and every later one", first_line(error))
        return
    if applied:
        LOG.warning("applied %d journal changeset(s) the store lacked (last %s)", len(applied), applied[-1])


def follow() -> None:
    """Before a request: switch to the store generation `data/store` now points to, if a build swapped one in."""
    follow_runtime(runtime())


def follow_runtime(rt: Runtime) -> None:
    """Switch `rt` to the store generation `data/store` now points to, if a build swapped one in."""
    state = rt.generation
    if not isinstance(state, Generation) or _target(state.link) == state.target:
        return
    with rt.write_lock:
        target = _target(state.link)
        if target != state.target and target is not None:
            switch(rt, state, target)


def switch(rt: Runtime, state: Generation, target: str) -> None:
    """Open the generation `target` as the old store was opened, catch it up, swap it in, close the old one."""
    old = rt.store
    assert isinstance(old, EmbeddedStore) and old.path is not None
    if old.path.resolve() == old.location:  # the same folder under another name: nothing to switch
        state.target = target
        return
    if not (old.path.resolve() / "CURRENT").is_file():  # not a finished RocksDB store: never open an empty one
        LOG.error("data/store points to %s, which holds no store: still serving the previous one", target)
        state.target = target
        return
    try:
        new = EmbeddedStore(old.path, rt.settings.base, read_only=old.read_only)
    except StoreError as error:  # e.g. a build still holding it: stay on the old one, try again next request
        LOG.error("cannot open the new store generation %s yet: %s", target, first_line(error))
        return
    if writable(new):
        _catch_up(rt, new)
    if writable(old):
        try:
            old.raw.flush()
        except (OSError, RuntimeError) as error:
            LOG.error("flushing the previous store generation: %s", first_line(error))
    rt.store = new
    state.target = target
    rt.wrote()  # caches are recomputed and query processes reopen the store
    LOG.warning("now serving the store generation %s", target)
    # The old store closes when the last request still reading it lets it go (closing it now would pull it
    # from under them).
