"""Content negotiation: pick one of the offered graph.core.formats Formats from a `format` parameter or the
Accept header (q-values).

A `format` parameter is looked up among the offered formats by graph.core.formats.lookup (name, media type,
alias, then a broader name: `json` for JSON-LD when only RDF is offered). The Accept header is matched against
every media type of the offered formats, the broader ones too (application/json → SPARQL JSON or JSON-LD,
text/plain → N-Triples, application/xml → XML), the first offered winning a tie. A format nobody accepts raises
NotAcceptable (406, server.http answers it).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from flask import Request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from graph.core.errors import MgkgError
from graph.core.formats import HTML, Format, lookup, negotiable_types


class NotAcceptable(MgkgError, ValueError):
    """No offered format is acceptable (BAD_INPUT; HTTP answers 406); the message lists what is offered."""


def accepted(request: Request) -> MIMEAccept:
    """The request's Accept header without media-type parameters (q kept): `text/turtle; charset=utf-8` matches."""
    return _accepted(request.headers.get("Accept", ""))


@lru_cache(maxsize=256)
def _accepted(header: str) -> MIMEAccept:
    parsed = parse_accept_header(header, MIMEAccept)
    return MIMEAccept([(value.split(";")[0].strip(), quality) for value, quality in parsed])


def choose(request: Request, offered: Sequence[Format], parameter: str | None = None) -> Format:
    """The format named by `parameter` (short name or media type), else the best Accept match, else default."""
    return choose_format(request.headers.get("Accept", ""), offered, parameter)


def choose_format(accept: str, offered: Sequence[Format], parameter: str | None = None) -> Format:
    """`choose` given the Accept header's text (for work done away from the request: a query process)."""
    return offered[_choose(accept, tuple(offered), parameter)]


@lru_cache(maxsize=512)
def _choose(header: str, offered: tuple[Format, ...], parameter: str | None) -> int:
    """The position in `offered` of the chosen format (a position, not the Format: callers compare by identity
    and an equal tuple of other Format objects may have filled the cache)."""
    return offered.index(_best(header, offered, parameter))


def _best(header: str, offered: tuple[Format, ...], parameter: str | None) -> Format:
    if parameter:
        found = lookup(parameter, offered)
        if found is not None:
            return found
        if not header.strip():
            raise NotAcceptable(
                f"format {parameter!r} is not offered here: use one of {', '.join(f.name for f in offered)}"
            )
        # A client library's own name for a format (SPARQLWrapper sends format=n3, format=rdf+xml) with an Accept
        # header that says what it wants in standard terms: the header decides.
    accept = _accepted(header)
    if not accept:
        return offered[0]
    best = accept.best_match(negotiable_types(offered))
    if best is None:
        unknown = f"format {parameter!r} is not offered here and " if parameter else ""
        raise NotAcceptable(
            f"{unknown}none of the accepted types is offered: use one of {', '.join(f.media_type for f in offered)}"
        )
    return lookup(best, offered) or offered[0]


HTML_TYPES = HTML.media_types
"""The media types a browser names for a page (text/html, XHTML)."""


def prefers_html(request: Request, offered: Sequence[Format]) -> bool:
    """Whether the client is a browser wanting a page rather than any of `offered`: it names text/html (or XHTML)
    explicitly, with a higher quality than every offered type it names — or as high, named first. Chromium's
    `text/html,…,application/xml;q=0.9,*/*;q=0.8` is a browser; curl's `*/*` and `text/turtle, text/html;q=0.5`
    are not. A `format` parameter (not html) is no browser either."""
    wanted = request.args.get("format")
    if wanted:
        return wanted.strip().lower() in ("html", *HTML_TYPES)
    named = [(value, quality) for value, quality in accepted(request) if quality > 0]
    types = set(negotiable_types(offered))
    html = max(((q, -i) for i, (value, q) in enumerate(named) if value in HTML_TYPES), default=None)
    other = max(((q, -i) for i, (value, q) in enumerate(named) if value in types), default=None)
    return html is not None and (other is None or html > other)
