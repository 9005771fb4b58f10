"""Idle, half-open, slow and stalled clients against `mgkg serve` as users run it (granian, a process of its own):
none of them locks a new client out below the documented bound, and each kind is closed when it should be.

Each test holds many connections open against the server, then asks a new client's `ASK {}` and expects its
answer (within a generous 10 s: the assertion is "answered", not a timing). The bound (README "Reliability"):
`connection_limit` connections per process, idle ones closed after `idle_timeout`; a client stalled in its body
holds its connection until it leaves (the last test shows it).
"""

from __future__ import annotations

import resource
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rdflib import Dataset
from support.connections import (
    ANSWER,
    PARTIAL_BODY,
    PARTIAL_HEADERS,
    address,
    ask,
    dribbling,
    held_open,
)
from support.mgkg_serve import Server, start

from graph.build import write_store
from graph.core.config import Settings
from server.http_server import Limits, limits
from server.serve import (
    FILE_RESERVE,
    THREAD_RESERVE,
    ServeError,
    cgroup_task_room,
    listen,
    raise_open_file_limit,
    thread_limit_warning,
)

pytestmark = pytest.mark.slow
KEPT_ALIVE = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n"
"""A whole request: its connection stays open, kept alive, once the answer is read."""


def settings(**limits: float) -> Settings:
    """Loopback settings with two threads (fewer threads than clients), plus `limits`."""
    return Settings(store="memory", host="127.0.0.1", port=0, threads=2, **limits)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def data_dir(built: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the built graph in an on-disk Oxigraph store."""
    folder = tmp_path_factory.mktemp("data")
    write_store(built, f"oxigraph:{folder / 'store'}")
    return folder


def serve(data_dir: Path, **env: str) -> Server:
    """`mgkg serve` on any free port with two query threads and the MGKG_* settings `env`."""
    return start("--data-dir", str(data_dir), "serve", "--port", "0", "--threads", "2", env=env)


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[Server]:
    """`mgkg serve` with the default limits."""
    running = serve(data_dir)
    yield running
    assert running.stop() == 0
    assert "Traceback" not in running.stderr_text()


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


def test_500_idle_connections_do_not_lock_a_new_client_out(server: Server) -> None:
    with held_open(server.url, 500):
        assert ask(server.url) == 200


def test_half_sent_headers_and_stalled_bodies_do_not_lock_a_new_client_out(server: Server) -> None:
    with held_open(server.url, 150, PARTIAL_HEADERS), held_open(server.url, 150, PARTIAL_BODY):
        assert ask(server.url) == 200
        assert ask(server.url) == 200


def test_slow_loris_headers_do_not_lock_a_new_client_out(server: Server) -> None:
    with held_open(server.url, 50, PARTIAL_HEADERS) as slow, dribbling(slow):
        assert ask(server.url) == 200
        assert ask(server.url) == 200


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_10_mb_body_gets_a_one_line_413_and_the_server_answers_the_next_client(server: Server, chunked: bool) -> None:
    body = b"ASK {} #" + b"x" * (10 * 1024 * 1024)
    data = iter([body[i : i + 65536] for i in range(0, len(body), 65536)]) if chunked else body
    answer = requests.post(server.url + "/sparql", data=data, timeout=60,
                           headers={"Content-Type": "application/sparql-query"})
    assert answer.status_code == 413
    assert len(answer.text.strip().splitlines()) == 1 and "Traceback" not in answer.text
    assert ask(server.url) == 200


@pytest.mark.parametrize("first", [b"", PARTIAL_HEADERS, KEPT_ALIVE], ids=["idle", "headers", "kept-alive"])
def test_connections_without_a_whole_request_are_closed_after_the_idle_timeout(data_dir: Path, first: bytes) -> None:
    running = serve(data_dir, MGKG_IDLE_TIMEOUT="1")
    try:
        with held_open(running.url, 5, first) as held:
            assert all(closed_by_server(client) for client in held)
        assert ask(running.url) == 200
    finally:
        assert running.stop() == 0


def test_dribbled_headers_are_closed_after_the_idle_timeout_though_never_idle(data_dir: Path) -> None:
    running = serve(data_dir, MGKG_IDLE_TIMEOUT="1")
    try:
        with held_open(running.url, 5, PARTIAL_HEADERS) as slow, dribbling(slow, interval=0.1):
            assert all(closed_by_server(client) for client in slow)
    finally:
        assert running.stop() == 0


def test_more_idle_connections_than_the_limit_wait_and_are_answered_once_closed(data_dir: Path) -> None:
    running = serve(data_dir, MGKG_CONNECTION_LIMIT="20", MGKG_IDLE_TIMEOUT="1")
    try:
        with held_open(running.url, 40):
            assert ask(running.url) == 200
    finally:
        assert running.stop() == 0


def test_stalled_bodies_take_connections_not_the_threads_below_the_limit(data_dir: Path) -> None:
    running = serve(data_dir, MGKG_CONNECTION_LIMIT="20")
    try:
        with held_open(running.url, 19, PARTIAL_BODY):  # far more than the 2 query threads: one app thread each
            assert ask(running.url) == 200
    finally:
        assert running.stop() == 0


def test_stalled_bodies_hold_their_connections_until_their_clients_leave(data_dir: Path) -> None:
    """The documented bound, shown: `connection_limit` clients stalled in their bodies are not closed by the idle
    timeout (granian reads a body in the app's thread, without a deadline), and a new client waits until they
    leave."""
    running = serve(data_dir, MGKG_CONNECTION_LIMIT="20", MGKG_IDLE_TIMEOUT="1")
    try:
        with held_open(running.url, 20, PARTIAL_BODY) as stalled:
            stalled[0].settimeout(3)
            with pytest.raises(TimeoutError):
                stalled[0].recv(1)  # three times the idle timeout: still open
            waiting = socket.create_connection(address(running.url), timeout=3)
            waiting.sendall(KEPT_ALIVE)
            with pytest.raises(TimeoutError):
                waiting.recv(1)  # not accepted: every connection slot is held
        waiting.settimeout(ANSWER)
        assert waiting.recv(12) == b"HTTP/1.1 200"  # the stalled clients left: answered
        waiting.close()
    finally:
        assert running.stop() == 0


def test_a_connection_limit_not_above_the_threads_is_refused_in_one_line() -> None:
    with pytest.raises(ServeError, match=r"^connection_limit \(2\) must be above threads \(2\), or idle"):
        listen(settings(connection_limit=2))


def test_the_listening_socket_sends_without_waiting_for_acks() -> None:
    listener = listen(settings())
    try:  # TCP_NODELAY, inherited by the connections granian accepts on it
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        listener.close()


def test_the_settings_reach_granian() -> None:
    assert limits(settings(connection_limit=5000, idle_timeout=45.0)) == Limits(
        connections=5000, app_threads=5000, header_timeout_ms=45000
    )
    assert limits(settings(idle_timeout=0.0001)).header_timeout_ms == 1


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


@pytest.mark.parametrize(("lines", "files", "room"), [
    ("0::/a/b\n", {"a/b/pids.max": "500\n", "a/b/pids.current": "20\n"}, 480),  # cgroup v2
    ("4:memory:/m\n8:pids:/x\n0::/\n", {"pids/x/pids.max": "300", "pids/x/pids.current": "7"}, 293),  # v1's controller
    ("0::/a\n", {"a/pids.max": "max\n", "a/pids.current": "3\n"}, None),  # unbounded
    ("0::/gone\n", {}, None),  # no such files
    ("garbage\n", {}, None),
])
def test_the_cgroups_room_for_threads_is_read(tmp_path: Path, lines: str, files: dict[str, str],
                                              room: int | None) -> None:
    (tmp_path / "cgroup").write_text(lines, encoding="utf-8")
    for name, text in files.items():
        (tmp_path / "fs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "fs" / name).write_text(text, encoding="utf-8")
    assert cgroup_task_room(tmp_path / "cgroup", tmp_path / "fs") == room


def test_too_few_threads_for_the_connection_limit_is_a_warning() -> None:
    limits = settings(connection_limit=1000)
    assert thread_limit_warning(limits, task_room=5000, nproc=None) is None
    assert thread_limit_warning(limits, task_room=1064, nproc=1064) is None
    assert thread_limit_warning(limits, task_room=900, nproc=None) == (
        f"the cgroup's pids.max leaves room for 900 threads, below connection_limit + {THREAD_RESERVE} (1064): a "
        "thread refused under load would stop the server; lower connection_limit or raise the limit"
    )
    assert "ulimit -u" in (thread_limit_warning(limits, task_room=None, nproc=100) or "")
