"""`mgkg serve` in one process: bind the address, serve the app with granian (server/http_server.py) until
SIGINT/SIGTERM, announce the URL once listening, stop cleanly; and the one-line errors of a server that cannot.

The tests serve the same way in their own process (tests/support/serving.py: `listen`, then HttpServer);
`--workers N` binds with `listen` too and serves with an HttpServer in each process (server/workers.py).
"""

from __future__ import annotations

import errno
import os
import resource
import select
import signal
import socket
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from types import FrameType
from wsgiref.types import WSGIApplication

from graph.core.config import Settings
from graph.core.errors import Kind, MgkgError
from server.http_server import BACKLOG, HttpServer
from server.requestlog import RequestLog, flush_request_log


class ServeError(MgkgError, OSError):
    """The server cannot start (address in use, unknown host, no permission): UNAVAILABLE, a one-line message."""

    kind = Kind.UNAVAILABLE


FILE_RESERVE = 256
"""Open files a server process needs beside its connections: the store's files, pipes, logs."""


def check_limits(settings: Settings) -> None:
    """ServeError unless `connection_limit` is above `threads`: the connections held at once must leave room for
    new clients beside the queries running."""
    if settings.connection_limit <= settings.threads:
        raise ServeError(
            f"connection_limit ({settings.connection_limit}) must be above threads ({settings.threads}), "
            "or idle connections lock new clients out"
        )


def listen(settings: Settings) -> socket.socket:
    """A socket listening on settings.host:port (port 0: any free port); ServeError when it cannot be bound or a
    limit is out of range."""
    check_limits(settings)
    try:
        family, _, _, _, address = socket.getaddrinfo(
            settings.host or None, settings.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        listener = socket.create_server(address, family=family, backlog=BACKLOG)
        # Connections inherit it: granian writes an answer's headers and body apart, and with Nagle's algorithm
        # on, the body then waited for the client's delayed ACK (40 ms): 30 lookups/s on a kept-alive connection.
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return listener
    except (OSError, OverflowError, ValueError) as error:
        raise bind_error(settings, error) from None


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


THREAD_RESERVE = 64
"""Threads a server process needs beside its app threads (one per connection at most): tokio's, the query pool's."""


def cgroup_task_room(proc_cgroup: Path = Path("/proc/self/cgroup"), root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """Tasks (threads) this process's cgroup may still start: pids.max − pids.current (cgroup v2, or v1's pids
    controller); None when unbounded or unknown."""
    try:
        lines = proc_cgroup.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2) if line.count(":") >= 2 else ("", "-", "")
        if controllers == "":
            folder = root / path.lstrip("/")
        elif "pids" in controllers.split(","):
            folder = root / "pids" / path.lstrip("/")
        else:
            continue
        try:
            limit = (folder / "pids.max").read_text(encoding="utf-8").strip()
            current = int((folder / "pids.current").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if limit.isdigit():
            return int(limit) - current
    return None


def thread_limit_warning(settings: Settings, task_room: int | None = None, nproc: int | None = None) -> str | None:
    """A warning line when the process limit (`ulimit -u`, not applied to root) or the cgroup's pids.max leaves
    fewer threads than `connection_limit` + THREAD_RESERVE: granian starts an app thread per busy connection, and
    a thread the system refuses aborts the whole process. `task_room` and `nproc` default to this process's."""
    needed = settings.connection_limit + THREAD_RESERVE
    if nproc is None:
        soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
        nproc = None if soft == resource.RLIM_INFINITY or os.geteuid() == 0 else soft
    room = cgroup_task_room() if task_room is None else task_room
    for what, value in (("the process limit (ulimit -u)", nproc), ("the cgroup's pids.max", room)):
        if value is not None and value < needed:
            return (
                f"{what} leaves room for {value} threads, below connection_limit + {THREAD_RESERVE} ({needed}): a "
                "thread refused under load would stop the server; lower connection_limit or raise the limit"
            )
    return None


def bind_error(settings: Settings, error: Exception) -> ServeError:
    """The one-line ServeError for an address that cannot be listened on."""
    address = f"{settings.host}:{settings.port}"
    if isinstance(error, OverflowError | ValueError | socket.gaierror):  # the resolver could not resolve the host
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


class StopError(MgkgError, RuntimeError):
    """Requests were still open when the server had to stop (TIMEOUT)."""

    kind = Kind.TIMEOUT


def serve_forever(make_app: Callable[[], WSGIApplication], settings: Settings, announce: Callable[[str], None]
                  ) -> None:
    """Serve the app `make_app()` returns — called once the address is bound, so a port in use starts nothing (no
    query process) — until SIGINT or SIGTERM, one log line per request; `announce` receives the endpoint URL once
    listening. At the stop the requests in progress are answered; StopError when some are still open after
    `settings.stop_grace` seconds (the listening socket is closed all the same)."""
    listener = listen(settings)
    try:
        server = HttpServer(RequestLog(make_app()), settings, listener)
        previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            announce(url_of(listener.getsockname()[1], settings) + "/sparql")
            _wait_for_a_signal()
        except KeyboardInterrupt:
            pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if not server.stop(settings.stop_grace):
            raise StopError(f"requests still open after {settings.stop_grace:g} s (clients stalled in their bodies)")
    finally:
        flush_request_log()  # the last requests' lines before the command's last words
        with suppress(OSError):
            listener.close()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGINT and SIGTERM end serve_forever's wait."""
    raise KeyboardInterrupt


def _wait_for_a_signal() -> None:
    """Block until a signal's handler has run (it raises).

    The kernel may deliver a signal to any thread, granian's included: Python then runs the handler in the main
    thread only when that thread next runs Python code, and a main thread asleep does not wake. Every signal
    also writes a byte to the wakeup socket, which wakes it."""
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    try:
        while True:
            select.select([reader], [], [])
            reader.recv(64)
    finally:
        signal.set_wakeup_fd(previous)
        reader.close()
        writer.close()


def free_port() -> int:
    """A loopback TCP port that nobody listened on a moment ago (for a server another process starts).

    Any process may take it before that server binds it (the kernel gives the same number to the next port-0
    bind or outgoing connection): a server in this process listens on port 0 instead, and the
    tests reserve ports for other processes with tests/support/ports.py.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
