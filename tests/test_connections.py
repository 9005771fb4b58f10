"""Idle, half-open and slow clients cannot lock a new client out of the server (waitress, as `mgkg serve` runs it).

Each test holds many connections open against a real server on a loopback port, then asks a new client's
`ASK {}` and expects its answer (within a generous 10 s: the assertion is "answered", not a timing).
"""

from __future__ import annotations

import http.client
import resource
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from support.connections import ANSWER, PARTIAL_BODY, PARTIAL_HEADERS, ask, dribbling, held_open
from support.serving import serving

from graph.core.config import Settings
from graph.store import EmbeddedStore
from server.app import create_app
from server.serve import FILE_RESERVE, ServeError, adjustments, listen, loop, raise_open_file_limit, stop_server, url_of


def settings(**limits: float) -> Settings:
    """Loopback settings with two threads (fewer threads than clients), plus `limits`."""
    return Settings(store="memory", host="127.0.0.1", port=0, threads=2, **limits)  # type: ignore[arg-type]


def closed_by_server(client: socket.socket) -> bool:
    """Whether the server closes `client` (or resets it) within ANSWER seconds."""
    client.settimeout(ANSWER)
    try:
        while client.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


def test_500_idle_connections_do_not_lock_a_new_client_out(store: EmbeddedStore) -> None:
    config = settings()
    with serving(create_app(config, store), config) as url, held_open(url, 500):
        assert ask(url) == 200


def test_half_open_requests_do_not_hold_the_threads(store: EmbeddedStore) -> None:
    config = settings()
    with (
        serving(create_app(config, store), config) as url,
        held_open(url, 150, PARTIAL_HEADERS),
        held_open(url, 150, PARTIAL_BODY),
    ):
        assert ask(url) == 200


def test_slow_loris_headers_do_not_hold_the_threads(store: EmbeddedStore) -> None:
    config = settings()
    with (
        serving(create_app(config, store), config) as url,
        held_open(url, 50, PARTIAL_HEADERS) as slow,
        dribbling(slow),
    ):
        assert ask(url) == 200
        assert ask(url) == 200


@pytest.mark.parametrize("first", [b"", PARTIAL_HEADERS, PARTIAL_BODY], ids=["idle", "headers", "body"])
def test_idle_connections_are_closed_after_the_idle_timeout(store: EmbeddedStore, first: bytes) -> None:
    config = settings(idle_timeout=1.0)
    with serving(create_app(config, store), config) as url, held_open(url, 5, first) as held:
        assert all(closed_by_server(client) for client in held)
        assert ask(url) == 200


def test_more_idle_connections_than_the_limit_wait_and_are_answered_once_reaped(store: EmbeddedStore) -> None:
    config = settings(connection_limit=20, idle_timeout=1.0)
    with serving(create_app(config, store), config) as url, held_open(url, 40):
        assert ask(url) == 200


def test_a_connection_limit_not_above_the_threads_is_refused_in_one_line(store: EmbeddedStore) -> None:
    with pytest.raises(ServeError, match=r"^connection_limit \(2\) must be above threads \(2\), or idle"):
        listen(create_app(settings(), store), settings(connection_limit=2), {})


def test_the_settings_reach_waitress() -> None:
    tuned = adjustments(settings(connection_limit=5000, idle_timeout=45.0, max_body=100))
    assert tuned["connection_limit"] == 5000 and tuned["channel_timeout"] == 45.0
    assert tuned["cleanup_interval"] <= 45.0 / 2
    assert tuned["asyncore_use_poll"] is True  # select() cannot watch a file descriptor above 1024
    assert tuned["max_request_body_size"] > 100  # the app's own one-line 413 answers a body just too large


def test_the_open_file_limit_is_raised_to_the_hard_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard < 2 * FILE_RESERVE:
        pytest.skip(f"the hard open-file limit ({hard}) leaves nothing to raise here")
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_RESERVE * 2, hard))
        assert raise_open_file_limit(settings(connection_limit=10)) is None
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)
        warning = raise_open_file_limit(settings(connection_limit=hard))
        assert warning == (
            f"the open-file limit ({hard}) is below connection_limit + {FILE_RESERVE} ({hard + FILE_RESERVE}): "
            "raise it (ulimit -n) or lower connection_limit"
        )
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _loop_in_thread(app: Any, passes: list[int]) -> Iterator[str]:
    """Serve `app` as `mgkg serve` does, counting the passes of waitress' loop in `passes[0]`."""
    config = settings()
    socket_map: dict[int, Any] = {}
    server = listen(app, config, socket_map)
    stopping = threading.Event()

    def tick() -> None:
        passes[0] += 1

    thread = threading.Thread(target=loop, args=(server, socket_map, lambda: not stopping.is_set(), tick), daemon=True)
    thread.start()
    try:
        yield url_of(server.effective_port, config)
    finally:
        server.task_dispatcher.shutdown(timeout=10)
        stopping.set()
        server.pull_trigger()
        thread.join()
        stop_server(server, socket_map)


def _get_from_clients(url: str, clients: int, requests: int) -> list[bytes]:
    """Every body `clients` threads got, each asking `requests` times over one kept-alive connection."""
    bodies: list[bytes] = []

    def client() -> None:
        connection = http.client.HTTPConnection(url.split("//")[1], timeout=30)
        for _ in range(requests):
            connection.request("GET", "/")
            bodies.append(connection.getresponse().read())
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return bodies


def test_the_loop_does_not_spin_while_workers_finish_their_answers() -> None:
    """A worker still busy after writing its answer (logging it, say) once made the loop poll again and again
    (tens of passes a request with 4 clients), holding the GIL the worker needed: now a pass or two."""

    def app(environ: Any, start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"answer"
        end = time.monotonic() + 0.002  # work after the answer is written
        while time.monotonic() < end:
            pass

    passes = [0]
    with contextmanager(_loop_in_thread)(app, passes) as url:
        _get_from_clients(url, 1, 1)
        passes[0] = 0
        bodies = _get_from_clients(url, 4, 25)
    assert bodies == [b"answer"] * 100
    assert passes[0] / 100 < 10


def test_large_answers_to_concurrent_clients_arrive_whole() -> None:
    body = bytes(range(256)) * (24 * 1024)  # 6 MB: far more than a socket buffer

    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [body[i : i + 65536] for i in range(0, len(body), 65536)]

    with contextmanager(_loop_in_thread)(app, [0]) as url:
        assert _get_from_clients(url, 4, 3) == [body] * 12
