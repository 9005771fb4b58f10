"""The server `mgkg serve` runs (granian, server/http_server.py), in the test process: `serving(app, settings)`
yields its base URL.

It listens as `mgkg serve` does (server.serve.listen: port 0 is any free port), serves with the same HttpServer
and the same settings, logs each request as it does (RequestLog), and stops as it does: requests in progress
are answered, then the listening socket is closed. What only a separate process shows (signals, the open-file
limit, the `--workers` processes, the command's output) is tested on `mgkg serve` itself (tests/test_serve.py,
tests/test_connections.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from wsgiref.types import WSGIApplication

from graph.core.config import Settings
from server.http_server import HttpServer
from server.requestlog import RequestLog
from server.serve import StopError, listen, url_of


@contextmanager
def serving(app: WSGIApplication, settings: Settings) -> Iterator[str]:
    """Serve `app` while the block runs; yields the base URL (port 0: any free port). StopError at the end when a
    request is still open after `settings.stop_grace` seconds."""
    listener = listen(settings)
    try:
        server = HttpServer(RequestLog(app), settings, listener)
        try:
            yield url_of(listener.getsockname()[1], settings)
        finally:
            if not server.stop(settings.stop_grace):
                raise StopError(f"requests still open after {settings.stop_grace:g} s")
    finally:
        listener.close()
