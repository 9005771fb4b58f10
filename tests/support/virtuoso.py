"""Remote SPARQL stores for the tests: Virtuoso Open Source on loopback ports, and a small Oxigraph endpoint.

`virtuoso(folder)` starts Debian's `virtuoso-t` (package virtuoso-opensource-7) with its own database and
virtuoso.ini in `folder`, on two reserved loopback ports (SQL and HTTP: support.ports), lets the anonymous
SPARQL user update (`GRANT SPARQL_UPDATE TO "SPARQL"` through isql), waits until it logged that it is online
and /sparql answers, and stops the server at the end. `ResultSetMaxRows` is set low (1000, below the built
graph's quads) so that paging is exercised for real. Where it cannot run the tests are skipped with the
reason — or fail when MGKG_REQUIRE_VIRTUOSO=1.

`oxigraph_endpoint()` serves a pyoxigraph store over the SPARQL 1.1 Protocol (query and update, GET and
POST, default-graph-uri / named-graph-uri, XML results and N-Triples), optionally with Virtuoso's limits:
the remote store's logic is tested without Virtuoso too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pyoxigraph as ox
import pytest

from graph.core.config import Settings
from support.ports import reserved_ports
from support.serving import serving

INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
AllowOSCalls = 0
DirsAllowed = ., {dir}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {dir}
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 400
"""

LOOPBACK = Settings(host="127.0.0.1", port=0, threads=4)
"""Where the test endpoints listen: a free loopback port."""

REQUIRED = os.environ.get("MGKG_REQUIRE_VIRTUOSO") == "1"


def unavailable(reason: str) -> None:
    """Skip the test with `reason`, or fail it when MGKG_REQUIRE_VIRTUOSO=1."""
    if REQUIRED:
        pytest.fail(f"Virtuoso is required (MGKG_REQUIRE_VIRTUOSO=1) but {reason}")
    pytest.skip(reason)


@dataclass
class Virtuoso:
    """A running Virtuoso: its SPARQL endpoint URL and log file."""

    url: str
    log: Path
    process: subprocess.Popen[bytes] = field(repr=False)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}?{urlencode({'query': 'ASK {}'})}", timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _tail(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return " | ".join(lines[-3:]) or "(empty log)"


def _online(log: Path, sql: int, pid: int) -> bool:
    """Whether this Virtuoso (pid) wrote that it listens on its SQL port (it does so after its HTTP port)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return f"Server online at 127.0.0.1:{sql} (pid {pid})" in text


@contextmanager
def virtuoso(folder: Path, max_rows: int = 1000, startup: float = 180.0) -> Iterator[Virtuoso]:
    """Run Virtuoso on two reserved loopback ports with its database in `folder` while the block runs.

    Ready means this process logged that it is online and its /sparql answers: an answer alone may come from
    another server on the port.
    """
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt") or shutil.which("isql")
    if server is None or isql is None:
        unavailable("Virtuoso is not installed (Debian: apt-get install virtuoso-opensource-7; `make virtuoso-deps`)")
    assert server is not None and isql is not None
    with reserved_ports(2) as (sql, http):
        ini = folder / "virtuoso.ini"
        ini.write_text(INI.format(dir=folder, sql=sql, http=http, max_rows=max_rows))
        log = folder / "virtuoso.out"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [server, "+foreground", "+configfile", str(ini)], cwd=folder, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{http}/sparql"
        try:
            deadline = time.monotonic() + startup
            while not (_online(log, sql, process.pid) and _answers(url)):
                if process.poll() is not None:
                    unavailable(f"virtuoso-t exited with code {process.returncode}: {_tail(log)}")
                if time.monotonic() > deadline:
                    unavailable(f"Virtuoso did not answer within {startup:.0f} s: {_tail(log)}")
                time.sleep(0.3)  # the pace of the polling, not a wait for readiness
            grant = subprocess.run(
                [isql, f"127.0.0.1:{sql}", "dba", "dba", 'EXEC=GRANT SPARQL_UPDATE TO "SPARQL";'],
                capture_output=True, timeout=60, check=False,
            )
            if grant.returncode != 0:
                unavailable(f"cannot grant SPARQL_UPDATE: {grant.stderr.decode(errors='replace').strip()}")
            yield Virtuoso(url, log, process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@dataclass
class OxigraphEndpoint:
    """A SPARQL 1.1 Protocol endpoint over a pyoxigraph store; `seen` records every query and update text."""

    store: ox.Store = field(default_factory=ox.Store)
    max_rows: int | None = None
    max_update: int | None = None
    url: str = ""
    seen: list[dict[str, list[str]]] = field(default_factory=list)

    def _params(self, environ: dict[str, Any]) -> dict[str, list[str]]:
        pairs = parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
        if environ["REQUEST_METHOD"] == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode("utf-8")
            kind = str(environ.get("CONTENT_TYPE", ""))
            if kind.startswith("application/sparql-query"):
                pairs.append(("query", body))
            elif kind.startswith("application/sparql-update"):
                pairs.append(("update", body))
            else:
                pairs += parse_qsl(body, keep_blank_values=True)
        params: dict[str, list[str]] = {}
        for key, value in pairs:
            params.setdefault(key, []).append(value)
        return params

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """The WSGI application."""
        params = self._params(environ)
        self.seen.append(params)
        try:
            if "update" in params:
                if self.max_update is not None and len(params["update"][0]) > self.max_update:
                    return _answer(start_response, "400 Bad Request", "text/plain", b"update too large")
                self.store.update(params["update"][0])
                return _answer(start_response, "204 No Content", "text/plain", b"")
            graphs = {
                "default_graph": [ox.NamedNode(g) for g in params.get("default-graph-uri", [])],
                "named_graphs": [ox.NamedNode(g) for g in params.get("named-graph-uri", [])],
            }
            options = graphs if graphs["default_graph"] or graphs["named_graphs"] else {}
            result = self.store.query(params["query"][0], **options)  # type: ignore[arg-type]
        except (SyntaxError, ValueError, KeyError) as error:
            return _answer(start_response, "400 Bad Request", "text/plain", f"refused: {error}".encode())
        if isinstance(result, ox.QueryTriples):
            triples = list(result)[: self.max_rows]
            data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
            return _answer(start_response, "200 OK", "application/n-triples", data)
        if isinstance(result, ox.QuerySolutions) and self.max_rows is not None:
            names = [v.value for v in result.variables]
            rows = [solution for _, solution in zip(range(self.max_rows), result, strict=False)]
            lines = ["\t".join(f"?{n}" for n in names)]
            lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
            result = ox.parse_query_results("\n".join(lines) + "\n", ox.QueryResultsFormat.TSV)
        data = result.serialize(format=ox.QueryResultsFormat.XML) or b""
        return _answer(start_response, "200 OK", "application/sparql-results+xml", data)


def _answer(start_response: Any, status: str, media: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", media), ("Content-Length", str(len(body)))])
    return [body]


@contextmanager
def oxigraph_endpoint(max_rows: int | None = None, max_update: int | None = None) -> Iterator[OxigraphEndpoint]:
    """Serve a fresh in-memory pyoxigraph store as a SPARQL endpoint on a free loopback port.

    `max_rows` cuts every answer (as Virtuoso's ResultSetMaxRows does); `max_update` refuses (400) longer
    update texts (as Virtuoso refuses an update that compiles to too much SQL).
    """
    endpoint = OxigraphEndpoint(max_rows=max_rows, max_update=max_update)
    with serving(endpoint, LOOPBACK) as url:
        endpoint.url = f"{url}/sparql"
        yield endpoint
