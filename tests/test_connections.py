"""Idle, half-open and slow clients cannot lock a new client out of the server (waitress, as `mgkg serve` runs it).

Each test holds many connections open against a real server on a loopback port, then asks a new client's
`ASK {}` and expects its answer (within a generous 10 s: the assertion is "answered", not a timing).
"""

from __future__ import annotations

import resource
import socket

import pytest
from support.connections import ANSWER, PARTIAL_BODY, PARTIAL_HEADERS, ask, dribbling, held_open
from support.serving import serving

from graph.core.config import Settings
from graph.store import EmbeddedStore
from server.app import create_app
from server.serve import FILE_RESERVE, ServeError, adjustments, listen, raise_open_file_limit


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
