"""The servers a user would pick instead of mgkg, measured as benchmarks/systems.py measures the others.

- rdflib-endpoint: PyPI `rdflib-endpoint` (rdflib + FastAPI on uvicorn), served the way its README says:
            `rdflib-endpoint serve FILE` (rdflib's Memory store, a Dataset whose default graph is the union of
            its graphs). Load time is the time until it answers (it parses the file before it listens). Its
            engine runs a query on the event loop, so a query cut off after --limit seconds (the client
            stops waiting) leaves the server busy: it is restarted (and loads again); once --peer-budget
            seconds are spent on its named queries, the rest are skipped.
- virtuoso: Virtuoso 7 Open Source (`virtuoso-t`, Debian's virtuoso-opensource-7, `make virtuoso-deps`) on a
            fresh database (benchmarks/virtuoso.py, as the remote-store tests start it), bulk-loaded by its
            own loader (ld_dir, rdf_loader_run, checkpoint: the load time; starting the server is apart), each
            named query GET /sparql. A query without FROM ranges over every graph of Virtuoso's quad store,
            the union default graph the other systems use (plus Virtuoso's three small system graphs; the
            report compares the rows with raw Oxigraph's). Virtuoso stops a query at --limit seconds itself
            (MaxQueryExecutionTime: "S1T00 … Transaction timed out", or an "anytime" answer in part, which
            says so in its X-SQL-State header): counted as timed out. A text its SPARQL dialect
            refuses (4xx) is reported as not supported, never rewritten; an error of its own while it runs
            (5xx, e.g. "SR319: Max row length is exceeded" at 10M) as failed. Its peak RSS is virtuoso-t's.

Both get each named query's text with its parameters in a VALUES block (as Oxigraph's server does), the
point lookups from 1, 4 and 16 client processes, and SPARQL JSON answers.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.clients import RdflibEndpointServer, Refused, request, sparql_get, sparql_path
from benchmarks.measure import http_lookups, query_figures
from benchmarks.virtuoso import Tuning, VirtuosoUnavailable, running_virtuoso
from benchmarks.workload import Case, Timing, cases, lookup_subjects, peak_rss_mb, queries, tree_pss_mb
from graph.core.namespaces import DEFAULT_BASE, graph_iri
from graph.sparql.text import with_values
from server.serve import free_port

RDFLIB_ENDPOINT = str(Path(sys.executable).with_name("rdflib-endpoint"))
VIRTUOSO_BUFFERS = 340_000
"""Virtuoso's buffer pool in 8 KB pages (2.6 GB: its documented setting for a machine with 4 GB free)."""


def _text(case: Case) -> str:
    named = queries()[case.name]
    return with_values(named.text, named.bind(case.values))


def _skipped() -> dict[str, Any]:
    return {**Timing([]).summary(), "skipped": True}


def run_rdflib_endpoint(data: Path, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """rdflib-endpoint serving the file: time until it answers, each query (cut off, budgeted), lookups."""
    del work
    if not Path(RDFLIB_ENDPOINT).exists():
        raise SystemExit(f"no rdflib-endpoint command at {RDFLIB_ENDPOINT}: install the bench extra "
                         "(pip install -e '.[bench]')")
    start = time.perf_counter()
    server = RdflibEndpointServer(RDFLIB_ENDPOINT, data)
    out: dict[str, Any] = {"load_s": time.perf_counter() - start, "queries": {}, "restarts": 0}
    peak, spent = 0.0, 0.0
    try:
        for case in cases(data):
            if spent >= args.peer_budget:
                out["queries"][case.name] = {**_skipped(), "aggregate": case.aggregate}
                continue

            def ask(url: str = server.url, text: str = _text(case)) -> bytes:
                return sparql_get(url, text, "/", timeout=args.limit)

            began = time.perf_counter()
            figures = query_figures(ask, args.runs, args.budget)
            out["queries"][case.name] = {**figures, "aggregate": case.aggregate}
            if figures["timed_out"]:  # the event loop still runs the query: start afresh (within the budget)
                peak = max(peak, server.close(grace=0))
                server = RdflibEndpointServer(RDFLIB_ENDPOINT, data)
                out["restarts"] += 1
            spent += time.perf_counter() - began
        out["lookups_http"] = http_lookups(server.url, lookup_subjects(data), args, "/")
    finally:
        peak = max(peak, server.close())
    out["served_rss_mb"], out["budget_s"] = peak, args.peer_budget
    return out


def _two_ports() -> tuple[int, int]:
    sql = free_port()
    http = free_port()
    while http == sql:
        http = free_port()
    return sql, http


class _Peak:
    """The peak PSS of a process, sampled every 50 ms in a thread, and its VmHWM at the end (MB)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()
        threading.Thread(target=self._sample, name="rss", daemon=True).start()

    def _sample(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, tree_pss_mb(self.pid))

    def stop(self) -> float:
        """Stop sampling; the higher of the sampled peak and the process's own high-water mark."""
        self.done.set()
        return max(self.peak, peak_rss_mb(self.pid) or 0.0)


def run_virtuoso(data: Path, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Virtuoso 7 on a fresh database: its bulk loader, each named query over /sparql, lookups."""
    tuning = Tuning(max_rows=2**31 - 1, execution_s=max(1, round(args.limit)), estimation_s=1_000_000,
                    buffers=VIRTUOSO_BUFFERS, connections=24, dirs=(data.parent,))
    folder = work / "virtuoso"
    folder.mkdir()
    start = time.perf_counter()
    try:
        with running_virtuoso(folder, *_two_ports(), tuning, startup=600) as server:
            out: dict[str, Any] = {"start_s": time.perf_counter() - start, "queries": {}}
            peak = _Peak(server.process.pid)
            start = time.perf_counter()
            server.bulk_load(data, graph_iri("loaded", DEFAULT_BASE))
            out["load_s"] = time.perf_counter() - start
            base = server.url.removesuffix("/sparql")
            for case in cases(data):

                def ask(text: str = _text(case)) -> bytes:
                    status, headers, body = request(base, sparql_path(text), timeout=args.limit + 60)
                    if status == 200 and "x-sql-state" in headers:  # an "anytime" answer: stopped, in part
                        raise TimeoutError(headers.get("x-sql-message", headers["x-sql-state"]))
                    if status != 200:
                        raise Refused(sparql_path(text), status, body)
                    return body

                out["queries"][case.name] = {**query_figures(ask, args.runs, args.budget, refusals=True),
                                             "aggregate": case.aggregate}
            out["lookups_http"] = http_lookups(base, lookup_subjects(data), args, "/sparql")
            out["served_rss_mb"] = peak.stop()
    except VirtuosoUnavailable as error:
        raise SystemExit(f"virtuoso: {error}") from None
    return out
