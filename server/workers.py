"""`mgkg serve --workers N`: N server processes on one port (gunicorn's arbiter, granian in each).

One Python process answers with one core at a time (the GIL), whatever its threads. With N workers the
kernel spreads connections over N processes, each holding its own handle on the store and its own threads.
That needs a store every process can open: an Oxigraph store on disk opened read-only (so writes stay off:
with an update token, serve with one worker, where each write is one transaction checked by SHACL) or a
remote SPARQL store. The port is bound here, before the workers start, so port 0 works and the URL is
known (`reserve`: bound, not listening); each worker listens on its own socket on that port (SO_REUSEPORT,
`own_listener`), so the kernel spreads the connections over the processes; a worker that dies takes the
connections queued on its socket with it (unless the sysctl net.ipv4.tcp_migrate_req is on). SIGTERM / SIGINT stop the
workers (gunicorn's graceful shutdown, at most 10 s) and then the command.

gunicorn manages the processes (boot failures, respawn, graceful stop); each one serves its connections with
granian, as `mgkg serve` does (`GranianWorker`, server/http_server.py): gunicorn's own threaded worker gives a
connection a thread as soon as its first byte arrives, so a few clients dribbling their headers held every
thread (docs/notes/connections.md). The processes are forked: the settings (an update token among them) reach them in
memory, never through a command line or an environment variable, and no store handle or runtime crosses the
fork (each worker opens the store and starts granian after it).
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.base import Worker

from graph.core.config import Settings
from graph.store import spec_kind
from server.app import serving_app
from server.http_server import BACKLOG, HttpServer
from server.requestlog import RequestLog, flush_request_log
from server.serve import ServeError, bind_error, listen, url_of
from server.stores import open_for_serving
from server.writers import writes_enabled


def check(settings: Settings, workers: int) -> None:
    """ServeError when `workers` processes cannot share the configured store."""
    kind, _ = spec_kind(settings.store_spec)
    if kind == "memory":
        raise ServeError(f"--workers {workers} needs a store on disk or a remote store (each process opens it)")
    if kind == "oxigraph" and writes_enabled(settings):
        raise ServeError(
            f"--workers {workers} opens the store read-only in each process: writes (writers or an update token) need "
            "--workers 1, or a remote store"
        )


class Service(BaseApplication):  # type: ignore[misc]
    """The mgkg app under gunicorn: each worker opens the store read-only, builds its own app and listens on its own
    socket bound to `address` (a `family`, sockaddr pair)."""

    def __init__(self, settings: Settings, options: dict[str, Any], address: tuple[int, Any], ready: int) -> None:
        """Keep the settings, the gunicorn options, the address the workers listen on and the pipe (a file
        descriptor) on which each says it listens."""
        self.settings = settings
        self.options = options
        self.address = address
        self.ready = ready
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

    def init_process(self) -> None:
        """Listen first (connections wait in the socket's queue while the app is built: the store opened or copied
        into memory), say so, then build the app and serve (gunicorn's init_process)."""
        self.listener = own_listener(*self.app.address)
        os.write(self.app.ready, b"+")
        super().init_process()

    def handle_quit(self, sig: int, frame: object) -> None:
        """SIGINT / SIGQUIT (Ctrl-C, or the arbiter's quick stop): stop as SIGTERM does, answering the requests in
        progress. gunicorn's own raises SystemExit in `run`, which cut them off."""
        self.alive = False

    def run(self) -> None:
        """Serve until gunicorn stops the worker (or its arbiter is gone), telling the arbiter it lives."""
        settings: Settings = self.app.settings
        listener = self.listener
        server = HttpServer(RequestLog(self.wsgi), settings, listener)
        while self.alive and self.ppid == os.getppid():
            self.notify()
            time.sleep(HEARTBEAT)
        server.stop(GRACE)  # the requests in progress are answered; the arbiter kills the worker after GRACE
        flush_request_log()
        listener.close()


def _reuse_port(family: int) -> socket.socket:
    """A TCP socket that may share its port with the workers' (SO_REUSEPORT)."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    return sock


def own_listener(family: int, address: Any) -> socket.socket:
    """A worker's own listening socket on the shared port: the kernel spreads new connections over the workers'
    sockets. On one shared socket the worker whose I/O thread woke first took them all (16 kept-alive clients
    on one process: lookups/s as with `--workers 1`)."""
    listener = _reuse_port(family)
    listener.bind(address)
    listener.listen(BACKLOG)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return listener


def reserve(settings: Settings) -> socket.socket:
    """A socket bound to settings.host:port (port 0: a free one) without listening: it keeps the port for the
    workers' sockets while they come and go. ServeError when the address cannot be listened on (a port some
    program listens on is found by an ordinary listen first, whatever its options)."""
    probe = listen(settings)
    family, address = probe.family, probe.getsockname()
    probe.close()
    held = _reuse_port(family)
    try:
        held.bind(address)
    except OSError as error:
        held.close()
        raise bind_error(settings, error) from None
    return held


def _leave(_arbiter: object, _worker: object) -> None:
    """A worker's last act: exit at once. Its store handle is read-only (nothing to flush), and letting the
    interpreter tear down pyoxigraph's store under the worker's threads can crash the process (SIGSEGV)."""
    flush_request_log()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


GRACE = 10
"""Seconds a stopping worker has for the requests in progress before the arbiter kills it."""


def _announce_when_listening(ready: int, announce: Callable[[str], None], url: str) -> None:
    """Announce `url` once a worker says it listens (before, the port refuses connections)."""
    if os.read(ready, 1):
        announce(url)


def serve_workers(settings: Settings, workers: int, announce: Callable[[str], None]) -> None:
    """Serve with `workers` processes until SIGTERM / SIGINT (call check() first); ServeError when the address
    cannot be bound."""
    held = reserve(settings)
    address = (held.family, held.getsockname())
    ready, listening = os.pipe()
    url = f"{url_of(address[1][1], settings)}/sparql"
    threading.Thread(target=_announce_when_listening, args=(ready, announce, url), daemon=True).start()
    placeholder = tempfile.mkdtemp(prefix="mgkg-workers-")  # gunicorn must listen somewhere: a socket nobody knows
    options = {
        "bind": [f"unix:{placeholder}/arbiter.sock"],
        "workers": workers,
        "worker_class": GranianWorker,
        "timeout": max(60, int(settings.query_timeout * 2)),
        "graceful_timeout": int(GRACE + 2 * HEARTBEAT + 1),  # a worker sees the stop within HEARTBEAT, then has GRACE
        "loglevel": "warning",
        "preload_app": False,
        "proc_name": "mgkg",
        "worker_exit": _leave,
    }
    master = os.getpid()
    try:
        Service(settings, options, address, listening).run()
    except SystemExit as stop:
        if os.getpid() != master:  # a worker leaving: gunicorn's exit, not the command's
            raise
        if stop.code not in (None, 0):
            raise ServeError(f"the worker processes stopped with status {stop.code}") from None
    finally:
        if os.getpid() == master:
            held.close()
            shutil.rmtree(placeholder, ignore_errors=True)
            os.close(listening)  # the announcing thread's read ends (it is a daemon: nothing waits for it)
