"""Run the app with waitress: one log line per request, the URL at start, a clean stop on SIGINT/SIGTERM.

`serve_forever` is what `mgkg serve` runs in the main thread; the tests run the same server in a background
thread (tests/support/serving.py), listening with `listen` and stopping with `stop_server`.
"""

from __future__ import annotations

import errno
import logging
import resource
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from types import FrameType
from typing import Any
from urllib.parse import quote
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server

from graph.core.config import Settings
from graph.core.errors import Kind, MgkgError
from server.isolation.pool import LANE

REQUEST_LOG = logging.getLogger("mgkg.requests")
"""One INFO record per request: client, method, path, status, bytes sent, duration in ms."""


class ServeError(MgkgError, OSError):
    """The server cannot start (address in use, unknown host, no permission): UNAVAILABLE, a one-line message."""

    kind = Kind.UNAVAILABLE


class _Counted:
    """A response body that counts the bytes sent and reports them when the server closes it."""

    def __init__(self, body: Iterable[bytes], done: Callable[[int], None]) -> None:
        """Wrap `body`; `done(size)` runs once, at close."""
        self.body = body
        self.done = done
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        """The chunks of the body, counted."""
        for chunk in self.body:
            self.size += len(chunk)
            yield chunk

    def close(self) -> None:
        """Close the wrapped body, then report."""
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.done(self.size)


def _printable(path: str) -> str:
    """The request path percent-encoded again, so a decoded %0A cannot start a second log line."""
    return quote(path.encode("latin-1", "replace"), safe="/;:@&=+$,-._~!*'()")


class RequestLog:
    """WSGI middleware logging each request to REQUEST_LOG when its response is finished."""

    def __init__(self, app: WSGIApplication) -> None:
        """Wrap `app`."""
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Call the app, remembering the status and timing the whole response."""
        start = time.perf_counter()
        status = ["-"]

        def recording(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
            status[0] = line.split(" ", 1)[0]
            return start_response(line, headers, exc_info)

        def done(size: int) -> None:
            REQUEST_LOG.info(
                "%s %s %s %s %d %.1fms",
                environ.get("REMOTE_ADDR", "-"),
                environ.get("REQUEST_METHOD", "-"),
                _printable(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")),
                status[0],
                size,
                (time.perf_counter() - start) * 1000,
            )

        return _Counted(self.app(environ, recording), done)


def log_requests_to_stderr() -> None:
    """Send the request log (and only it) to stderr, one timestamped line per request (once per process)."""
    if REQUEST_LOG.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S"))
    REQUEST_LOG.addHandler(handler)
    REQUEST_LOG.setLevel(logging.INFO)
    REQUEST_LOG.propagate = False


BACKLOG = 2048
"""Connections the kernel queues for accepting (when every connection the server takes is in use)."""

BODY_SLACK = 1024 * 1024
"""Bytes above max_body that waitress still reads, so that the app answers a body just too large itself."""

FILE_RESERVE = 256
"""Open files a server process needs beside its connections: the store's files, pipes, logs."""


def adjustments(settings: Settings) -> dict[str, Any]:
    """waitress's adjustments for `settings`: idle or slow clients cannot exhaust the server.

    waitress reads every request whole in its async loop before a worker thread sees it, so a client dribbling
    its headers, or a body that never completes, holds a connection, never a thread. The connections are
    limited by `connection_limit` (waitress' default, 100, let 100 idle sockets lock every new client out),
    polled with poll() (select() fails past file descriptor 1024), and closed after `idle_timeout` seconds
    without a byte (checked every cleanup interval). waitress itself refuses a body more than BODY_SLACK above
    `max_body` before reading it (rather than spooling up to its default 1 GB to disk); a body closer to the
    limit gets the app's one-line 413.
    """
    return {
        "threads": request_threads(settings),
        "connection_limit": settings.connection_limit,
        "channel_timeout": settings.idle_timeout,
        "cleanup_interval": min(30.0, max(0.5, settings.idle_timeout / 2)),
        "asyncore_use_poll": True,
        "backlog": BACKLOG,
        "max_request_body_size": settings.max_body + BODY_SLACK,
        "ident": "mgkg",
    }


def request_threads(settings: Settings) -> int:
    """waitress's worker threads: one per query that may run at once (`threads`), one per query process of the
    lane (server.isolation.pool.LANE), and two for requests that run no query (pages, dumps, descriptions)."""
    return settings.threads + LANE + 2


class QuietChannel(HTTPChannel):  # type: ignore[misc]
    """waitress's connection, without its busy loop while a worker thread writes a response.

    waitress's loop asks each connection whether it is writable: yes whenever bytes wait in its output buffer.
    While a worker thread is putting a response there it holds the buffer's lock and sends the bytes itself,
    so for that moment the loop, told "writable", finds the socket ready, cannot take the lock, and polls
    again at once — tens of times per request with 4 clients, holding the GIL the worker needs to finish,
    which then waits out Python's 5 ms switch interval: requests took 2–4 times the CPU they take alone and
    4 clients got fewer answers than 1. A connection whose buffer lock is held is not writable here: the
    worker sends what it wrote, and wakes the loop (waitress' trigger) when it leaves bytes unsent.
    """

    def writable(self) -> bool:
        """Whether the loop should send for this connection now (not while a worker thread holds its buffer)."""
        if self.requests and self.total_outbufs_len and not (self.will_close or self.close_when_flushed):
            if not self.outbuf_lock.acquire(False):
                return False
            self.outbuf_lock.release()
        return bool(super().writable())


def _quiet(socket_map: dict[int, Any]) -> None:
    """Make every waitress server in `socket_map` accept its connections as QuietChannels."""
    for dispatcher in socket_map.values():
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = QuietChannel


def check_limits(settings: Settings) -> None:
    """ServeError unless `connection_limit` is above `threads` (else idle connections could hold every thread)."""
    if settings.connection_limit <= settings.threads:
        raise ServeError(
            f"connection_limit ({settings.connection_limit}) must be above threads ({settings.threads}), "
            "or idle connections lock new clients out"
        )


def listen(
    app: WSGIApplication, settings: Settings, socket_map: dict[int, Any], sockets: list[socket.socket] | None = None
) -> Any:
    """A waitress server bound to settings.host:port, or accepting on `sockets` (not yet running); ServeError when
    it cannot bind or a limit is out of range."""
    check_limits(settings)
    where = {"sockets": sockets} if sockets else {"host": settings.host, "port": settings.port}
    try:
        server = create_server(RequestLog(app), map=socket_map, **where, **adjustments(settings))
    except (ValueError, OSError) as error:
        raise bind_error(settings, error) from None
    _quiet(socket_map)
    return server


def loop(server: Any, socket_map: dict[int, Any], running: Callable[[], bool], tick: Callable[[], None]) -> None:
    """Run waitress' loop while `running()` holds, calling `tick()` after each pass (at least once a second).

    The sockets stay open, owned by the caller, until `stop_server` closes them after the loop."""
    while socket_map and running():
        wasyncore.loop(server.adj.asyncore_loop_timeout, server.adj.asyncore_use_poll, socket_map, count=1)
        tick()


def raise_open_file_limit(settings: Settings) -> str | None:
    """Raise this process' soft open-file limit to its hard limit; a warning line when that is still too low
    for `connection_limit` connections (a file each) beside FILE_RESERVE."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and hard != resource.RLIM_INFINITY and soft < hard:
        with suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
    needed = settings.connection_limit + FILE_RESERVE
    if soft != resource.RLIM_INFINITY and soft < needed:
        return (
            f"the open-file limit ({soft}) is below connection_limit + {FILE_RESERVE} ({needed}): "
            "raise it (ulimit -n) or lower connection_limit"
        )
    return None


def bind_error(settings: Settings, error: Exception) -> ServeError:
    """The one-line ServeError for an address that cannot be listened on."""
    address = f"{settings.host}:{settings.port}"
    if isinstance(error, ValueError | socket.gaierror):  # waitress or the resolver could not resolve the host
        return ServeError(f"cannot listen on {address}: unknown host or address")
    if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
        return ServeError(f"cannot listen on {address}: the port is already in use (try --port)")
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return ServeError(f"cannot listen on {address}: {reason}")


def url_of(port: int, settings: Settings) -> str:
    """The base URL (no trailing slash) clients reach a server listening on `port` at."""
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


WORKER_GRACE = 60.0
"""Seconds a stopping server waits for the requests its worker threads are still answering."""


class StopError(MgkgError, RuntimeError):
    """A server's worker threads were still answering requests when it had to stop (TIMEOUT)."""

    kind = Kind.TIMEOUT


def stop_server(server: Any, socket_map: dict[int, Any]) -> None:
    """Stop the worker threads of a server whose loop has ended, then close its sockets and trigger pipe.

    Workers first: each pulls the trigger when it finishes a request, so the pipe stays open until the last
    one has ended (written after close, its fd number may already be another file's). Raises StopError,
    leaving the sockets open, when a worker is still answering after WORKER_GRACE seconds.
    """
    server.task_dispatcher.shutdown(timeout=WORKER_GRACE)
    busy = len(server.task_dispatcher.threads)
    if busy:
        raise StopError(f"{busy} worker thread(s) still answering after {WORKER_GRACE:.0f} s: sockets left open")
    wasyncore.close_all(socket_map, ignore_all=True)


def serve_forever(app: WSGIApplication, settings: Settings, announce: Callable[[str], None]) -> None:
    """Serve `app` until SIGINT or SIGTERM; `announce` receives the endpoint URL once listening."""
    socket_map: dict[int, Any] = {}
    server = listen(app, settings, socket_map)

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # waitress' run() stops its loop and worker threads on it

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        announce(url_of(server.effective_port, settings) + "/sparql")
        server.run()
    except KeyboardInterrupt:
        pass  # a signal that came before the loop started
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        try:
            stop_server(server, socket_map)
        except StopError:
            wasyncore.close_all(socket_map, ignore_all=True)  # the process exits next: no fd number is reused


def free_port() -> int:
    """A loopback TCP port that nobody listened on a moment ago (for a server another process starts).

    Any process may take it before that server binds it (the kernel gives the same number to the next port-0
    bind or outgoing connection): a server in this process listens on port 0 instead, and the
    tests reserve ports for other processes with tests/support/ports.py.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
