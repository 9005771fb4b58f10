"""HTTP side of `make bench`: `mgkg serve` in a process of its own, and lean clients (http.client, kept-alive).

The clients are cheap on purpose (no requests, one persistent connection each, point lookups from separate
processes) so that what is measured is the server, not the client; they still share the machine's cores
with it, as clients on the same host do.
"""

from __future__ import annotations

import http.client
import multiprocessing
import re
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from benchmarks.workload import LOOKUP, Case, chunked, peak_rss_mb, tree_pss_mb
from graph.core.formats import RESULTS, by_name
from server.serve import free_port

JSON = by_name("json", RESULTS).media_type
START_WAIT_S = 600.0
"""Seconds a client process waits for the others to be ready: one whose warm-up failed breaks the barrier, and the
others stop with it instead of waiting for ever."""
SERVE_OPTIONS = ("--port", "0", "--threads", "16", "--timeout", "3600", "--max-rows", "1000000000")
"""The bench's server: every row of every answer (as the other systems return), no query cut off."""


class Server:
    """A server in a child process; `url` once it listens, `stop()` gives its peak memory (MB): the peak RSS of
    the process, or the peak PSS of it and its descendants together (sampled every 50 ms), whichever is higher.

    Starting fails with SystemExit and one line (the server's last output) when the program is missing, exits,
    does not answer within 60 s, or something else answers where it should; the child and its log are gone then.
    """

    name = "server"
    startup = 60.0
    """Seconds a server may take before it listens (one that loads its data first gets more)."""

    def __init__(self, argv: list[str]) -> None:
        """Start `argv` (its output to a log) and wait up to `startup` seconds for where it listens."""
        self.log = tempfile.NamedTemporaryFile(prefix="mgkg-bench-serve-", suffix=".log", delete=False)  # noqa: SIM115
        self.rss = 0.0
        try:
            self.process = subprocess.Popen(argv, stdout=self.log, stderr=self.log)
        except OSError as error:
            self._discard()
            raise SystemExit(f"{self.name}: cannot run {argv[0]}: {error.strerror}") from None
        self._sampling = threading.Event()
        threading.Thread(target=self._sample, name="rss", daemon=True).start()
        try:
            self.url = self._wait(time.monotonic() + self.startup)
        except SystemExit:
            self.stop()
            self._discard()
            raise

    def _sample(self, every: float = 0.05) -> None:
        """Keep the peak of the whole process tree's PSS (the server and its query processes) in `rss`."""
        while not self._sampling.wait(every):
            self.rss = max(self.rss, tree_pss_mb(self.process.pid))

    def _wait(self, deadline: float) -> str:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with code {self.process.returncode}: {self._log_tail()}")
            url = self._listening()
            if url:
                return url
            time.sleep(0.1)
        raise SystemExit(f"{self.name} did not start within {self.startup:.0f} s: {self._log_tail()}")

    def _listening(self) -> str | None:
        raise NotImplementedError

    def _log_tail(self) -> str:
        return " ".join(Path(self.log.name).read_text(encoding="utf-8", errors="replace")[-500:].split())

    def _discard(self) -> None:
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def stop(self, grace: float = 30.0) -> float:
        """Read the server's peak RSS (MB), SIGTERM it and wait for it (SIGKILL after `grace` s); that peak."""
        self._sampling.set()
        if self.process.returncode is None:
            self.rss = max(self.rss, peak_rss_mb(self.process.pid) or 0.0, tree_pss_mb(self.process.pid))
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.rss

    def __enter__(self) -> Server:
        """The running server."""
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        """Stop the server (if still running) and remove its log."""
        self.close()

    def close(self, grace: float = 30.0) -> float:
        """Stop the server (SIGKILL after `grace` s) and remove its log; its peak memory (MB). Once only."""
        peak = self.stop(grace)
        self._discard()
        return peak


class MgkgServer(Server):
    """`mgkg --store SPEC serve [options]`; its URL is the one it logs."""

    name = "mgkg serve"

    def __init__(self, mgkg: str, spec: str, *options: str) -> None:
        """Start `mgkg serve` on a port of its choosing (extra `options` for `mgkg serve`)."""
        super().__init__([mgkg, "--store", spec, "serve", *SERVE_OPTIONS, *options])

    def _listening(self) -> str | None:
        found = re.search(r"serving (http://\S+)/sparql", self._log_tail())
        return found[1] if found else None


class OxigraphServer(Server):
    """Oxigraph's own HTTP server: `oxigraph COMMAND [arguments]` bound to a loopback port free a moment ago.

    It does not say which port it got, so the port is chosen here; the server is taken to be listening once an
    answer on that port comes from Oxigraph (its Server header), so another program on the port is an error."""

    name = "oxigraph serve"

    def __init__(self, oxigraph: str, command: str, *arguments: str) -> None:
        """Start `oxigraph COMMAND --bind 127.0.0.1:PORT ARGUMENTS` (COMMAND: serve or serve-read-only)."""
        self.port = free_port()
        super().__init__([oxigraph, command, "--bind", f"127.0.0.1:{self.port}", *arguments])

    def _listening(self) -> str | None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", "/query?query=ASK%7B%7D", headers={"Accept": JSON})
            response = connection.getresponse()
            response.read()
        except OSError:
            return None
        finally:
            connection.close()
        software = response.getheader("Server") or "a server that does not say what it is"
        if not software.startswith("Oxigraph"):
            raise SystemExit(f"{self.name}: port {self.port} is answered by {software}, not by Oxigraph")
        return f"http://127.0.0.1:{self.port}"


class RdflibEndpointServer(Server):
    """rdflib-endpoint's documented way to serve a file: `rdflib-endpoint serve FILE` (rdflib's Memory store, a
    Dataset with the union default graph, FastAPI on uvicorn) on a loopback port free a moment ago. It parses
    the whole file before it listens: it is listening once uvicorn answers a query on that port."""

    name = "rdflib-endpoint serve"
    startup = 3600.0

    def __init__(self, program: str, data: Path) -> None:
        """Start `rdflib-endpoint serve DATA --host 127.0.0.1 --port PORT`."""
        self.port = free_port()
        super().__init__([program, "serve", str(data), "--host", "127.0.0.1", "--port", str(self.port)])

    def _listening(self) -> str | None:
        try:
            status, headers, _ = request(f"http://127.0.0.1:{self.port}", "/?query=ASK%7B%7D", timeout=5)
        except OSError:
            return None
        finally:
            _CONNECTIONS.pop(f"http://127.0.0.1:{self.port}", None)
        if headers.get("server") != "uvicorn" or status != 200:
            raise SystemExit(f"{self.name}: port {self.port} is answered by {headers.get('server')} ({status}), "
                             "not by rdflib-endpoint's uvicorn")
        return f"http://127.0.0.1:{self.port}"


class Refused(SystemExit):
    """An answer other than the one asked for (uncaught, it stops the bench with one line)."""

    def __init__(self, path: str, status: int, body: bytes) -> None:
        """GET `path` answered `status` with `body`."""
        super().__init__(f"GET {path}: HTTP {status}: {body[:300]!r}")
        self.status, self.body = status, body


_CONNECTIONS: dict[str, http.client.HTTPConnection] = {}

STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
"""How a kept-alive connection the server has closed meanwhile (its idle timeout) fails: the GET is sent again on a
new connection, as HTTP clients do for idempotent requests."""


def request(url: str, path: str, headers: dict[str, str] | None = None, timeout: float = 3600.0
            ) -> tuple[int, dict[str, str], bytes]:
    """GET `path` on the server at `url` over a kept-alive connection (one per process and server): status,
    headers (lower-case names) and body. A client-side `timeout` raises TimeoutError and drops the connection."""
    connection = _CONNECTIONS.get(url)
    if connection is None:
        parts = urllib.parse.urlsplit(url)
        connection = _CONNECTIONS[url] = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    reused = connection.sock is not None
    connection.timeout = timeout
    if connection.sock is not None:
        connection.sock.settimeout(timeout)
    try:
        connection.request("GET", path, headers={"Accept": JSON, **(headers or {})})
        response = connection.getresponse()
        body = response.read()
    except (TimeoutError, http.client.HTTPException, ConnectionError) as error:
        connection.close()
        del _CONNECTIONS[url]
        if reused and isinstance(error, STALE):  # the server closed a kept-alive connection idle too long: once more
            return request(url, path, headers, timeout)
        raise
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def get(url: str, path: str, accept: str = JSON, timeout: float = 3600.0, headers: dict[str, str] | None = None
        ) -> bytes:
    """The body of a 200 answer to GET `path` (Refused on any other status)."""
    status, _, body = request(url, path, {"Accept": accept, **(headers or {})}, timeout)
    if status != 200:
        raise Refused(path, status, body)
    return body


def named_path(case: Case) -> str:
    """The path of a named query's answer through the named-query API."""
    query = f"?{urllib.parse.urlencode(case.values)}" if case.values else ""
    return f"/queries/{case.name}{query}"


FRESH = {"Cache-Control": "no-cache"}
"""Sent with a named query whose evaluation is timed: an answer cache must not serve it (RFC 9111 §5.2.1.4)."""


def http_query(url: str, case: Case) -> bytes:
    """Run a named query through the named-query API (SPARQL JSON), asking for a fresh answer, not a cached one."""
    return get(url, named_path(case), headers=FRESH)


def sparql_path(text: str, endpoint: str = "/sparql") -> str:
    """The path of a SPARQL protocol GET: `endpoint?query=text`."""
    return f"{endpoint}?{urllib.parse.urlencode({'query': text})}"


def sparql_get(url: str, text: str, endpoint: str = "/sparql", timeout: float = 3600.0) -> bytes:
    """GET `endpoint?query=text` (SPARQL JSON): mgkg's /sparql, Oxigraph's /query, Virtuoso's /sparql, …"""
    return get(url, sparql_path(text, endpoint), timeout=timeout)


class ClientFailed(Exception):
    """A client process got an answer it did not ask for (an Exception, not SystemExit: a pool worker that exits
    never returns its task, and the pool waits for it for ever)."""


def _client(job: tuple[str, list[str], float, Any, bool, bool]) -> int:
    """One client process: its count of answers, -1 when another client failed first; ClientFailed on a refusal."""
    start = job[3]
    try:
        return _client_loop(*job)
    except threading.BrokenBarrierError:
        return -1  # another client's warm-up failed: it reports why
    except Refused as error:
        start.abort()  # the others stop waiting for this one
        raise ClientFailed(str(error)) from None


def _client_loop(url: str, paths: list[str], seconds: float, start: Any, conditional: bool, fresh: bool) -> int:
    _CONNECTIONS.clear()  # a forked client must not share the parent's socket
    status, headers, body = request(url, paths[0])  # connect, warm up
    if status != 200:
        raise Refused(paths[0], status, body)
    tag = {"If-None-Match": headers["etag"]} if conditional and "etag" in headers else {}
    if fresh:
        tag = {**tag, **FRESH}
    start.wait(START_WAIT_S)
    count, stop = 0, time.monotonic() + seconds
    while time.monotonic() < stop:
        path = paths[count % len(paths)]
        status, _, body = request(url, path, tag)
        if status not in (200, 304):
            raise Refused(path, status, body)
        count += 1
    return count


def run_clients(work: Callable[[Any], int], jobs: list[Any]) -> list[int]:
    """`work(job)` for each job in a client process of its own; SystemExit with the first refusal's line."""
    with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
        try:
            return pool.map(work, jobs)
        except ClientFailed as error:
            raise SystemExit(str(error)) from None


def gets_per_second(url: str, paths: list[str], clients: int, seconds: float, conditional: bool = False,
                    fresh: bool = False) -> float:
    """GETs per second answered to `clients` client processes, each looping over its share of `paths` for
    `seconds`; `conditional`: each sends the ETag of its first answer as If-None-Match (304 counts); `fresh`: each
    asks for answers computed now (FRESH), not kept ones."""
    with multiprocessing.Manager() as manager:
        start = manager.Barrier(clients)
        jobs = [(url, part, seconds, start, conditional, fresh) for part in chunked(paths, clients)]
        counts = run_clients(_client, jobs)
    return sum(counts) / seconds


def lookups_per_second(url: str, subjects: list[str], clients: int, seconds: float, endpoint: str = "/sparql") -> float:
    """Point lookups per second answered to `clients` client processes, each looping for `seconds` over the
    subjects, each lookup evaluated (FRESH: an answer cache would otherwise answer every pass after the first)."""
    paths = [sparql_path(LOOKUP.format(s), endpoint) for s in subjects]
    return gets_per_second(url, paths, clients, seconds, fresh=True)


def has_etag(url: str, path: str) -> bool:
    """Whether the server's answer to GET `path` carries an ETag."""
    status, headers, body = request(url, path)
    if status != 200:
        raise Refused(path, status, body)
    return "etag" in headers
