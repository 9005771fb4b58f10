"""HTTP side of `make bench`: `mgkg serve` in a process of its own, and lean clients (http.client, kept-alive).

The clients are cheap on purpose (no requests, one persistent connection each, point lookups from separate
processes) so that what is measured is the server, not the client; they still share the machine's cores
with it, as clients on the same host do.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path
from types import TracebackType
from typing import Any

from benchmarks.workload import LOOKUP, Case, chunked, peak_rss_mb

JSON = "application/sparql-results+json"
SERVE_OPTIONS = ("--port", "0", "--threads", "16", "--timeout", "3600", "--max-rows", "1000000000")
"""The bench's server: every row of every answer (as the other systems return), no query cut off."""


class Server:
    """`mgkg --store SPEC serve` in a child process; `url` once it listens, `stop()` gives its peak RSS (MB)."""

    def __init__(self, mgkg: str, spec: str, *options: str) -> None:
        """Start the server (extra `options` for `mgkg serve`) and wait up to 60 s for where it listens."""
        self.log = tempfile.NamedTemporaryFile(prefix="mgkg-bench-serve-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [mgkg, "--store", spec, "serve", *SERVE_OPTIONS, *options], stdout=self.log, stderr=self.log
        )
        self.rss = 0.0
        self.url = self._wait_for_url(Path(self.log.name))

    def _wait_for_url(self, log: Path) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = re.search(r"serving (http://\S+)/sparql", log.read_text(encoding="utf-8", errors="replace"))
            if found:
                return found[1]
            if self.process.poll() is not None:
                raise SystemExit(f"mgkg serve exited: {log.read_text(encoding='utf-8', errors='replace')[-500:]}")
            time.sleep(0.1)
        self.process.kill()
        raise SystemExit("mgkg serve did not start within 60 s")

    def stop(self) -> float:
        """Read the server's peak RSS (MB), SIGTERM it and wait for it; that peak."""
        if self.process.returncode is None:
            self.rss = peak_rss_mb(self.process.pid) or self.rss
            self.process.send_signal(signal.SIGTERM)
            self.process.wait()
        return self.rss

    def __enter__(self) -> Server:
        """The running server."""
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        """Stop the server (if still running) and remove its log."""
        self.stop()
        self.log.close()
        os.unlink(self.log.name)


_CONNECTIONS: dict[str, http.client.HTTPConnection] = {}


def get(url: str, path: str, accept: str = JSON) -> bytes:
    """GET `path` on the server at `url` over a kept-alive connection (one per process and server)."""
    connection = _CONNECTIONS.get(url)
    if connection is None:
        parts = urllib.parse.urlsplit(url)
        connection = _CONNECTIONS[url] = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=3600)
    connection.request("GET", path, headers={"Accept": accept})
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"GET {path}: HTTP {response.status}: {body[:300]!r}")
    return body


def http_query(url: str, case: Case) -> bytes:
    """Run a named query through the named-query API (SPARQL JSON)."""
    query = f"?{urllib.parse.urlencode(case.values)}" if case.values else ""
    return get(url, f"/queries/{case.name}{query}")


def _client(job: tuple[str, list[str], float, Any]) -> int:
    url, subjects, seconds, start = job
    _CONNECTIONS.clear()  # a forked client must not share the parent's socket
    get(url, "/sparql?" + urllib.parse.urlencode({"query": LOOKUP.format(subjects[0])}))  # connect, warm up
    start.wait()
    count, stop = 0, time.monotonic() + seconds
    while time.monotonic() < stop:
        subject = subjects[count % len(subjects)]
        get(url, "/sparql?" + urllib.parse.urlencode({"query": LOOKUP.format(subject)}))
        count += 1
    return count


def lookups_per_second(url: str, subjects: list[str], clients: int, seconds: float) -> float:
    """Point lookups per second answered to `clients` client processes, each looping for `seconds`."""
    with multiprocessing.Manager() as manager:
        start = manager.Barrier(clients)
        jobs = [(url, part, seconds, start) for part in chunked(subjects, clients)]
        with multiprocessing.get_context("fork").Pool(clients) as pool:
            counts = pool.map(_client, jobs)
    return sum(counts) / seconds
