"""Remote SPARQL stores for the tests: Virtuoso Open Source on loopback ports, and a small Oxigraph endpoint.

`virtuoso(folder)` starts Debian's `virtuoso-t` (package virtuoso-opensource-7) with its own database and
virtuoso.ini in `folder`, on two reserved loopback ports (SQL and HTTP: support.ports), through
benchmarks.virtuoso (which `make bench` uses too): it waits until the server logged that it is online and
/sparql answers, and stops the server at the end; here the anonymous SPARQL user may also update
(`GRANT SPARQL_UPDATE TO "SPARQL"` through isql). `ResultSetMaxRows` is set low (1000, below the built
graph's quads) so that paging is exercised for real. Where it cannot run the tests are skipped with the
reason — or fail when MGKG_REQUIRE_VIRTUOSO=1.

`oxigraph_endpoint()` serves a pyoxigraph store over the SPARQL 1.1 Protocol (query and update, GET and
POST, default-graph-uri / named-graph-uri, XML results and N-Triples), optionally with Virtuoso's limits:
the remote store's logic is tested without Virtuoso too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pyoxigraph as ox
import pytest

from benchmarks.virtuoso import Tuning, Virtuoso, VirtuosoUnavailable, running_virtuoso
from graph.core.config import Settings
from support.ports import reserved_ports
from support.serving import serving

LOOPBACK = Settings(host="127.0.0.1", port=0, threads=4)
"""Where the test endpoints listen: a free loopback port."""

REQUIRED = os.environ.get("MGKG_REQUIRE_VIRTUOSO") == "1"


def unavailable(reason: str) -> None:
    """Skip the test with `reason`, or fail it when MGKG_REQUIRE_VIRTUOSO=1."""
    if REQUIRED:
        pytest.fail(f"Virtuoso is required (MGKG_REQUIRE_VIRTUOSO=1) but {reason}")
    pytest.skip(reason)


@contextmanager
def virtuoso(folder: Path, max_rows: int = 1000, startup: float = 180.0) -> Iterator[Virtuoso]:
    """Run Virtuoso (benchmarks.virtuoso) on two reserved loopback ports with its database in `folder` while the
    block runs, the anonymous SPARQL user allowed to update; skipped (or failed) with the reason where it cannot."""
    with reserved_ports(2) as (sql, http), ExitStack() as stack:
        try:
            server = stack.enter_context(running_virtuoso(folder, sql, http, Tuning(max_rows=max_rows), startup))
            server.isql('GRANT SPARQL_UPDATE TO "SPARQL";', timeout=60)
        except VirtuosoUnavailable as error:
            unavailable(str(error))
        yield server


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
