"""One log line per request: client, method, path, status, bytes sent and duration, written when the answer ends.

The status is the one the app started its answer with, or 500 when the app or its body failed before a byte was
sent (the HTTP server answers 500 then), or STATUS-cut when the body failed after (the answer was cut short).

`mgkg serve` writes the lines to stderr in batches (`BatchedLines`): a request pays for a list append, a thread
writes what came every FLUSH_EVERY seconds, and the server flushes the rest when it stops (`flush_request_log`).
A line written and flushed per request cost a remembered GET 60 µs of the server's CPU, more than the answer."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

REQUEST_LOG = logging.getLogger("mgkg.requests")
"""One INFO record per request: client, method, path, status, bytes sent, duration in ms."""


class _Counted:
    """A response body that counts the bytes sent and reports them when the server closes it."""

    def __init__(self, body: Iterable[bytes], done: Callable[[int, bool], None]) -> None:
        """Wrap `body`; `done(size, failed)` runs once, at close (`failed`: producing the body raised)."""
        self.body = body
        self.done = done
        self.size = 0
        self.failed = False

    def __iter__(self) -> Iterator[bytes]:
        """The chunks of the body, counted."""
        try:
            for chunk in self.body:
                self.size += len(chunk)
                yield chunk
        except Exception:
            self.failed = True
            raise

    def close(self) -> None:
        """Close the wrapped body, then report."""
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.done(self.size, self.failed)


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

        def done(size: int, failed: bool) -> None:
            if not REQUEST_LOG.isEnabledFor(logging.INFO):
                return
            # A body failing before its first byte is the HTTP server's 500; after it, the answer is cut short.
            shown = status[0] if not failed else "500" if size == 0 else f"{status[0]}-cut"
            line = "%s %s %s %s %d %.1fms" % (  # noqa: UP031  # one formatting, no LogRecord arguments kept
                environ.get("REMOTE_ADDR", "-"),
                environ.get("REQUEST_METHOD", "-"),
                _printable(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")),
                shown,
                size,
                (time.perf_counter() - start) * 1000,
            )
            _log(line)

        try:
            body = self.app(environ, recording)
        except Exception:  # the HTTP server answers 500
            done(0, True)
            raise
        if type(body) is list:  # whole already: the server sends it as it is (server.http_server), nothing can fail
            done(sum(map(len, body)), False)
            return body
        return _Counted(body, done)


def _log(line: str) -> None:
    """REQUEST_LOG.info(line), straight to the batch when `BatchedLines` is the logger's one handler and nothing
    filters: a LogRecord (pid, thread, file name of the caller…) cost more than the request it logged."""
    handlers = REQUEST_LOG.handlers
    if len(handlers) == 1 and type(handlers[0]) is BatchedLines and not REQUEST_LOG.propagate and not (
        REQUEST_LOG.filters or handlers[0].filters
    ):
        handlers[0].keep(time.time(), line)
    else:
        REQUEST_LOG.handle(REQUEST_LOG.makeRecord(REQUEST_LOG.name, logging.INFO, __file__, 0, line, (), None))


FLUSH_EVERY = 0.1
"""Seconds at most between a request's end and its line reaching the stream."""

STAMP = "%Y-%m-%dT%H:%M:%S"
"""Each line starts with the local time it was logged at, to the second."""


class BatchedLines(logging.Handler):
    """A handler writing "TIME MESSAGE" lines to a stream in batches: `emit` keeps the line, a daemon thread of
    this process writes and flushes what was kept every `every` seconds, `flush()` at once. The thread starts
    with the first line in each process (a forked `--workers` process has none of its parent's threads)."""

    def __init__(self, stream: Any, every: float = FLUSH_EVERY) -> None:
        """Lines for `stream`, written at least every `every` seconds."""
        super().__init__(logging.INFO)
        self.stream = stream
        self.every = every
        self.kept: list[str] = []
        self._writer_pid = 0
        self._writing = threading.Lock()
        self._closed = False
        self._second = -1
        self._stamp = ""

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's line (logging holds the handler's lock)."""
        self.keep(record.created, record.getMessage())

    def keep(self, created: float, message: str) -> None:
        """Keep the line of `message` logged at `created` (seconds since the epoch) for the next write."""
        with self.lock:  # type: ignore[union-attr]  # createLock() made it in Handler.__init__
            second = int(created)
            if second != self._second:
                self._second, self._stamp = second, time.strftime(STAMP, time.localtime(second))
            if self._writer_pid != os.getpid():  # this process's first line: a forked one leaves its parent's lines
                self._writer_pid, self.kept = os.getpid(), []  # to the parent, which writes them, and its lock
                self._writing = threading.Lock()  # (held, maybe, by the parent's writer at the fork)
                threading.Thread(target=self._write_every, name="request-log", daemon=True).start()
            self.kept.append(f"{self._stamp} {message}\n")

    def flush(self) -> None:
        """Write and flush the lines kept so far; they are dropped when the stream fails (stderr closed or gone).
        Requests go on keeping their lines meanwhile: a slow stream (a full pipe) holds up this, not the answers."""
        if self._writer_pid != os.getpid():  # nothing of this process's own: a forked copy of its parent's lines
            return
        with self._writing:  # one batch at a time, in order
            with self.lock:  # type: ignore[union-attr]  # createLock() made it in Handler.__init__
                lines, self.kept = self.kept, []
            if not lines:
                return
            try:
                self.stream.write("".join(lines))
                self.stream.flush()
            except (OSError, ValueError):
                pass  # the lines have nowhere to go, and the server must not stop for it

    def close(self) -> None:
        """Write what is kept and end the writer thread (logging.shutdown closes handlers at exit)."""
        self._closed = True
        self.flush()
        super().close()

    def _write_every(self) -> None:
        pid = os.getpid()
        while self._writer_pid == pid and not self._closed:
            time.sleep(self.every)
            self.flush()


def log_requests_to_stderr() -> None:
    """Send the request log (and only it) to stderr, one timestamped line per request (once per process)."""
    if REQUEST_LOG.handlers:
        return
    REQUEST_LOG.addHandler(BatchedLines(sys.stderr))
    REQUEST_LOG.setLevel(logging.INFO)
    REQUEST_LOG.propagate = False


def flush_request_log() -> None:
    """Write the request log's lines kept so far (before a stop's last words, or an os._exit)."""
    for handler in REQUEST_LOG.handlers:
        handler.flush()
