"""Content negotiation: pick a result or RDF format from a `format` parameter or the Accept header (q-values)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Request


@dataclass(frozen=True)
class Format:
    """One serialization: short name, media type, pyoxigraph/rdflib names and file extension."""

    name: str
    media_type: str
    extension: str


RESULT_FORMATS = [
    Format("json", "application/sparql-results+json", "srj"),
    Format("xml", "application/sparql-results+xml", "srx"),
    Format("csv", "text/csv", "csv"),
    Format("tsv", "text/tab-separated-values", "tsv"),
]
"""Formats of SELECT and ASK results, the default first."""

GRAPH_FORMATS = [
    Format("turtle", "text/turtle", "ttl"),
    Format("nt", "application/n-triples", "nt"),
    Format("jsonld", "application/ld+json", "jsonld"),
    Format("xml", "application/rdf+xml", "rdf"),
    Format("trig", "application/trig", "trig"),
    Format("nquads", "application/n-quads", "nq"),
]
"""Formats of CONSTRUCT/DESCRIBE results and of graphs, the default first."""

ALIASES = {
    "ttl": "turtle", "text/turtle": "turtle", "n-triples": "nt", "ntriples": "nt", "json-ld": "jsonld",
    "rdf": "xml", "rdfxml": "xml", "rdf/xml": "xml", "n-quads": "nquads", "nq": "nquads", "srj": "json",
    "srx": "xml", "text": "tsv",
}
"""Other names a `format` parameter may use."""


class NotAcceptable(Exception):
    """No offered format is acceptable; the message lists what is offered."""


def choose(request: Request, offered: list[Format], parameter: str | None = None) -> Format:
    """The format named by `parameter` (short name or media type), else the best Accept match, else default."""
    if parameter:
        wanted = ALIASES.get(parameter.lower(), parameter.lower())
        for fmt in offered:
            if wanted in (fmt.name, fmt.media_type):
                return fmt
        raise NotAcceptable(
            f"format {parameter!r} is not offered here: use one of {', '.join(f.name for f in offered)}"
        )
    accept = request.accept_mimetypes
    if not accept:
        return offered[0]
    by_type = {fmt.media_type: fmt for fmt in offered}
    extra = {"application/json": "json", "application/xml": "xml", "text/xml": "xml", "text/plain": "nt"}
    candidates = [fmt.media_type for fmt in offered]
    candidates += [media for media, name in extra.items() if any(f.name == name for f in offered)]
    best = accept.best_match(candidates)
    if best is None:
        raise NotAcceptable(
            f"none of the accepted types is offered: use one of {', '.join(f.media_type for f in offered)}"
        )
    if best in by_type:
        return by_type[best]
    return next(f for f in offered if f.name == extra[best])
