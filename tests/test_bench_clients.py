"""The bench's HTTP clients (benchmarks/clients.py): a refused answer stops a measurement with one line, never a
hang — a client process that raised SystemExit used to leave its pool, and the other clients at the start
barrier, waiting for ever."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from benchmarks.clients import gets_per_second, request


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # the name http.server calls
        """200 for /good, 503 for anything else."""
        status = 200 if self.path == "/good" else 503
        body = b"{}"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def url() -> Iterator[str]:
    """A local server answering 200 on /good and 503 elsewhere."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _measure(url: str, paths: list[str], clients: int) -> BaseException | float | None:
    outcome: list[BaseException | float] = []

    def run() -> None:
        try:
            outcome.append(gets_per_second(url, paths, clients, 0.2))
        except BaseException as error:  # SystemExit is the expected one
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(120)
    return outcome[0] if outcome else None


@pytest.mark.parametrize("paths", [["/bad"], ["/good", "/bad"], ["/bad", "/good"]])
def test_a_refused_warm_up_stops_the_measurement_with_one_line(url: str, paths: list[str]) -> None:
    outcome = _measure(url, paths, 2)
    assert outcome is not None, "the measurement hung"
    assert isinstance(outcome, SystemExit) and "GET /bad: HTTP 503" in str(outcome)


def test_answers_are_counted(url: str) -> None:
    outcome = _measure(url, ["/good"], 2)
    assert isinstance(outcome, float) and outcome > 0


def test_a_kept_alive_connection_the_server_closed_is_opened_again() -> None:
    """A server closing an idle kept-alive connection (mgkg's idle_timeout) costs the next GET a new connection, not
    the whole benchmark (`make bench-large` lost its mgkg figures at 10M to RemoteDisconnected)."""
    listener = socket.create_server(("127.0.0.1", 0))
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"

    def serve(connections: int) -> None:
        for _ in range(connections):
            client, _ = listener.accept()
            with client:
                client.recv(65536)
                client.sendall(answer)  # kept alive as far as the client knows, then closed

    thread = threading.Thread(target=serve, args=(2,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        assert request(url, "/first")[0] == 200
        time.sleep(0.2)  # the server has closed it
        assert request(url, "/second")[0] == 200
    finally:
        thread.join(5)
        listener.close()
