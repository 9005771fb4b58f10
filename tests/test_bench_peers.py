"""The peers of `make bench` and how a query measurement ends: cut off, refused, not supported; the private Virtuoso
that the bench and the remote-store tests share (benchmarks/virtuoso.py); conditional GETs. No timings asserted."""

from __future__ import annotations

import argparse
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.virtuoso import virtuoso

from benchmarks import clients, peers
from benchmarks import virtuoso as shared
from benchmarks.clients import Refused, gets_per_second, has_etag
from benchmarks.measure import query_figures, rate
from benchmarks.virtuoso import VirtuosoUnavailable

REPO = Path(__file__).resolve().parent.parent
ANSWER = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://x/1"}},{}]}}'


def raises(error: BaseException) -> bytes:
    raise error


def test_a_measured_query_has_its_percentiles_and_rows() -> None:
    figures = query_figures(lambda: ANSWER, runs=3, budget=60)
    assert figures["runs"] == 3 and figures["rows"] == 2 and figures["timed_out"] is False


@pytest.mark.parametrize("ask", [
    lambda: raises(TimeoutError("client gave up")),
    lambda: ANSWER[:40] + b"The SPARQL operation has been cancelled",  # Oxigraph's server after its 200 began
    lambda: raises(Refused("/q", 503, b'{"ok": false, "error": "query timed out after 60 s", "status": 503}')),
    lambda: raises(Refused("/sparql", 500, b"Virtuoso S1T00 Error SR171: Transaction timed out")),
])
def test_a_query_cut_off_anyhow_is_timed_out_not_a_number(ask: object) -> None:
    assert query_figures(ask, runs=3, budget=60) == {"runs": 0, "timed_out": True}  # type: ignore[arg-type]


def test_a_refused_text_is_not_supported_for_a_peer_and_stops_the_bench_otherwise() -> None:
    def refused() -> bytes:
        raise Refused("/sparql", 400, b"Virtuoso 37000 Error SP030: SPARQL compiler, line 3: syntax error")

    figures = query_figures(refused, runs=3, budget=60, refusals=True)
    assert figures == {"runs": 0, "timed_out": False,
                       "unsupported": "HTTP 400: Virtuoso 37000 Error SP030: SPARQL compiler, line 3: syntax error"}
    with pytest.raises(SystemExit, match=r"^GET /sparql: HTTP 400: b'Virtuoso 37000"):
        query_figures(refused, runs=3, budget=60)

    def gave_up() -> bytes:
        raise Refused("/sparql", 500, b"Virtuoso 22026 Error SR319: Max row length is exceeded")

    assert query_figures(gave_up, runs=3, budget=60, refusals=True)["failed"] == (
        "HTTP 500: Virtuoso 22026 Error SR319: Max row length is exceeded")


def test_the_rdflib_endpoint_system_needs_its_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(peers, "RDFLIB_ENDPOINT", "/nonexistent/rdflib-endpoint")
    with pytest.raises(SystemExit, match=r"^no rdflib-endpoint command at /nonexistent/rdflib-endpoint: install"):
        peers.run_rdflib_endpoint(tmp_path / "data.nq", tmp_path, argparse.Namespace())


def test_another_program_on_rdflib_endpoints_port_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    monkeypatch.setattr(clients, "free_port", lambda: other.server_port)
    idle = tmp_path / "rdflib-endpoint"  # runs, binds nothing
    idle.write_text("#!/bin/sh\nexec sleep 60\n", encoding="utf-8")
    idle.chmod(0o755)
    try:
        with pytest.raises(SystemExit, match=rf"port {other.server_port} is answered by SimpleHTTP/\S+ Python/\S+ "
                                             r"\(200\), not by rdflib-endpoint's uvicorn$"):
            clients.RdflibEndpointServer(str(idle), tmp_path / "data.nq")
    finally:
        other.shutdown()


def test_virtuoso_missing_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shared.shutil, "which", lambda _name: None)
    with pytest.raises(VirtuosoUnavailable, match=r"^Virtuoso is not installed \(Debian: .*make virtuoso-deps"), \
            shared.running_virtuoso(tmp_path, 1, 2):
        pass
    args = argparse.Namespace(limit=60.0)
    (tmp_path / "data.nq").touch()
    with pytest.raises(SystemExit, match=r"^virtuoso: Virtuoso is not installed"):
        peers.run_virtuoso(tmp_path / "data.nq", tmp_path, args)


@pytest.mark.slow
@pytest.mark.remote
def test_virtuosos_bulk_loader_loads_quads_and_reports_a_file_it_cannot(tmp_path: Path) -> None:
    with virtuoso(tmp_path) as server:
        good, bad = tmp_path / "good.nq", tmp_path / "bad.nq"
        good.write_text("<http://x/s> <http://x/p> \"o\" <http://x/g> .\n<http://x/s> <http://x/p> <http://x/o> .\n")
        server.bulk_load(good, "http://x/default")
        counted = server.isql("SPARQL SELECT COUNT(*) FROM <http://x/g> FROM <http://x/default> WHERE { ?s ?p ?o };")
        assert "\n2\n" in counted.replace(" ", "")
        bad.write_text("<http://x/s> <http://x/p> this is not N-Quads .\n")
        with pytest.raises(VirtuosoUnavailable, match=r"^the bulk loader did not load bad\.nq: .*bad\.nq"):
            server.bulk_load(bad, "http://x/default")
        with pytest.raises(VirtuosoUnavailable, match=r"SQ074|not defined|Undefined"):
            server.isql("SELECT no_such_function();")


@pytest.fixture
def etag_server() -> Iterator[tuple[str, list[int]]]:
    """A server answering GET /q with an ETag, and 304 to If-None-Match with it; the statuses it sent."""
    sent: list[int] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status = 304 if self.headers.get("If-None-Match") == '"v1"' else 200
            sent.append(status)
            body = b"" if status == 304 else ANSWER
            self.send_response(status)
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", sent
    server.shutdown()


def test_conditional_gets_send_the_first_answers_etag_and_count_304s(etag_server: tuple[str, list[int]]) -> None:
    url, sent = etag_server
    assert has_etag(url, "/q")
    assert gets_per_second(url, ["/q"], 2, 0.3, conditional=True) > 0
    assert sent.count(200) == 3 and sent.count(304) > 0  # has_etag's GET and each client's first: the only 200s
    sent.clear()
    assert gets_per_second(url, ["/q"], 1, 0.3) > 0 and set(sent) == {200}  # plain: never conditional


def test_an_unknown_part_to_skip_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.systems", "mgkg", "data.nq", "out.json", "--triples", "1", "--skip",
         "validate,bogus"], cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 2
    assert "--skip: unknown part bogus (parts: validate, store, memory, workers)" in done.stderr


def test_a_lookup_rate_is_over_the_time_the_lookups_took(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each lookup of 2 s in a run of 3 s: 2 lookups in 4 s are 0.5/s, not 2 / 3."""
    clock = [100.0]
    monkeypatch.setattr("benchmarks.measure.time.monotonic", lambda: clock[0])

    def lookup(_subject: str) -> None:
        clock[0] += 2.0

    assert rate(lookup, ["s"], 3.0) == 0.5
