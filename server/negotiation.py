"""Content negotiation: pick a result or RDF format from a `format` parameter or the Accept header (q-values).

A format nobody accepts raises NotAcceptable (406, server.http answers it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from flask import Request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from graph.core.errors import MgkgError

TEXT_TYPES = ("text/", "application/n-triples", "application/n-quads", "application/trig")
"""Media types answered with `; charset=utf-8`."""


@dataclass(frozen=True)
class Format:
    """One serialization: short name (also its pyoxigraph / graph.export name) and media type."""

    name: str
    media_type: str

    @property
    def content_type(self) -> str:
        """The Content-Type header value (with charset=utf-8 for textual types)."""
        if self.media_type.startswith(TEXT_TYPES):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


RESULT_FORMATS = [
    Format("json", "application/sparql-results+json"),
    Format("xml", "application/sparql-results+xml"),
    Format("csv", "text/csv"),
    Format("tsv", "text/tab-separated-values"),
]
"""Formats of SELECT and ASK results, the default first."""

GRAPH_FORMATS = [
    Format("turtle", "text/turtle"),
    Format("nt", "application/n-triples"),
    Format("jsonld", "application/ld+json"),
    Format("xml", "application/rdf+xml"),
    Format("trig", "application/trig"),
    Format("nquads", "application/n-quads"),
]
"""Formats of CONSTRUCT/DESCRIBE results and of graphs, the default first."""

ALIASES = {
    "ttl": "turtle", "text/turtle": "turtle", "n-triples": "nt", "ntriples": "nt", "json-ld": "jsonld",
    "rdf": "xml", "rdfxml": "xml", "rdf/xml": "xml", "n-quads": "nquads", "nq": "nquads", "srj": "json",
    "srx": "xml", "text": "tsv",
}
"""Other names a `format` parameter may use."""

EXTRA_TYPES = {
    "application/json": ("json", "jsonld"),
    "application/xml": ("xml",),
    "text/xml": ("xml",),
    "text/plain": ("nt",),
}
"""Generic media types a client may send, and the formats (first offered wins) they stand for."""


class NotAcceptable(MgkgError, ValueError):
    """No offered format is acceptable (BAD_INPUT; HTTP answers 406); the message lists what is offered."""


def _by_name(offered: Sequence[Format], names: tuple[str, ...]) -> Format | None:
    return next((f for name in names for f in offered if f.name == name), None)


def accepted(request: Request) -> MIMEAccept:
    """The request's Accept header without media-type parameters (q kept): `text/turtle; charset=utf-8` matches."""
    return _accepted(request.headers.get("Accept", ""))


@lru_cache(maxsize=256)
def _accepted(header: str) -> MIMEAccept:
    parsed = parse_accept_header(header, MIMEAccept)
    return MIMEAccept([(value.split(";")[0].strip(), quality) for value, quality in parsed])


def choose(request: Request, offered: list[Format], parameter: str | None = None) -> Format:
    """The format named by `parameter` (short name or media type), else the best Accept match, else default."""
    return offered[_choose(request.headers.get("Accept", ""), tuple(offered), parameter)]


@lru_cache(maxsize=512)
def _choose(header: str, offered: tuple[Format, ...], parameter: str | None) -> int:
    """The position in `offered` of the chosen format (a position, not the Format: callers compare by identity
    and an equal tuple of other Format objects may have filled the cache)."""
    return offered.index(_best(header, offered, parameter))


def _best(header: str, offered: tuple[Format, ...], parameter: str | None) -> Format:
    if parameter:
        wanted = ALIASES.get(parameter.lower(), parameter.lower())
        found = _by_name(offered, (wanted, *EXTRA_TYPES.get(wanted, ())))
        found = found or next((f for f in offered if f.media_type == wanted), None)
        if found is None and wanted == "json":
            found = _by_name(offered, ("jsonld",))
        if found is None:
            raise NotAcceptable(
                f"format {parameter!r} is not offered here: use one of {', '.join(f.name for f in offered)}"
            )
        return found
    accept = _accepted(header)
    if not accept:
        return offered[0]
    candidates = [fmt.media_type for fmt in offered]
    candidates += [media for media, names in EXTRA_TYPES.items() if _by_name(offered, names)]
    best = accept.best_match(candidates)
    if best is None:
        raise NotAcceptable(
            f"none of the accepted types is offered: use one of {', '.join(f.media_type for f in offered)}"
        )
    by_type = next((f for f in offered if f.media_type == best), None)
    return by_type or _by_name(offered, EXTRA_TYPES[best]) or offered[0]
