"""`mgkg serve` as a real process on a loopback port, queried by real clients (SPARQLWrapper, rdflib, requests).

Also: one log line per request on stderr, SIGTERM stops it with exit 0, and a port in use or a missing store
is one line on stderr with exit 2.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
import requests
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper
from support.connections import PARTIAL_BODY, PARTIAL_HEADERS, ask, dribbling, held_open
from support.mgkg_serve import START_TIMEOUT, Server, mgkg, start
from support.ports import reserved_ports

from graph.build import write_store
from graph.store import open_store

pytestmark = pytest.mark.slow
MGKG = "https://w3id.org/mgkg/ontology#"
TC_0287 = "https://w3id.org/mgkg/id/project/tc-0287"
PROJECTS = f"SELECT ?project ?id WHERE {{ ?project <{MGKG}projectsId> ?id }} ORDER BY ?id"


@pytest.fixture(scope="module")
def data_dir(built: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the built graph in an on-disk Oxigraph store."""
    folder = tmp_path_factory.mktemp("data")
    write_store(built, f"oxigraph:{folder / 'store'}")
    return folder


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[Server]:
    """`mgkg --data-dir DATA serve --port 0` (any free port) for the client tests."""
    running = start("--data-dir", str(data_dir), "serve", "--host", "127.0.0.1", "--port", "0", "--threads", "4")
    yield running
    if running.process.poll() is None:
        running.stop()


def endpoint(server: Server) -> str:
    """The SPARQL endpoint URL of `server`."""
    return server.url + "/sparql"


def test_sparqlwrapper_select_json(server: Server) -> None:
    client = SPARQLWrapper(endpoint(server))
    client.setQuery(PROJECTS)
    client.setReturnFormat(JSON)
    result = client.query().convert()
    assert isinstance(result, dict)
    rows = result["results"]["bindings"]
    assert {"type": "uri", "value": TC_0287} in [row["project"] for row in rows]
    assert "TC.0287" in [row["id"]["value"] for row in rows]


def test_sparqlwrapper_ask_and_post(server: Server) -> None:
    client = SPARQLWrapper(endpoint(server))
    client.setMethod("POST")
    client.setReturnFormat(JSON)
    client.setQuery(f'ASK {{ <{TC_0287}> <{MGKG}projectsId> "TC.0287" }}')
    assert client.query().convert() == {"head": {}, "boolean": True}
    client.setQuery(f"ASK {{ <{TC_0287}> a <{MGKG}Country> }}")
    assert client.query().convert() == {"head": {}, "boolean": False}


def test_sparqlwrapper_construct_turtle(server: Server) -> None:
    client = SPARQLWrapper(endpoint(server))
    client.setQuery(f"CONSTRUCT {{ ?p <{MGKG}projectsId> ?id }} WHERE {{ ?p <{MGKG}projectsId> ?id }}")
    client.setReturnFormat(TURTLE)
    data = client.query().convert()
    assert isinstance(data, bytes)
    graph = Graph().parse(data=data, format="turtle")
    assert (URIRef(TC_0287), URIRef(f"{MGKG}projectsId"), Literal("TC.0287")) in graph


def test_rdflib_sparqlstore(server: Server) -> None:
    graph = Graph(store=SPARQLStore(query_endpoint=endpoint(server), returnFormat="xml"))
    ids = {str(row[1]) for row in graph.query(PROJECTS)}  # type: ignore[index]
    assert "TC.0287" in ids
    assert (URIRef(TC_0287), URIRef(f"{MGKG}projectsId"), Literal("TC.0287")) in graph
    assert (URIRef(TC_0287), None, URIRef(f"{MGKG}Country")) not in graph


def test_requests_page_and_named_query(server: Server) -> None:
    page = requests.get(server.url + "/", timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "project-by-id" in page.text
    asset = requests.get(server.url + "/static/vendor/codemirror/codemirror.js", timeout=10)
    assert asset.status_code == 200 and len(asset.content) > 100_000
    named = requests.get(server.url + "/queries/project-by-id", params={"id": "TC.0287"},
                         headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert named.status_code == 200, named.text
    assert "TC.0287" in named.text


def test_every_request_is_logged_on_one_line(server: Server) -> None:
    requests.get(server.url + "/static/style.css", timeout=10)
    missing = requests.get(server.url + "/no-such-page", timeout=10)
    logged = server.wait_for(r"^\S+ 127\.0\.0\.1 GET /no-such-page 404 (\d+) [\d.]+ms$")
    assert int(logged[1]) == len(missing.content)
    server.wait_for(r" GET /static/style\.css 200 \d+ [\d.]+ms$")
    requests.get(server.url + "/forged%0A2025-01-01T00:00:00%20127.0.0.1%20GET", timeout=10)
    server.wait_for(r" GET /forged%0A2025-01-01T00:00:00%20127\.0\.0\.1%20GET 404 ")
    assert "Traceback" not in server.stderr_text()


def test_sigterm_stops_cleanly_and_settings_come_from_the_environment(built: Dataset, tmp_path: Path) -> None:
    spec = f"oxigraph:{tmp_path / 'store'}"
    write_store(built, spec)
    with reserved_ports() as (port,):  # the server's own process binds it: port 0 would not test MGKG_PORT
        environ = {"MGKG_PORT": str(port), "MGKG_MAX_ROWS": "1", "MGKG_UPDATE_TOKEN": "s3cret"}
        running = start("--store", spec, "serve", env=environ)
    assert running.url == f"http://127.0.0.1:{port}"
    running.wait_for(r"^mgkg: store oxigraph:\S+, writes on")
    response = requests.get(running.url + "/sparql", params={"query": PROJECTS},
                            headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert response.headers["X-MGKG-Rows"] == "1" and response.headers["X-MGKG-Truncated"] == "true"
    assert running.stop(signal.SIGTERM) == 0
    assert running.stderr_text().endswith("mgkg: stopped\n")
    assert "Traceback" not in running.stderr_text() and "s3cret" not in running.stderr_text()
    reopened = open_store(spec)  # the writable store was closed: its lock is free again
    assert len(reopened) > 0
    reopened.close()


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (its children, theirs, …)."""
    found: list[int] = []
    with suppress(OSError):
        for child in children(pid):
            found += [child, *descendants(child)]
    return found


def test_the_query_processes_stop_with_their_server(data_dir: Path) -> None:
    running = start("--data-dir", str(data_dir), "serve", "--port", "0", "--threads", "2")
    answer = requests.get(running.url + "/sparql", params={"query": PROJECTS}, timeout=60,
                          headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200 and answer.json()["results"]["bindings"]  # a query process answered it
    below = descendants(running.process.pid)
    assert below
    assert running.stop(signal.SIGTERM) == 0
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in below) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in below if Path(f"/proc/{pid}").exists()] == []
    assert running.stderr_text().endswith("mgkg: stopped\n")


def test_sigint_stops_cleanly(data_dir: Path) -> None:
    running = start("--data-dir", str(data_dir), "serve", "--port", "0")
    assert running.stop(signal.SIGINT) == 0
    assert "Traceback" not in running.stderr_text()


def test_port_in_use_is_one_line_and_exit_2(data_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = mgkg("--data-dir", str(data_dir), "serve", "--port", str(port))
        _, err = process.communicate(timeout=START_TIMEOUT)
    assert process.returncode == 2
    assert err.strip().count("\n") == 0
    assert err.startswith("mgkg: error: ") and "already in use" in err and str(port) in err


def test_unknown_host_is_one_line_and_exit_2(data_dir: Path) -> None:
    process = mgkg("--data-dir", str(data_dir), "serve", "--host", "no such host", "--port", "0")
    _, err = process.communicate(timeout=START_TIMEOUT)
    assert process.returncode == 2
    assert err == "mgkg: error: cannot listen on no such host:0: unknown host or address\n"


def test_missing_store_is_one_line_and_exit_2(tmp_path: Path) -> None:
    process = mgkg("--data-dir", str(tmp_path / "nothing"), "serve", "--port", "0")
    _, err = process.communicate(timeout=START_TIMEOUT)
    assert process.returncode == 2
    assert err.strip() == f"mgkg: error: no graph at {tmp_path / 'nothing' / 'store'}: run `mgkg build` first"


def test_bad_flag_value_is_refused_before_anything_starts(data_dir: Path) -> None:
    process = mgkg("--data-dir", str(data_dir), "serve", "--threads", "0")
    _, err = process.communicate(timeout=START_TIMEOUT)
    assert process.returncode == 2
    assert "--threads" in err and "Traceback" not in err


def children(pid: int) -> list[int]:
    """The child processes of `pid` (Linux /proc)."""
    listed = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="utf-8").split()
    return [int(child) for child in listed]


def test_workers_serve_one_socket_from_several_processes(data_dir: Path) -> None:
    running = start("--data-dir", str(data_dir), "serve", "--port", "0", "--workers", "2", "--threads", "2")
    try:
        running.wait_for(r"^mgkg: store oxigraph:\S+, writes off, 2 processes; Ctrl-C to stop$")
        deadline = time.monotonic() + START_TIMEOUT
        while len(children(running.process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(children(running.process.pid)) == 2
        etags = set()
        for _ in range(10):  # a new connection each time: any worker may take it
            response = requests.get(running.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"},
                                    headers={"Accept": "application/sparql-results+json"}, timeout=10)
            assert response.status_code == 200 and response.json()["boolean"] is True
            etags.add(response.headers["ETag"])
        assert len(etags) == 1  # the processes agree on the store's state
        named = requests.get(running.url + "/queries/project-by-id", params={"id": "TC.0287"}, timeout=10)
        assert named.status_code == 200 and "TC.0287" in named.text
        running.wait_for(r" GET /queries/project-by-id 200 \d+ [\d.]+ms$")
    finally:
        code = running.stop(signal.SIGTERM)
    assert code == 0
    assert running.stderr_text().endswith("mgkg: stopped\n")
    assert "Traceback" not in running.stderr_text() and "SIGSEGV" not in running.stderr_text()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_workers_answer_the_requests_in_progress_when_stopped(data_dir: Path, sig: int) -> None:
    """A stop is graceful whichever signal: a request whose body is still arriving is answered."""
    running = start("--data-dir", str(data_dir), "serve", "--port", "0", "--workers", "2", "--threads", "2")
    body = b"ASK { ?s ?p ?o }"
    head = (f"POST /sparql HTTP/1.1\r\nHost: mgkg\r\nContent-Type: application/sparql-query\r\n"
            f"Accept: application/sparql-results+json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    try:
        running.wait_for(r"^mgkg: store oxigraph:\S+, writes off, 2 processes; Ctrl-C to stop$")
        host, port = running.url.removeprefix("http://").split("/")[0].rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=30) as client:
            client.sendall(head + body[:5])
            time.sleep(1.0)  # the worker has the request and reads its body
            running.process.send_signal(sig)
            time.sleep(1.0)  # the stop has begun
            client.sendall(body[5:])
            answer = b""
            while b"true" not in answer and (part := client.recv(65536)):
                answer += part
        assert answer.startswith(b"HTTP/1.1 200") and b'"boolean":true' in answer.replace(b" ", b"")
    finally:
        code = running.process.wait(timeout=60)
    assert code == 0


def established(pid: int, port: int) -> int:
    """How many established TCP connections to local `port` process `pid` holds (Linux /proc)."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text(encoding="utf-8").splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # 01: ESTABLISHED
                inodes.add(fields[9])
    held = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with suppress(OSError):
            held += os.readlink(fd).removeprefix("socket:[").removesuffix("]") in inodes
    return held


def test_workers_share_kept_alive_clients(data_dir: Path) -> None:
    running = start("--data-dir", str(data_dir), "serve", "--port", "0", "--workers", "2", "--threads", "2")
    try:
        running.wait_for(r"^mgkg: store oxigraph:\S+, writes off, 2 processes; Ctrl-C to stop$")
        clients = [requests.Session() for _ in range(16)]  # opened at once, each kept alive
        for client in clients:
            assert client.get(running.url + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200
        port = int(running.url.rsplit(":", 1)[1])
        held = [established(worker, port) for worker in children(running.process.pid)]
        assert sum(held) == 16 and min(held) > 0, held  # on one shared socket, one worker took all 16
        for client in clients:
            client.close()
    finally:
        assert running.stop() == 0


def test_workers_answer_a_new_client_past_idle_half_open_and_slow_connections(data_dir: Path) -> None:
    running = start("--data-dir", str(data_dir), "serve", "--port", "0", "--workers", "2", "--threads", "2")
    try:
        running.wait_for(r"^mgkg: store oxigraph:\S+, writes off, 2 processes; Ctrl-C to stop$")
        with (
            held_open(running.url, 500),
            held_open(running.url, 50, PARTIAL_BODY),
            held_open(running.url, 50, PARTIAL_HEADERS) as slow,
            dribbling(slow),
        ):
            assert [ask(running.url) for _ in range(4)] == [200] * 4  # new connections: any worker may take one
    finally:
        assert running.stop() == 0
    assert "Traceback" not in running.stderr_text()


def test_a_connection_limit_not_above_the_threads_is_one_line_and_exit_2(data_dir: Path) -> None:
    process = mgkg("--data-dir", str(data_dir), "serve", "--port", "0", "--threads", "4",
                   env={"MGKG_CONNECTION_LIMIT": "4"})
    _, err = process.communicate(timeout=START_TIMEOUT)
    assert process.returncode == 2
    assert err == (
        "mgkg: error: connection_limit (4) must be above threads (4), or idle connections lock new clients out\n"
    )


def test_no_in_memory_overrides_the_setting(data_dir: Path) -> None:
    env = {"MGKG_IN_MEMORY": "true", "MGKG_UPDATE_TOKEN": "t"}  # refused together: a copy takes no writes
    running = start("--data-dir", str(data_dir), "serve", "--port", "0", "--no-in-memory", env=env)
    try:
        running.wait_for(r"^mgkg: store oxigraph:\S+, writes on \(bearer token required\); Ctrl-C to stop$")
    finally:
        assert running.stop() == 0


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("--store", "memory"), {}, "mgkg: error: --workers 2 needs a store on disk or a remote store"),
        ((), {"MGKG_UPDATE_TOKEN": "t"}, "mgkg: error: --workers 2 opens the store read-only in each process"),
    ],
)
def test_workers_refuse_stores_they_cannot_share(
    data_dir: Path, args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    process = mgkg("--data-dir", str(data_dir), *args, "serve", "--port", "0", "--workers", "2", env=env)
    _, err = process.communicate(timeout=START_TIMEOUT)
    assert process.returncode == 2
    assert err.count("\n") == 1 and err.startswith(message), err


def test_workers_on_a_port_in_use_is_one_line_and_exit_2(data_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = mgkg("--data-dir", str(data_dir), "serve", "--port", str(port), "--workers", "2")
        _, err = process.communicate(timeout=START_TIMEOUT)
    assert process.returncode == 2
    assert err == f"mgkg: error: cannot listen on 127.0.0.1:{port}: the port is already in use (try --port)\n"


def test_workers_below_one_from_the_environment_is_one_line_and_exit_2(data_dir: Path) -> None:
    process = mgkg("--data-dir", str(data_dir), "serve", "--port", "0", env={"MGKG_WORKERS": "0"})
    _, err = process.communicate(timeout=START_TIMEOUT)
    assert process.returncode == 2
    assert err == "mgkg: error: workers must be at least 1, not 0\n"


def test_in_memory_serves_a_copy_of_the_store(built: Dataset, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    write_store(built, f"oxigraph:{folder / 'store'}")
    running = start("--data-dir", str(folder), "serve", "--port", "0", "--in-memory")
    try:
        count = running.wait_for(r"^mgkg: ([\d,]+) quads copied into memory in [\d.]+ s$")
        assert int(count[1].replace(",", "")) == sum(1 for _ in built.quads((None, None, None, None)))
        running.wait_for(r"^mgkg: store oxigraph:\S+ \(a copy in memory\), writes off; Ctrl-C to stop$")
        write_store(Dataset(), f"oxigraph:{folder / 'store'}")  # the disk changes; the copy served does not
        answer = SPARQLWrapper(endpoint(running))
        answer.setQuery(PROJECTS)
        answer.setReturnFormat(JSON)
        rows = answer.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
        assert {"type": "uri", "value": TC_0287} in [row["project"] for row in rows]
    finally:
        assert running.stop() == 0


def test_in_memory_workers_each_hold_a_copy(data_dir: Path) -> None:
    running = start("--data-dir", str(data_dir), "serve", "--port", "0", "--workers", "2", "--threads", "2",
                    env={"MGKG_IN_MEMORY": "true"})
    try:
        running.wait_for(r"^mgkg: store oxigraph:\S+ \(a copy in memory\), writes off, 2 processes")
        for _ in range(4):
            response = requests.get(running.url + "/sparql", params={"query": f"ASK {{ <{TC_0287}> ?p ?o }}"},
                                    headers={"Accept": "application/sparql-results+json"}, timeout=30)
            assert response.status_code == 200 and response.json()["boolean"] is True
    finally:
        assert running.stop() == 0
    assert "Traceback" not in running.stderr_text()


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("--store", "sparql:http://127.0.0.1:9/sparql"), {},
         "mgkg: error: --in-memory copies an embedded Oxigraph store; a remote store is served where it is\n"),
        ((), {"MGKG_UPDATE_TOKEN": "t"},
         "mgkg: error: --in-memory serves a read-only copy: writes (writers or an update token) need the store "
         "itself\n"),
    ],
)
def test_in_memory_refuses_what_a_copy_cannot_serve(
    data_dir: Path, args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    process = mgkg("--data-dir", str(data_dir), *args, "serve", "--port", "0", "--in-memory", env=env)
    _, err = process.communicate(timeout=START_TIMEOUT)
    assert process.returncode == 2
    assert err == message


def test_a_client_stalled_in_its_body_at_the_stop_is_reported_and_the_server_still_exits(data_dir: Path) -> None:
    """The stop waits `stop_grace` seconds for the request, says so, and leaves at once (exit 0), though the request
    still holds one of granian's threads."""
    running = start("--data-dir", str(data_dir), "serve", "--host", "127.0.0.1", "--port", "0",
                    env={"MGKG_STOP_GRACE": "0.5"})
    with held_open(running.url, 1, PARTIAL_BODY):
        time.sleep(0.5)  # the request is in: its app thread waits for the rest of the body
        started = time.monotonic()
        assert running.stop() == 0
        assert time.monotonic() - started < 10
    text = running.stderr_text()
    assert "mgkg: warning: requests still open after 0.5 s (clients stalled in their bodies)" in text
    assert "Traceback" not in text and "panicked" not in text
