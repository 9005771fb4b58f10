"""A waitress server in a background thread of the test process: `serving(app, settings)` yields its base URL.

It listens as `mgkg serve` does (server.serve.listen) and stops as it does (server.serve.stop_server), after
running its own loop in a thread instead of the main one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from wsgiref.types import WSGIApplication

from graph.core.config import Settings
from server.serve import WORKER_GRACE, listen, loop, stop_server, url_of


@contextmanager
def serving(app: WSGIApplication, settings: Settings) -> Iterator[str]:
    """Run `app` in a background thread while the block runs; yields the base URL (port 0: any free port).

    At the end requests in progress are answered, then the loop stops, then the sockets are closed, in that
    order and each only when the threads using it are done (`stop_server`).
    """
    socket_map: dict[int, Any] = {}
    server = listen(app, settings, socket_map)
    stopping = threading.Event()

    # waitress' own loop, ended by `stopping` rather than by emptying the map: the sockets stay open, and
    # owned by this thread, until they are closed after the loop (closing them from another thread while
    # the loop polls them, or through a trigger thunk, races the workers' own pulls of the trigger).
    thread = threading.Thread(
        target=loop, args=(server, socket_map, lambda: not stopping.is_set(), lambda: None), name="mgkg-server",
        daemon=True,
    )
    thread.start()
    try:
        yield url_of(server.effective_port, settings)
    finally:
        try:
            server.task_dispatcher.shutdown(timeout=WORKER_GRACE)  # the loop still runs: answers get sent
        finally:
            stopping.set()
            server.pull_trigger()  # wakes the loop now rather than at its next timeout; the pipe is still open
            thread.join()
            stop_server(server, socket_map)
