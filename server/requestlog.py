"""One log line per request: client, method, path, status, bytes sent and duration, written when the answer ends."""

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
