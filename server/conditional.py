"""Conditional GETs: every 200 answer to GET or HEAD carries an ETag; `If-None-Match` matching it gives 304.

**Validators.** A view marked `@validated(…)` (queries, named queries, Graph Store, Linked Data, browsing, the
changes) answers from the store alone, so its ETag is worked out before it runs — a weak one, `W/"…"`, a hash
of the store's state, the request's URL (host, path and query string: the query text, parameters, `format`,
limits), its Accept header and what the view adds (a named query's text) — and a matching `If-None-Match`
(weak comparison, RFC 9110; lists too) is answered 304 without running anything. Any other 200 answer to a GET
(the dumps, the service description, the API documents, the pages) gets a strong ETag, the SHA-256 of its body,
and so does every answer of a server over a remote store, whose state it cannot see. `If-None-Match: *` matches
any 200. ETagged answers are `Cache-Control: no-cache` (clients revalidate: a write changes them) and those
of validated views `Vary: Accept`.

**State.** `state_of` hashes what a server process sees of its store from the outside: the store generation
(`data/store`'s target and the inode of its folder; not its time, which RocksDB changes itself), the journal
(size, time and inode of changes.jsonl), the store's named graphs, the settings (secrets left out), the code
(each file's size and time) and, for a store in memory, the app (for an `--in-memory` copy, the generation
copied). It is worked out at start and after every write or generation switch (Runtime.wrote, under the write
lock, once readers see the change), never per request: two processes serving one store agree, a restart keeps
the ETags, and an accepted write or a build changes them. A store changed behind the server's back is not seen
(a store on disk that a server writes is locked by it; read-only ones see no writes anyway).

**Cache.** Views marked `cached=True` (named queries, /sparql queries) keep their 200 answers in the Runtime's
answer cache (server.answer_cache) under their ETag: a repeated GET is answered from memory, with no query
process. Errors, timeouts and answers of queries that are not repeatable (SERVICE, NOW(), RAND(), UUID() …)
are never kept (nor given a state validator).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from werkzeug.http import quote_etag

from graph.core.config import user_agent
from graph.core.resources import resource_dir
from graph.store import EmbeddedStore
from server.answer_cache import Stored
from server.context import Runtime, runtime
from server.generation import Generation
from server.http import base_url

V = TypeVar("V", bound=Callable[..., Any])

SECRETS = ("update_token", "writers")
"""Settings left out of the state (their hash would travel in every ETag)."""

def code_folders() -> list[Path]:
    """The folders whose files make the answers: the server and graph packages (views, templates, pages,
    serializers), the ontology, shapes and named queries."""
    folders = [Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "graph"]
    for kind in ("ontology", "shapes", "queries"):
        with suppress(FileNotFoundError):
            folders.append(resource_dir(kind))
    return folders


SAFE = ("GET", "HEAD")


@dataclass(frozen=True)
class Conditional:
    """How a view's answers are validated: `key(**view_args)` adds to the request what makes them differ (None:
    this request gets no state validator), `cached` keeps them in the answer cache."""

    key: Callable[..., str | None]
    cached: bool


def _no_key(**_: object) -> str:
    return ""


def validated(key: Callable[..., str | None] = _no_key, *, cached: bool = False) -> Callable[[V], V]:
    """Mark a view (put it between `@bp.route` and `@methods`) as answering from the store alone."""

    def decorate(view: V) -> V:
        view.conditional = Conditional(key, cached)  # type: ignore[attr-defined]
        return view

    return decorate


@lru_cache(maxsize=1)
def code_stamp() -> str:
    """The name, size and modification time of every file of `code_folders()`, hashed."""
    digest = hashlib.sha256()
    for root in code_folders():
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                try:
                    found = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                digest.update(f"{folder}/{name}:{found.st_size}:{found.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _stat(path: Path, whole: bool = True) -> str:
    """A file's size, modification time and inode (`whole`), or its inode alone."""
    try:
        found = path.stat()
    except OSError:
        return "none"
    return f"{found.st_size}:{found.st_mtime_ns}:{found.st_ino}" if whole else str(found.st_ino)


def state_of(rt: Runtime) -> str | None:
    """The store's state as a hex string (None for a remote store: no validator); see the module's docstring."""
    store, place = rt.store, rt.generation
    if not isinstance(store, EmbeddedStore) or not isinstance(place, Generation):
        return None
    settings = {k: v for k, v in asdict(rt.settings).items() if k not in SECRETS}
    parts = [user_agent(), code_stamp(), repr(sorted(settings.items()))]
    if store.location is not None:
        parts.append(f"{place.target} {store.location} {_stat(store.location, whole=False)}")
    elif store.origin is not None and store.read_only:  # `--in-memory`: each worker's copy of one generation
        parts.append(f"copy of {store.origin} {_stat(store.origin, whole=False)}")
    else:
        parts.append(f"memory {rt.instance}")
    parts.append(_stat(place.journal.path))
    try:
        parts.extend(sorted(str(graph) for graph in store.raw.named_graphs()))
    except (OSError, RuntimeError):  # cannot be read: a state of its own, matching nothing before
        parts.append(uuid.uuid4().hex)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def tag_of(environ: dict[str, Any], base: str, state: str, extra: str) -> str:
    """The opaque part of a validated view's ETag for a request (`base`: its URL without the query string)."""
    accept = environ.get("HTTP_ACCEPT", "")
    query = environ.get("QUERY_STRING", "")
    text = "\n".join((state, base, query, accept, extra))
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


class Unsteady(str):
    """A view's key (`validated(key)`) that depends on more than the request and the store's state — a file the view
    reads again each time: its answers are cached under their ETags, but not remembered by request (KEPT), since
    server.lean, answering a remembered request without running the key, would not see the change."""


KEPT = "mgkg.kept"
"""WSGI environ key set when a 200 answer is in the answer cache (put there, or served from there): its ETag's opaque
part and the state it was computed under. server.lean then remembers the whole answer by its request."""


def _matches(tag: str) -> bool:
    """Whether If-None-Match lists `tag` (weak comparison; `*` is left to `finish`, which knows a 200 exists)."""
    if "HTTP_IF_NONE_MATCH" not in request.environ:  # parsing the absent header costs more than this whole test
        return False
    given = request.if_none_match
    return bool(given) and not given.star_tag and given.contains_weak(tag)


def fresh_wanted(environ: dict[str, object]) -> bool:
    """Whether the request asks for an answer computed now, not a kept one: `Cache-Control: no-cache` (or
    `max-age=0`, or HTTP/1.0's `Pragma: no-cache`), as RFC 9111 §5.2.1 lets a client ask. The answer is kept
    for the next request all the same."""
    control = str(environ.get("HTTP_CACHE_CONTROL", "")).lower()
    if control and ("no-cache" in control or "max-age=0" in control.replace(" ", "")):
        return True
    return "no-cache" in str(environ.get("HTTP_PRAGMA", "")).lower()


def not_modified(tag: str) -> Response:
    """The 304 of a validated view: no body; ETag, Cache-Control and Vary as its 200 would have."""
    response = Response(status=304)
    response.set_etag(tag, weak=True)
    response.cache_control.no_cache = True
    response.vary.add("Accept")
    return response


def check() -> Response | None:
    """Before a GET of a validated view: 304 when If-None-Match matches its ETag, else its cached answer if any."""
    here = request._get_current_object()  # type: ignore[attr-defined]  # one proxy look-up
    if here.method not in SAFE:
        return None
    spec = getattr(current_app.view_functions.get(here.endpoint or ""), "conditional", None)
    rt = runtime()
    state = rt.state
    if not isinstance(spec, Conditional) or state is None:
        return None
    extra = spec.key(**(here.view_args or {}))
    if extra is None:
        return None
    tag = tag_of(here.environ, base_url(), state, extra)
    steady = not isinstance(extra, Unsteady)
    g.validator = (tag, state, spec.cached, steady)
    if _matches(tag):
        return not_modified(tag)
    if spec.cached and rt.answers.enabled and not fresh_wanted(here.environ):
        kept = rt.answers.get(tag)
        if kept is not None:
            g.validator = None
            if steady:
                here.environ[KEPT] = (tag, state)
            return kept.response()
    return None


def finish(response: Response) -> Response:
    """After a GET: an ETag for a 200 that has none (the validated view's, else its body's SHA-256), the answer
    kept in the cache when its view caches, and 304 when If-None-Match matches."""
    if request.method not in SAFE or response.status_code != 200:
        return response
    if "ETag" not in response.headers:
        validator = g.get("validator")
        if validator is not None:
            tag, state, cached, steady = validator
            response.headers["ETag"] = quote_etag(tag, weak=True)
            response.vary.add("Accept")
            response.headers["Cache-Control"] = "no-cache"
            answers = runtime().answers
            kept = cached and answers.enabled and not response.is_streamed and answers.put(
                tag, Stored.of(response), state)
            if kept and steady:
                request.environ[KEPT] = (tag, state)
        elif not response.is_streamed:
            response.set_etag(hashlib.sha256(response.get_data()).hexdigest())
            response.cache_control.no_cache = True
        else:
            return response
    if "HTTP_IF_NONE_MATCH" in request.environ:  # make_conditional costs a tenth of a cached answer's time
        response.make_conditional(request)
    return response


def install(app: Flask, rt: Runtime) -> None:
    """Work out the store's state now and after each write, and validate every GET of the app."""
    rt.state_of = state_of
    rt.restate()
    app.before_request(check)
    app.after_request(finish)
