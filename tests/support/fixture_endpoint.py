"""A local SPARQL endpoint for tests: a fixture graph in pyoxigraph, served by granian on a free loopback port.

It speaks enough of the SPARQL 1.1 Protocol for SPARQLWrapper and for Oxigraph's SERVICE client: GET
`?query=`, POST form `query=`, POST `application/sparql-query`; SELECT/ASK answers in SPARQL JSON or XML
(by Accept; JSON when nothing is asked for), CONSTRUCT/DESCRIBE in N-Triples. Tests can make the next
answers fail (`fail_next`), slow every answer down (`delay`) and read what was asked (`requests`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pyoxigraph as ox

from graph.core.config import Settings
from support.ports import refusing_port
from support.serving import serving

FIXTURES = Path(__file__).parent.parent / "fixtures"
WIKIDATA_FIXTURE = FIXTURES / "wikidata.ttl"


@dataclass(frozen=True)
class Seen:
    """One request the endpoint received."""

    method: str
    content_type: str
    accept: str
    user_agent: str
    query: str


@dataclass
class Failure:
    """An answer to give instead of a result: status, Retry-After header, how many times."""

    status: int
    times: int
    retry_after: str | None = None


@dataclass
class FixtureEndpoint:
    """The endpoint's state: the store, what it saw, and the failures still to give."""

    store: ox.Store
    path: str = "/sparql"
    delay: float = 0.0
    requests: list[Seen] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    url: str = ""

    def fail_next(self, status: int, times: int = 1, retry_after: str | None = None) -> None:
        """Answer the next `times` requests with HTTP `status` (and a Retry-After header if given)."""
        self.failures.append(Failure(status, times, retry_after))

    def reset(self) -> None:
        """Forget requests, failures and delay."""
        self.requests.clear()
        self.failures.clear()
        self.delay = 0.0

    def _query_text(self, environ: dict[str, Any]) -> str | None:
        method = environ["REQUEST_METHOD"]
        content_type = environ.get("CONTENT_TYPE", "")
        if method == "GET":
            return _first(parse_qs(str(environ.get("QUERY_STRING", ""))).get("query"))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = str(environ["wsgi.input"].read(length).decode("utf-8"))
        if str(content_type).startswith("application/sparql-query"):
            return body
        return _first(parse_qs(body).get("query"))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """The WSGI application."""
        if environ.get("PATH_INFO") != self.path:
            return _answer(start_response, "404 Not Found", "text/plain", b"not found")
        if environ["REQUEST_METHOD"] not in ("GET", "POST"):
            return _answer(start_response, "405 Method Not Allowed", "text/plain", b"GET or POST")
        query = self._query_text(environ)
        self.requests.append(Seen(environ["REQUEST_METHOD"], environ.get("CONTENT_TYPE", ""),
                                  environ.get("HTTP_ACCEPT", ""), environ.get("HTTP_USER_AGENT", ""), query or ""))
        if self.delay:
            time.sleep(self.delay)
        if self.failures:
            failure = self.failures[0]
            failure.times -= 1
            if failure.times <= 0:
                self.failures.pop(0)
            headers = [("Retry-After", failure.retry_after)] if failure.retry_after is not None else []
            return _answer(start_response, f"{failure.status} Failure", "text/plain", b"try later", headers)
        if not query:
            return _answer(start_response, "400 Bad Request", "text/plain", b"missing query")
        try:
            result = self.store.query(query)
        except SyntaxError as error:
            return _answer(start_response, "400 Bad Request", "text/plain", str(error).encode())
        accept = environ.get("HTTP_ACCEPT", "")
        if isinstance(result, ox.QueryTriples):
            data = ox.serialize(list(result), format=ox.RdfFormat.N_TRIPLES) or b""
            return _answer(start_response, "200 OK", "application/n-triples", data)
        if "json" not in accept and "xml" in accept:
            kind, media = ox.QueryResultsFormat.XML, "application/sparql-results+xml"
        else:
            kind, media = ox.QueryResultsFormat.JSON, "application/sparql-results+json"
        return _answer(start_response, "200 OK", media, result.serialize(format=kind) or b"")


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


def _answer(start_response: Any, status: str, media: str, body: bytes,
            headers: list[tuple[str, str]] | None = None) -> list[bytes]:
    start_response(status, [("Content-Type", media), ("Content-Length", str(len(body))), *(headers or [])])
    return [body]


def load_store(*files: Path) -> ox.Store:
    """An in-memory store holding the Turtle `files` in its default graph."""
    store = ox.Store()
    for path in files:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


@contextmanager
def serve(*files: Path, path: str = "/sparql") -> Iterator[FixtureEndpoint]:
    """Serve the Turtle `files` as a SPARQL endpoint on 127.0.0.1 (a free port) while the block runs."""
    endpoint = FixtureEndpoint(load_store(*(files or (WIKIDATA_FIXTURE,))), path=path)
    with serving(endpoint, Settings(host="127.0.0.1", port=0, threads=4)) as url:
        endpoint.url = f"{url}{path}"
        yield endpoint


def closed_port_url() -> str:
    """A loopback URL whose connections are refused (its port stays bound, not listening, by this process)."""
    return f"http://127.0.0.1:{refusing_port()}/sparql"
