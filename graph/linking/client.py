"""A polite SPARQL client for remote endpoints (SPARQLWrapper): timeouts, bounded retries, one-line errors.

Every request carries the User-Agent "mgkg/<version> (https://w3id.org/mgkg)" (Wikidata's query service
asks for one that names the tool and a contact). Requests are sequential, never parallel. HTTP 429 and 503
(and 502/504 from a gateway) are retried at most `retries` times, after the delay the endpoint asks for in
Retry-After (seconds or an HTTP date) or, without one, after 1, 2, 4 … seconds; a delay above `max_wait`
is not waited for. Anything else that goes wrong becomes an EndpointError whose message is one line
naming the endpoint.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import time
import urllib.error
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from graph.core.config import user_agent
from graph.core.errors import Kind, MgkgError
from graph.core.namespaces import IRI_FORBIDDEN
from graph.core.text import first_line

WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
"""Default endpoint of `mgkg link` and the endpoint the federated named queries use."""

RETRYABLE = (429, 502, 503, 504)
"""HTTP statuses that mean "try again later"."""

T = TypeVar("T")
Row = dict[str, Node]


class EndpointError(MgkgError, RuntimeError):
    """The endpoint cannot be reached or gives no usable answer; the message is one line."""

    kind = Kind.UNAVAILABLE


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size` (size ≥ 1)."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fill(template: str, block: str) -> str:
    """The query `template` with its `#VALUES#` line replaced by a block from values_block()."""
    if template.count("#VALUES#") != 1:
        raise ValueError("query template needs exactly one #VALUES# marker")
    return template.replace("#VALUES#", block)


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _term(cell: Mapping[str, str]) -> Node:
    kind, value = cell.get("type"), cell.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        language = cell.get("xml:lang")
        datatype = cell.get("datatype")
        if language:
            return Literal(value, lang=language)
        return Literal(value, datatype=URIRef(datatype) if datatype else None, normalize=False)
    raise ValueError(f"unknown term type {kind!r}")


def parse_results(payload: Any) -> list[Row]:
    """SPARQL 1.1 JSON results as rows of rdflib terms; ValueError if it is not a SELECT result."""
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), dict):
        raise ValueError("not SPARQL JSON SELECT results")
    bindings = payload["results"].get("bindings")
    if not isinstance(bindings, list):
        raise ValueError("not SPARQL JSON SELECT results")
    return [{name: _term(cell) for name, cell in row.items()} for row in bindings]


@dataclass
class SparqlClient:
    """SELECT queries against one remote endpoint, with timeouts, retries and one-line errors."""

    endpoint: str
    timeout: float = 60.0
    retries: int = 3
    max_wait: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    requests: int = 0

    def __post_init__(self) -> None:
        """Refuse an endpoint that is not an http(s) URL."""
        if not self.endpoint.startswith(("http://", "https://")) or IRI_FORBIDDEN.search(self.endpoint):
            raise EndpointError(f"endpoint {self.endpoint!r}: expected an http(s) URL")

    def _fail(self, reason: str) -> EndpointError:
        return EndpointError(f"endpoint {self.endpoint}: {reason}")

    def _request(self, query: str) -> Any:
        wrapper = SPARQLWrapper(self.endpoint, agent=user_agent())
        wrapper.setMethod(POST)
        wrapper.setOnlyConneg(True)
        wrapper.setReturnFormat(JSON)
        wrapper.setTimeout(max(1, round(self.timeout)))
        wrapper.setQuery(query)
        self.requests += 1
        return wrapper.query().convert()

    def select(self, query: str) -> list[Row]:
        """Run a SELECT query; the rows as rdflib terms. EndpointError when no answer can be had."""
        attempt = 0
        while True:
            try:
                return parse_results(self._request(query))
            except urllib.error.HTTPError as error:
                if error.code not in RETRYABLE:
                    raise self._fail(f"HTTP {error.code} {error.reason}") from None
                wait = retry_after(error.headers.get("Retry-After") if error.headers else None)
                if attempt >= self.retries:
                    raise self._fail(f"HTTP {error.code} after {attempt + 1} attempts; try again later") from None
                delay = wait if wait is not None else float(2**attempt)
                if delay > self.max_wait:
                    raise self._fail(f"HTTP {error.code}: asks to wait {delay:.0f}s (Retry-After); try later") from None
                self.sleep(delay)
                attempt += 1
            except SPARQLWrapperException as error:
                raise self._fail(first_line(error, 200)) from None
            except TimeoutError:
                raise self._fail(f"no answer within {self.timeout:g}s (timeout)") from None
            except urllib.error.URLError as error:
                reason = error.reason
                if isinstance(reason, TimeoutError):
                    raise self._fail(f"no answer within {self.timeout:g}s (timeout)") from None
                detail = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
                raise self._fail(f"cannot be reached ({detail})") from None
            except (http.client.HTTPException, json.JSONDecodeError, ValueError) as error:
                raise self._fail(f"unusable answer: {first_line(error, 200)}") from None
            except OSError as error:
                raise self._fail(f"connection failed ({error.strerror or error})") from None
