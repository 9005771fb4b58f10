"""The bench's HTTP clients (benchmarks/clients.py): a refused answer stops a measurement with one line, never a
hang — a client process that raised SystemExit used to leave its pool, and the other clients at the start
barrier, waiting for ever."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from benchmarks.clients import gets_per_second


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
