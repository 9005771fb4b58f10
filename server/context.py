"""Everything one running app holds: settings, store, executor, write lock, write counter, named queries, caches,
the store's state (the validator of conditional GETs, server.conditional) and the answer cache.

`create_app` makes one `Runtime` and keeps it in `app.extensions["mgkg"]`; no other module keeps per-app state.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request

from graph.core.config import Settings
from graph.core.errors import MgkgError
from graph.core.text import first_line
from graph.named_queries import NamedQuery
from graph.sparql.execute import Budgeted, Executor, OverBudget
from graph.store import EmbeddedStore, RemoteStore, has_graph
from server.answer_cache import AnswerCache
from server.isolation.pool import ProcessPool
from server.isolation.snapshots import ReaderSnapshots

INLINE = Executor(0)
"""The executor a job gets when it already runs in one of the Runtime's worker threads."""

BOUNDED_BUDGET = 0.02
"""Seconds a bounded lookup may take in the server process before it is handed to a query process."""

BUDGETED = Budgeted(BOUNDED_BUDGET)

LOG = logging.getLogger("mgkg.isolation")

T = TypeVar("T")
EXTENSION = "mgkg"
"""The key of the Runtime in `app.extensions`."""


@dataclass
class Runtime:
    """The app's settings, store and executor; writes hold `write_lock` so validation sees a stable graph.

    `store.raw` is pyoxigraph's Store, or for a remote store a view with the same methods (RemoteEngine).
    `writes` counts the writes made through this app (server.writes); `cached` values are keyed on it.
    """

    settings: Settings
    store: EmbeddedStore | RemoteStore
    executor: Executor
    pool: ProcessPool | None = None
    """Query processes (server.isolation) when the store is on disk and `settings.isolation` is on."""
    snapshots: ReaderSnapshots | None = None
    """What the query processes open when this server writes its store (server.isolation.snapshots)."""
    write_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    writes: int = field(default=0, init=False)
    generation: Any = field(default=None, init=False, repr=False)
    """The journal and the store generation being served (server.generation.Generation; set by its install)."""
    queries: dict[str, NamedQuery] | None = field(default=None, init=False, repr=False)
    """The named-query catalogue, loaded on first use (server.views.named.catalogue)."""
    instance: str = field(default_factory=lambda: uuid.uuid4().hex, init=False, repr=False)
    """Names this Runtime (the state of a store in memory, which nothing outside the app sees)."""
    state: str | None = field(default=None, init=False)
    """The store's state as conditional GETs see it (server.conditional.state_of; None: no validator)."""
    state_of: Callable[[Runtime], str | None] | None = field(default=None, init=False, repr=False)
    """How `state` is worked out again after a write or a switch (set by server.conditional.install)."""
    answers: AnswerCache = field(init=False, repr=False)
    """Answers of repeated GETs (server.answer_cache), emptied when `state` changes."""
    _cache: dict[str, tuple[tuple[int, int], Any]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        """An answer cache of the settings' size."""
        self.answers = AnswerCache(self.settings.answer_cache, self.settings.answer_cache_entries)

    def has_graph(self, iri: str) -> bool:
        """Whether the store has a named graph `iri` (possibly empty); False for a string that is no IRI."""
        return has_graph(self.store, iri)

    def wrote(self) -> None:
        """Count a write to the live store (call it with `write_lock` held); query processes reopen the store; then
        (once every reader sees the change) the store's state is worked out again and the answer cache emptied."""
        self.writes += 1
        try:
            if self.pool is None:
                return
            if self.snapshots is None or not isinstance(self.store, EmbeddedStore):
                self.pool.reopen()
                return
            self.pool.reopen(self.snapshots.take(self.store.raw))
            self.snapshots.prune(self.pool.paths_in_use())
        finally:
            self.restate()

    def restate(self) -> None:
        """Work out the store's state again (`state_of`) and empty the answer cache for it."""
        self.state = self.state_of(self) if self.state_of is not None else None
        self.answers.reset(self.state)

    def run(
        self, job: Callable[..., T], *args: Any, what: str = "query", bounded: bool = False, start: float | None = None
    ) -> T:
        """`job(engine, executor, *args)` under the query timeout, counted from the request's arrival (`start`, else
        the current request's, server.context.arrival): in a query
        process (killed when the time is up) when there is a pool, else in a worker thread on `store.raw`.

        `bounded`: the job answers a bounded lookup (graph.sparql.lookup), whose work stops with its output; it
        runs here first, in the request's thread, for at most BOUNDED_BUDGET seconds (a query process costs a
        lookup more than its own work), and goes to a query process when it needs more or fails otherwise."""
        seconds = self.settings.query_timeout
        if self.pool is not None:
            end = (arrival() if start is None else start) + seconds
            if bounded and end - time.monotonic() > BOUNDED_BUDGET:
                try:
                    return job(self.store.raw, BUDGETED, *args)
                except MgkgError as error:
                    if not isinstance(error, OverBudget):
                        raise
                except Exception as error:  # a bug or an engine failure: the query process decides
                    LOG.warning("mgkg: a bounded lookup failed in the server process: %s", first_line(error))
            return self.pool.call(job, *args, end=end, seconds=seconds, what=what)
        engine = self.store.raw
        return self.executor.call(seconds, lambda _: job(engine, INLINE, *args), what)

    def warm(self) -> None:
        """Start the query processes one server needs first, in the background (`mgkg serve` does at start)."""
        if self.pool is not None:
            self.pool.warm(2)

    def close(self) -> None:
        """Stop the query processes and the worker threads (the store is its opener's to close)."""
        if self.pool is not None:
            self.pool.close()
        self.executor.shutdown()

    def cached(self, name: str, compute: Callable[[], T]) -> T:
        """`compute()` once per state of the store: recomputed after a write or a change of the quad count."""
        # The counter sees every write through this app, even one that keeps the quad count; the count sees
        # most writes by anything else (another worker process, a remote store's other clients, the store
        # written directly). Both are read before computing, so a write meanwhile makes the next call recompute.
        key = (self.writes, len(self.store))
        entry = self._cache.get(name)
        if entry is None or entry[0] != key:
            entry = (key, compute())
            self._cache[name] = entry
        value: T = entry[1]
        return value


def install_runtime(app: Flask, value: Runtime) -> None:
    """Make `value` the Runtime of `app`, and note each request's arrival (the start of its time limits)."""
    app.extensions[EXTENSION] = value
    app.before_request(_arrived)


ARRIVAL = "mgkg.arrival"
"""WSGI environ key: when the request reached the app (time.monotonic()), set by the first WSGI layer that timed it
(server.lean); the time limits count from it."""


FAILED = "mgkg.lean.failed"
"""WSGI environ key: the error a lookup raised on the lean path (server.lean); the /sparql view raises it again
instead of running the lookup a second time."""


def _arrived() -> None:
    g.arrival = request.environ.get(ARRIVAL) or time.monotonic()


def arrival() -> float:
    """When the current request reached the app (time.monotonic()); now, outside a request."""
    if has_request_context():
        return float(g.get("arrival", time.monotonic()))
    return time.monotonic()


def runtime_of(app: Flask) -> Runtime:
    """The Runtime of `app`."""
    value = app.extensions[EXTENSION]
    assert isinstance(value, Runtime)
    return value


def runtime() -> Runtime:
    """The Runtime of the current Flask app."""
    return runtime_of(current_app)
