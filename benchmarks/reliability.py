"""`make reliability`: hostile requests against `mgkg serve`, and the same bombs against Oxigraph's own server.

    .venv/bin/python -m benchmarks.reliability [--out benchmarks/reliability.md] [--timeout 5]

Builds the graph into a scratch folder, serves it (`mgkg serve`, defaults but `--timeout` and `query_memory`)
and tries, in order: depth bombs (the issue's 22 KB FILTER NOT EXISTS query, 10,000 nested groups), bodies
over `max_body`, eight runaway queries at once (while they run: how long `ASK {}` and a named query take; one
second after their 503s: how much CPU the server's processes still burn), a query that wants more memory than
`query_memory`, 500 idle connections and slow clients dribbling headers (how long a new client then waits).
After each: is the server alive and answering? The depth bombs are also sent to `oxigraph serve-read-only` on
the same data. Nothing is asserted (the tests do that: tests/test_hostile.py, tests/test_isolation.py,
tests/test_connections.py); the figures go to a Markdown table for the README's Reliability section.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from benchmarks.clients import MgkgServer, OxigraphServer, Server
from benchmarks.workload import tree_pss_mb
from graph.core.formats import SPARQL_QUERY

MGKG = str(Path(sys.executable).with_name("mgkg"))
OXIGRAPH = str(Path(sys.executable).with_name("oxigraph"))
FILTER_BOMB = "ASK { " + "FILTER NOT EXISTS { " * 1000 + "?s ?p ?o" + " }" * 1000 + " }"
GROUP_BOMB = "SELECT * WHERE " + "{ " * 10000 + "?s ?p ?o" + " }" * 10000
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
MEMORY_MB = 512
"""The server's query_memory here (its default, 2048, outlasts the 5 s time limit on this data)."""
HOG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?f ?c ?d LIMIT 1"


@dataclass
class Row:
    """One attack: what was sent, what came back, and whether the server still answered."""

    attack: str
    answer: str
    alive: bool
    figure: str = ""


def _request(url: str, method: str, path: str, body: bytes | None = None, content_type: str = "",
             timeout: float = 120) -> tuple[int | str, float]:
    """(status or the failure's name, seconds)."""
    parts = urllib.parse.urlsplit(url)
    start = time.perf_counter()
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        headers = {"Content-Type": content_type} if content_type else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - start
    except (OSError, http.client.HTTPException) as error:
        return type(error).__name__, time.perf_counter() - start
    finally:
        connection.close()


def _post_query(url: str, text: str, endpoint: str = "/sparql") -> tuple[int | str, float]:
    return _request(url, "POST", endpoint, text.encode(), SPARQL_QUERY.media_type)


def _ask(url: str, endpoint: str = "/sparql") -> tuple[int | str, float]:
    return _request(url, "GET", f"{endpoint}?query=" + urllib.parse.quote("ASK {}"), timeout=30)


def _alive(server: Server, endpoint: str = "/sparql") -> bool:
    return server.process.poll() is None and _ask(server.url, endpoint)[0] == 200


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by `pid` and its descendants."""
    total = 0.0
    tick = 100.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or _descends(int(stat.parent.name), pid):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _descends(child: int, ancestor: int) -> bool:
    current = child
    for _ in range(32):
        try:
            current = int(Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            return False
        if current == ancestor:
            return True
        if current <= 1:
            return False
    return False


def bombs(server: Server, rows: list[Row], who: str, endpoint: str) -> None:
    """The depth bombs and an oversized body."""
    for name, text in (("22 KB FILTER NOT EXISTS ×1000", FILTER_BOMB), ("10,000 nested { }", GROUP_BOMB)):
        status, _ = _post_query(server.url, text, endpoint)
        rows.append(Row(f"{who}: {name}", str(status), _alive(server, endpoint)))


def runaways(server: Server, rows: list[Row], count: int = 8) -> None:
    """`count` runaway queries at once; the time ASK {} and a named query take meanwhile; CPU after the 503s."""
    answers: list[tuple[int | str, float]] = []
    threads = [threading.Thread(target=lambda: answers.append(_post_query(server.url, RUNAWAY))) for _ in range(count)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    _, ask = _ask(server.url)
    named, named_s = _request(server.url, "GET", "/queries/projects-by-donor?format=json")
    for thread in threads:
        thread.join()
    time.sleep(1.0)
    before = _cpu_seconds(server.process.pid)
    time.sleep(1.0)
    burning = _cpu_seconds(server.process.pid) - before
    statuses = sorted({str(s) for s, _ in answers})
    rows.append(Row(f"{count} runaway cartesian COUNTs at once", " ".join(statuses), _alive(server),
                    f"meanwhile ASK {{}} {ask * 1000:.0f} ms, a named query {named_s * 1000:.0f} ms ({named}); "
                    f"CPU 1 s after the 503s: {burning * 100:.0f}% of a core"))


def memory_hog(server: Server, rows: list[Row]) -> None:
    """A query that sorts a cartesian product."""
    peak = [0.0]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], tree_pss_mb(server.process.pid))

    threading.Thread(target=watch, daemon=True).start()
    status, seconds = _post_query(server.url, HOG)
    done.set()
    rows.append(Row(f"cartesian ORDER BY (query_memory {MEMORY_MB} MB)", str(status), _alive(server),
                    f"after {seconds:.1f} s; server processes peaked at {peak[0]:,.0f} MB"))


def idle_connections(server: Server, rows: list[Row], count: int = 500) -> None:
    """`count` idle connections held open, then a new client."""
    parts = urllib.parse.urlsplit(server.url)
    held = []
    for _ in range(count):
        try:
            held.append(socket.create_connection((parts.hostname, parts.port), timeout=5))
        except OSError:
            break
    status, seconds = _ask(server.url)
    for connection in held:
        connection.close()
    rows.append(Row(f"{len(held)} idle connections held open", str(status), _alive(server),
                    f"a new client answered in {seconds * 1000:.0f} ms"))


def slow_clients(server: Server, rows: list[Row], count: int = 50) -> None:
    """`count` clients sending their headers one byte every 0.5 s, then a new client."""
    parts = urllib.parse.urlsplit(server.url)
    stop = threading.Event()

    def dribble() -> None:
        try:
            with socket.create_connection((parts.hostname, parts.port), timeout=5) as connection:
                for byte in b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10_000:
                    if stop.wait(0.5):
                        return
                    connection.send(bytes([byte]))
        except OSError:
            return

    threads = [threading.Thread(target=dribble, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    status, seconds = _ask(server.url)
    stop.set()
    rows.append(Row(f"{count} slow clients (headers at 2 bytes/s)", str(status), _alive(server),
                    f"a new client answered in {seconds * 1000:.0f} ms"))


def measure(timeout: float) -> list[Row]:
    """Every attack, against a fresh `mgkg serve` (and the bombs against Oxigraph's server)."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="mgkg-reliability-") as scratch:
        data = Path(scratch)
        subprocess.run([MGKG, "--data-dir", str(data), "build"], check=True, capture_output=True)
        spec = f"oxigraph:{data / 'store'}"
        os.environ["MGKG_QUERY_MEMORY"] = str(MEMORY_MB)
        with MgkgServer(MGKG, spec, "--timeout", f"{timeout:g}", "--threads", "8", "--max-rows", "10000") as served:
            bombs(served, rows, "mgkg", "/sparql")
            for size in (10.5, 64.0):
                body = b"x" * int(size * 1024 * 1024)
                status, _ = _request(served.url, "POST", "/sparql", body, SPARQL_QUERY.media_type)
                rows.append(Row(f"{size:g} MB body (max_body 10 MB)", str(status), _alive(served)))
            runaways(served, rows)
            memory_hog(served, rows)
            idle_connections(served, rows)
            slow_clients(served, rows)
        dump = data / "dump.nq"
        subprocess.run([MGKG, "--data-dir", str(data), "export", "--format", "nquads", "-o", str(dump)], check=True,
                       capture_output=True)
        location = data / "oxigraph"
        subprocess.run([OXIGRAPH, "load", "--location", str(location), "--file", str(dump)], check=True,
                       capture_output=True)
        with OxigraphServer(OXIGRAPH, "serve-read-only", "--location", str(location)) as oxigraph:
            bombs(oxigraph, rows, "Oxigraph's server", "/query")
    return rows


def report(rows: list[Row], timeout: float) -> str:
    """The Markdown table."""
    lines = [f"Hostile requests, `make reliability` ({time.strftime('%Y-%m-%d')}, query_timeout {timeout:g} s)", "",
             "| attack | answer | server alive after | figures |", "|---|---|---|---|"]
    lines += [f"| {r.attack} | {r.answer} | {'yes' if r.alive else '**no**'} | {r.figure} |" for r in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Run every attack and print (or write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--timeout", type=float, default=5.0, help="query_timeout of the server tried [5]")
    args = parser.parse_args(argv)
    text = report(measure(args.timeout), args.timeout)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()

