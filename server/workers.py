"""`mgkg serve --workers N`: N server processes on one listening socket (gunicorn's arbiter, granian in each).

One Python process answers with one core at a time (the GIL), whatever its threads. With N workers the
kernel spreads connections over N processes, each holding its own handle on the store and its own threads.
That needs a store every process can open: an Oxigraph store on disk opened read-only (so writes stay off:
with an update token, serve with one worker, where each write is one transaction checked by SHACL) or a
remote SPARQL store. The socket is bound here, before the workers start, so port 0 works and the URL is
known; the workers are started after the fork (no store handle crosses it). SIGTERM / SIGINT stop the
workers (gunicorn's graceful shutdown, at most 10 s) and then the command.

gunicorn manages the processes (boot failures, respawn, graceful stop); each one serves its connections with
granian, as `mgkg serve` does (`GranianWorker`, server/http_server.py): gunicorn's own threaded worker gives a
connection a thread as soon as its first byte arrives, so a few clients dribbling their headers held every
thread (NOTES-conn.md). The processes are forked: the settings (an update token among them) reach them in
memory, never through a command line or an environment variable, and no store handle or runtime crosses the
fork (each worker opens the store and starts granian after it).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.base import Worker

from graph.core.config import Settings
from graph.store import spec_kind
from server.app import serving_app
from server.http_server import HttpServer
from server.requestlog import RequestLog
from server.serve import ServeError, listen, url_of
from server.stores import open_for_serving
from server.writers import writes_enabled


def check(settings: Settings, workers: int) -> None:
    """ServeError when `workers` processes cannot share the configured store."""
    kind, _ = spec_kind(settings.store_spec)
    if kind == "memory":
        raise ServeError(f"--workers {workers} needs a store on disk or a remote store (each process opens it)")
    if kind == "oxigraph" and writes_enabled(settings):
        raise ServeError(
            f"--workers {workers} opens the store read-only in each process: writes (an update token) need "
            "--workers 1, or a remote store"
        )


class Service(BaseApplication):  # type: ignore[misc]
    """The mgkg app under gunicorn: each worker opens the store read-only and builds its own app."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        """Keep the settings and the gunicorn options."""
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply the options (gunicorn's own config files and command line are not read)."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """The WSGI app of one worker (called in the worker, after the fork)."""
        return serving_app(self.settings, open_for_serving(self.settings))


HEARTBEAT = 0.5
"""Seconds between a worker's signs of life to the arbiter (and its checks for a stop)."""


class GranianWorker(Worker):  # type: ignore[misc]
    """A gunicorn worker process serving its app with granian on the shared listening socket."""

    def run(self) -> None:
        """Serve until gunicorn stops the worker (or its arbiter is gone), telling the arbiter it lives."""
        settings: Settings = self.app.settings
        server = HttpServer(RequestLog(self.wsgi), settings, self.sockets[0].sock)
        while self.alive and self.ppid == os.getppid():
            self.notify()
            time.sleep(HEARTBEAT)
        server.stop(GRACE)  # the requests in progress are answered; the arbiter kills the worker after GRACE


def _leave(_arbiter: object, _worker: object) -> None:
    """A worker's last act: exit at once. Its store handle is read-only (nothing to flush), and letting the
    interpreter tear down pyoxigraph's store under the worker's threads can crash the process (SIGSEGV)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


GRACE = 10
"""Seconds a stopping worker has for the requests in progress before the arbiter kills it."""


def serve_workers(settings: Settings, workers: int, announce: Callable[[str], None]) -> None:
    """Serve with `workers` processes until SIGTERM / SIGINT (call check() first); ServeError when the address
    cannot be bound."""
    listener = listen(settings)
    listener.set_inheritable(True)
    announce(f"{url_of(listener.getsockname()[1], settings)}/sparql")
    options = {
        "bind": [f"fd://{listener.fileno()}"],
        "workers": workers,
        "worker_class": GranianWorker,
        "timeout": max(60, int(settings.query_timeout * 2)),
        "graceful_timeout": GRACE,
        "loglevel": "warning",
        "preload_app": False,
        "proc_name": "mgkg",
        "worker_exit": _leave,
    }
    master = os.getpid()
    try:
        Service(settings, options).run()
    except SystemExit as stop:
        if os.getpid() != master:  # a worker leaving: gunicorn's exit, not the command's
            raise
        if stop.code not in (None, 0):
            raise ServeError(f"the worker processes stopped with status {stop.code}") from None
    finally:
        if os.getpid() == master:
            with suppress(OSError):  # gunicorn closes the listening socket itself on the way out
                listener.close()
