"""The Flask app factory: one blueprint per face of the service, one Runtime, one set of error handlers."""

from __future__ import annotations

import weakref

from flask import Flask

from graph.core.config import Settings, load_settings
from graph.sparql.execute import Executor
from graph.store import EmbeddedStore, RemoteStore, open_store
from server import conditional, context, encoding, generation, http, lean
from server.isolation.pool import ProcessPool, regular_processes
from server.isolation.snapshots import ReaderSnapshots
from server.views import (
    browse,
    changes,
    describe,
    dumps,
    graph_store,
    labels,
    linked_data,
    named,
    pages,
    protocol,
    shacl,
)

BLUEPRINTS = (protocol.bp, graph_store.bp, changes.bp, shacl.bp, describe.bp, dumps.bp, named.bp, pages.bp,
              linked_data.bp, browse.bp, labels.bp)
"""One blueprint per face of the service, in the order their routes are matched."""

API = (protocol.bp, graph_store.bp, changes.bp, shacl.bp, describe.bp, dumps.bp, named.bp, linked_data.bp, browse.bp,
       labels.bp)
"""The blueprints browsers may call from other origins (CORS headers); the HTML pages are not among them."""


def query_processes(settings: Settings, store: EmbeddedStore | RemoteStore) -> ProcessPool | None:
    """Query processes over an on-disk store when `settings.isolation` is on (none for memory or remote stores):
    `threads` of them at most, and no more than this server process's share of the cores (regular_processes)."""
    if not settings.isolation or not isinstance(store, EmbeddedStore) or store.path is None:
        return None
    size = regular_processes(settings.threads, settings.workers)
    return ProcessPool(store.path, size=size, memory_mb=settings.query_memory)


def create_app(settings: Settings | None = None, store: EmbeddedStore | RemoteStore | None = None) -> Flask:
    """A configured app serving `store` (default: the store the settings name)."""
    settings = settings or load_settings()
    app = Flask(__name__, static_folder="static", template_folder="templates")  # server/static, server/templates
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    opened = store if store is not None else open_store(settings.store_spec, settings.base)
    if isinstance(opened, RemoteStore):  # a remote request outlives its 503 answer by no more than this
        opened.timeout = settings.query_timeout
    pool = query_processes(settings, opened)
    runtime = context.Runtime(settings, opened, Executor(max(1, settings.threads)), pool=pool)
    context.install_runtime(app, runtime)
    generation.install(app, runtime)
    if runtime.pool is not None:
        weakref.finalize(app, runtime.pool.close)
        if isinstance(opened, EmbeddedStore) and generation.writable(opened) and opened.path is not None:
            # This server writes its store: its query processes read checkpoints of it (server.isolation.snapshots),
            # beside the store's link (data/readers: the same file system, so hard links, and kept when a build
            # removes the generation the server opened first).
            runtime.snapshots = ReaderSnapshots(opened.path.parent / "readers")
            weakref.finalize(app, runtime.snapshots.close)
            runtime.pool.reopen(runtime.snapshots.take(opened.raw))
    http.install_error_and_cors_handlers(app, cors={bp.name for bp in API})
    app.before_request(encoding.check_parameters)
    conditional.install(app, runtime)  # after the generation is followed and the parameters checked
    app.wsgi_app = lean.LeanGets(app.wsgi_app, runtime)  # type: ignore[method-assign]  # inside the headers below
    http.install_security_headers(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


def serving_app(settings: Settings, store: EmbeddedStore | RemoteStore) -> Flask:
    """`create_app` for a server about to listen: its first query processes start now, in the background."""
    app = create_app(settings, store)
    context.runtime_of(app).warm()
    return app
