"""The lean path: GETs answered without Flask when nothing about them needs it.

A point lookup over HTTP costs the engine a quarter of a millisecond; Flask's request context, routing, hooks and
Response objects cost as much again. Two kinds of GET are common, cheap and fully known in advance, so this WSGI
layer (inside the security headers, outside Flask) answers them itself, byte for byte as the Flask views would:

- **A repeated GET whose answer is in the answer cache** (server.answer_cache: named queries, /sparql queries, the
  service description). When Flask answers a GET from or into the cache (server.conditional marks it, KEPT), the
  request — its URL, Accept header and the store's state — is remembered with the exact headers sent; the same
  request again is answered from memory without entering Flask.
- **A bounded lookup on GET /sparql** (graph.sparql.lookup: one triple pattern, `?query=` and nothing else), the
  request every Linked Data client sends per entity: checked, run (server.context.Runtime.run, under the same
  time limit, counted from the request's arrival) and answered with the ETag, cache entry and CORS headers the
  /sparql view gives it.

A remembered GET revalidated with `If-None-Match` listing its ETag (weak comparison) gets its 304 here, with the
headers Flask's 304 has (ETag, Cache-Control, Vary, CORS). A lookup asking for a fresh answer (`Cache-Control:
no-cache`) is computed here all the same; any other GET asking for one goes to Flask, as does anything else —
another method or path, an If-None-Match that does not list the remembered ETag (or is `*`), another parameter,
a text that is not UTF-8, any failure —, and Flask answers it as always (a failure again, with its one-line error: the
time limit still counts from the arrival noted here, ARRIVAL). The new store generation a build swapped in is
followed first, as Flask's hook does.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from werkzeug.http import parse_etags, quote_etag

from graph.core.formats import RESULTS
from graph.core.text import first_line
from graph.sparql.lookup import bounded_lookup
from graph.sparql.request import QueryRequest
from graph.sparql.tokens import repeatable
from server.answer_cache import Stored
from server.conditional import KEPT, fresh_wanted, tag_of
from server.context import ARRIVAL, FAILED, Runtime
from server.encoding import parameter_text
from server.generation import follow_runtime
from server.http import answer_header_items, cors_items, environ_base_url
from server.negotiation import choose_format
from server.views.protocol import answer_query

LOG = logging.getLogger("mgkg.lean")

Headers = tuple[tuple[str, str], ...]

REQUEST_PARTS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "PATH_INFO",
                 "QUERY_STRING", "HTTP_ACCEPT")
"""What of a GET's environ makes its answer (with the store's state): the URL and the Accept header."""


def _has_body(environ: WSGIEnvironment) -> bool:
    """Whether a request comes with a body (Flask checks a form body's encoding and size, even on a GET)."""
    return environ.get("CONTENT_LENGTH") not in (None, "", "0") or "HTTP_TRANSFER_ENCODING" in environ


def request_key(environ: WSGIEnvironment, state: str) -> bytes:
    """What identifies a GET's answer under the store's `state`, hashed (a URL may be long: the key stays small); a
    part that is absent differs from one that is empty (no Host header, or an empty one)."""
    parts = [state, *(str(environ[part]) if part in environ else "\x00" for part in REQUEST_PARTS)]
    return hashlib.blake2b("\n".join(parts).encode("utf-8", "surrogateescape"), digest_size=16).digest()


def only_query(query_string: str) -> str | None:
    """The text of a query string that is `query=…` and nothing else, decoded strictly (None otherwise)."""
    if not query_string.startswith("query=") or "&" in query_string:
        return None
    try:
        raw = unquote_to_bytes(query_string[6:].replace("+", " ").encode("latin-1"))
        return parameter_text(raw.decode("utf-8"))
    except UnicodeError:
        return None


class LeanGets:
    """WSGI middleware answering cached GETs and bounded lookups of `rt` without calling `app` (Flask's wsgi_app)."""

    def __init__(self, app: WSGIApplication, rt: Runtime) -> None:
        """Wrap `app`, whose Runtime is `rt`."""
        self.app = app
        self.rt = rt

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer a known GET here, anything else through `app`."""
        environ[ARRIVAL] = time.monotonic()
        if environ.get("REQUEST_METHOD") != "GET" or _has_body(environ):
            return self.app(environ, start_response)
        revalidated = environ.get("HTTP_IF_NONE_MATCH")
        rt = self.rt
        try:
            follow_runtime(rt)
        except Exception:  # Flask's own hook tries again and answers the failure
            return self.app(environ, start_response)
        state = rt.state
        if state is None:
            return self.app(environ, start_response)
        key = request_key(environ, state)
        if revalidated is not None:
            found = rt.answers.recall(key) if rt.answers.enabled else None
            if found is not None and _lists(revalidated, found[0]):  # before freshness, as Flask's check()
                return _not_modified(start_response, found[2])
            return self.app(environ, start_response)
        fresh = fresh_wanted(environ)  # computed now, as Flask's path does (and kept for the next request)
        if rt.answers.enabled and not fresh:
            found = rt.answers.recall(key)
            if found is not None:
                return _send(start_response, *found[1:])
        if environ.get("PATH_INFO") == "/sparql":
            answered = self._lookup(environ, state, key, fresh)
            if answered is not None:
                return _send(start_response, *answered)
        return self._remembering(environ, start_response, key)

    def _lookup(self, environ: WSGIEnvironment, state: str, key: bytes, fresh: bool
                ) -> tuple[bytes, Headers] | None:
        """The body and headers of a bounded lookup's 200 (kept in the answer cache; taken from there unless a `fresh`
        one is wanted), or None for Flask to answer."""
        text = only_query(environ.get("QUERY_STRING", ""))
        if text is None or not bounded_lookup(text) or not repeatable(text):
            return None
        rt, base, accept = self.rt, environ_base_url(environ), environ.get("HTTP_ACCEPT", "")
        tag = tag_of(environ, base, state, "")
        kept = rt.answers.get(tag) if rt.answers.enabled and not fresh else None
        if kept is not None:  # the same lookup from another request (the cache noted that one's request)
            sent = (*kept.headers, *cors_items())
            rt.answers.remember(key, tag, sent, state)
            return kept.body, sent
        try:
            fmt = choose_format(accept, RESULTS)
            query = QueryRequest(text, rt.settings, base_iri=base)
            answer = rt.run(answer_query, query, accept, None, bounded=True, start=environ[ARRIVAL])
        except Exception as error:  # Flask answers with its one-line error, raising this one again (FAILED)
            LOG.debug("mgkg: a lookup's failure goes to the app: %s", first_line(error))
            environ[FAILED] = error
            return None
        headers = (("Content-Type", fmt.content_type), *answer_header_items(answer), ("Vary", "Accept"),
                   ("ETag", quote_etag(tag, weak=True)), ("Cache-Control", "no-cache"))
        sent = (*headers, *cors_items())
        if rt.answers.enabled and rt.answers.put(tag, Stored(answer.body, headers), state):
            rt.answers.remember(key, tag, sent, state)
        return answer.body, sent

    def _remembering(self, environ: WSGIEnvironment, start_response: StartResponse, key: bytes
                     ) -> Iterable[bytes]:
        """Flask's answer; remembered by its request when Flask put it into the answer cache or took it from there."""
        sent: list[Any] = []

        def noting(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.app(environ, noting)
        kept = environ.get(KEPT)
        if kept is not None and sent and sent[0].startswith("200 ") and request_key(environ, kept[1]) == key:
            headers = tuple((k, v) for k, v in sent[1] if k.lower() != "content-length")
            self.rt.answers.remember(key, kept[0], headers, kept[1])
        return body


def _lists(if_none_match: str, tag: str) -> bool:
    """Whether an If-None-Match header lists the weak ETag `tag` (`*` is Flask's to answer: server.conditional)."""
    given = parse_etags(if_none_match)
    return not given.star_tag and given.contains_weak(tag)


REVALIDATED = ("etag", "cache-control", "vary")
"""The headers of a 200 that its 304 repeats (server.conditional.not_modified), beside the CORS ones."""


def _not_modified(start_response: StartResponse, headers: Headers) -> list[bytes]:
    """The 304 of a remembered answer with these `headers`: no body, what server.conditional's 304 would say."""
    start_response("304 NOT MODIFIED", [
        (name, value) for name, value in headers
        if name.lower() in REVALIDATED or name.lower().startswith("access-control-")
    ])
    return []


def _send(start_response: StartResponse, body: bytes, headers: Headers) -> list[bytes]:
    """A 200 with `body` and `headers` (and its Content-Length)."""
    start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
    return [body]
