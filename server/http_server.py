"""The HTTP server of `mgkg serve`: granian's Rust HTTP/1.1 server (hyper and tokio) calling the WSGI app.

`HttpServer(app, settings, listener)` starts granian's WSGI worker in this process, on a socket the caller bound
(so port 0 works and bind errors are the caller's one-line ServeError), and returns at once: tokio's thread
accepts connections and parses requests; the app runs in granian's app threads, which it starts when every
one is busy (up to `connection_limit`) and ends after APP_THREAD_IDLE idle seconds. `stop()` stops accepting,
closes idle connections and waits for the requests in progress. `mgkg serve` runs one in its main process
(server/serve.py), each `--workers` process one on the shared socket (server/workers.py), the tests one in
their own process (tests/support/serving.py): the same server, the same settings.

How the settings bound a client (README "Reliability"):
- `connection_limit` → granian's backpressure: the connections this process holds at once (idle ones too);
  further ones wait in the kernel's queue (BACKLOG). Each held connection is one file descriptor.
- `connection_limit` → also the most app threads. granian hands a request to an app thread once its headers
  are in, and the app reads the body from that thread (blocking, the GIL released): a client that announces a
  body and stalls holds a thread until it sends the rest or goes away. With a thread per connection slot, such
  clients cannot take the threads another connection needs: they only use up connection slots.
- `idle_timeout` → hyper's header read timeout: a connection is closed when a request's headers are not
  complete `idle_timeout` seconds after the connection opened or the last answer ended — idle, kept alive,
  half-sent or dribbled a byte at a time alike. Only HTTP/1.1 is spoken: hyper's HTTP/2 detection waits for
  the first bytes without any timeout, so a connection that never sent one was never closed.
- `max_body` → the app's one-line 413, on Content-Length before reading; a chunked body is read here up to
  `max_body` + 1 bytes and given its length (`_with_length`).
"""

from __future__ import annotations

import asyncio
import io
import os
import resource
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from socket import socket
from typing import Any
from wsgiref.types import WSGIApplication

from granian import _futures, _granian
from granian.http import HTTP1Settings

from graph.core.config import Settings
from server.http import CHUNKED

RUNTIME_THREADS = 1
"""tokio threads reading and writing the sockets: one does it for thousands of connections (the app is the work)."""

RUST_BLOCKING_THREADS = 512
"""tokio's pool for blocking work outside the app (granian's default)."""

APP_THREAD_IDLE = 30
"""Seconds an idle app thread lives before granian ends it (it starts them again under load)."""

THREAD_STACK = 8 * 1024 * 1024
"""Least stack of an app thread: the depth limits were measured for 8 MB threads (graph.sparql.nesting)."""

WHOLE_ANSWER = 1024 * 1024
"""Answers up to this size (Content-Length) are joined in the app thread and handed to granian as bytes. Handed
as an iterator, each chunk is read by granian's I/O thread, which then needs the GIL: with 16 clients every
socket waited while it queued for it (lookups/s fell by a quarter). Larger answers and those of unknown length
(dumps, files) are streamed."""

CHUNK = 65536
"""Bytes read at a time from a chunked body."""

BACKLOG = 2048
"""Connections the kernel queues for accepting (when `connection_limit` are held)."""


@dataclass(frozen=True)
class Limits:
    """What granian is told: connections held at once, app threads at most, header deadline in ms."""

    connections: int
    app_threads: int
    header_timeout_ms: int


def limits(settings: Settings) -> Limits:
    """granian's bounds for `settings` (the module docstring says why each is what it is)."""
    return Limits(
        connections=settings.connection_limit,
        app_threads=settings.connection_limit,
        header_timeout_ms=max(1, round(settings.idle_timeout * 1000)),
    )


def _app_thread_stack() -> None:
    """Give granian's app threads the stack Python's own threads get (RLIMIT_STACK, 8 MB here), not Rust's 2 MB.

    pyoxigraph parses on the calling thread's stack, and `max_depth` was chosen for 8 MB threads. Rust reads
    RUST_MIN_STACK once, at granian's first thread, so this runs before the first server starts; a value the
    user set is kept."""
    soft, _ = resource.getrlimit(resource.RLIMIT_STACK)
    size = soft if soft != resource.RLIM_INFINITY and soft >= THREAD_STACK else THREAD_STACK
    os.environ.setdefault("RUST_MIN_STACK", str(size))


class _Started:
    """The WSGI start_response of one request: keeps the status and headers until granian sends them."""

    __slots__ = ("headers", "status")

    def __init__(self) -> None:
        """Nothing started yet."""
        self.status = 0
        self.headers: list[tuple[str, str]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
        """Record the answer's status line and headers (an error after them replaces them: nothing is sent yet)."""
        self.status = int(status.split(" ", 1)[0])
        self.headers = headers
        return _no_write


def _no_write(data: bytes) -> None:
    """WSGI's write(): no app of mgkg's uses it."""
    raise NotImplementedError("write() is not supported: return the body")


class _Body:
    """An answer's body as granian iterates it (`__next__`), closed once it is sent or the client has gone."""

    __slots__ = ("__next__", "body")

    def __init__(self, body: Iterable[bytes], chunks: Iterator[bytes]) -> None:
        """`chunks` iterates `body`, whose close() ends the answer."""
        self.body = body
        self.__next__ = chunks.__next__

    def close(self) -> None:
        """Close the app's body (the request log is written there)."""
        _close(self.body)


def _close(body: Iterable[bytes]) -> None:
    """WSGI's close() of an app's body, when it has one."""
    close = getattr(body, "close", None)
    if close is not None:
        close()


def _with_length(scope: dict[str, Any], limit: int) -> None:
    """Read a chunked body whole, up to `limit` + 1 bytes, and give it to the app with its Content-Length, as
    every other body comes: werkzeug cuts a body of unknown length at `max_body` without a word, so an 11 MB
    chunked update would have been applied as its first 10 MB. Past the limit the app's one-line 413 answers;
    the rest is never read. granian ends a chunked body whose client left mid-way as if it were whole, so the
    request is marked (CHUNKED): writes refuse such bodies (server.writes)."""
    scope[CHUNKED] = True
    scope.pop("CONTENT_LENGTH", None)  # a Content-Length beside Transfer-Encoding is not the body's (RFC 9112 §6.3)
    stream = scope["wsgi.input"]
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    scope["wsgi.input"] = io.BytesIO(b"".join(parts))
    scope["CONTENT_LENGTH"] = str(size)
    del scope["HTTP_TRANSFER_ENCODING"]  # werkzeug ignores the length of a body it is told is chunked


def _status(started: _Started) -> int:
    """The answer's status code, checked: granian aborts the whole process on one outside 100–999 (Rust's
    StatusCode::from_u16(…).unwrap()); an app that never called start_response gets granian's 500 instead."""
    if not 100 <= started.status <= 999:
        raise RuntimeError(f"the app answered status {started.status}: start_response was not called")
    return started.status


def _small(headers: list[tuple[str, str]]) -> bool:
    """Whether an answer's headers announce a body of at most WHOLE_ANSWER bytes."""
    for name, value in headers:
        if name.lower() == "content-length":
            return value.isdigit() and int(value) <= WHOLE_ANSWER
    return False


def _whole(body: Iterable[bytes]) -> bytes:
    """The body joined, then closed (the request log is written there)."""
    try:
        return b"".join(body)
    finally:
        _close(body)


def _callback(app: WSGIApplication, settings: Settings) -> Callable[[Any, dict[str, Any]], int]:
    """The function granian calls in an app thread for each request: the WSGI call, then the answer handed back."""
    base = {
        "SCRIPT_NAME": "",
        "SERVER_SOFTWARE": "mgkg",
        "wsgi.errors": sys.stderr,
        "wsgi.multiprocess": settings.workers > 1,
        "wsgi.multithread": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }

    limit = settings.max_body

    def answer(protocol: Any, scope: dict[str, Any]) -> int:
        if "HTTP_TRANSFER_ENCODING" in scope:
            _with_length(scope, limit)
        started = _Started()
        body = app(base | scope, started)
        if isinstance(body, list) or (started.status and _small(started.headers)):
            whole = _whole(body)  # joined and closed before the status is checked
            protocol.response_bytes(_status(started), started.headers, whole)
            return started.status
        try:
            chunks = iter(body)
            if not started.status:  # a generator app calls start_response on its first step
                chunks = chain([next(chunks, b"")], chunks)
            protocol.response_iter(_status(started), started.headers, _Body(body, chunks))
        except BaseException:  # granian answers 500 and never iterates the body: close it here
            _close(body)
            raise
        return started.status

    return answer


class HttpServer:
    """granian serving `app` on the listening socket `listener` in this process, from construction to stop()."""

    def __init__(self, app: WSGIApplication, settings: Settings, listener: socket) -> None:
        """Start serving (returns at once). granian owns a duplicate of the socket and closes it at the stop; the
        caller closes `listener` after stop() (other processes may go on accepting on it)."""
        _app_thread_stack()
        bounds = limits(settings)
        self._stopped = threading.Event()
        self._signal = _granian.WorkerSignal()
        self._signal.add_cb(self._stopped.set)  # called once the last request in progress has ended
        self._loop = asyncio.new_event_loop()  # granian wants one; WSGI never runs it
        worker: Any = _granian.WSGIWorker  # its .pyi lags the 2.8 signature
        holder: Any = _granian.SocketHolder
        http1 = HTTP1Settings(header_read_timeout=bounds.header_timeout_ms, keep_alive=True)
        self._worker = worker(
            1, (None, holder(os.dup(listener.fileno()), False, BACKLOG)), None,
            RUNTIME_THREADS, RUST_BLOCKING_THREADS, bounds.app_threads, APP_THREAD_IDLE, bounds.connections,
            "1", http1, None, None,  # HTTP/1.1 only, no HTTP/2 settings, no static files
            False, None, None, None, "tls1.3", None, [], False,  # no TLS: a reverse proxy terminates it
            (None, None),  # no metrics
        )
        scheduler = _futures._new_cbscheduler(  # type: ignore[no-untyped-call]
            self._loop, _callback(app, settings), impl_asyncio=True
        )
        self._worker.serve_mtr(scheduler, self._loop, self._signal)

    def stop(self, grace: float) -> bool:
        """Stop accepting, close idle connections, wait up to `grace` seconds for the requests in progress:
        whether they all ended (a client stalled in its body keeps its request open until it leaves)."""
        self._signal.set()
        done = self._stopped.wait(grace)
        if done:
            self._loop.close()
        return done

