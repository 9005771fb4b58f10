"""One log line per request: client, method, path, status, bytes sent and duration, written when the answer ends.

The status is the one the app started its answer with, or 500 when the app or its body failed before a byte was
sent (the HTTP server answers 500 then), or STATUS-cut when the body failed after (the answer was cut short)."""

from __future__ import annotations

import logging
import sys
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
            # A body failing before its first byte is the HTTP server's 500; after it, the answer is cut short.
            shown = status[0] if not failed else "500" if size == 0 else f"{status[0]}-cut"
            REQUEST_LOG.info(
                "%s %s %s %s %d %.1fms",
                environ.get("REMOTE_ADDR", "-"),
                environ.get("REQUEST_METHOD", "-"),
                _printable(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")),
                shown,
                size,
                (time.perf_counter() - start) * 1000,
            )

        try:
            body = self.app(environ, recording)
        except Exception:  # the HTTP server answers 500
            done(0, True)
            raise
        return _Counted(body, done)


def log_requests_to_stderr() -> None:
    """Send the request log (and only it) to stderr, one timestamped line per request (once per process)."""
    if REQUEST_LOG.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S"))
    REQUEST_LOG.addHandler(handler)
    REQUEST_LOG.setLevel(logging.INFO)
    REQUEST_LOG.propagate = False
