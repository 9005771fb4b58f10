"""The one format registry: every RDF, SPARQL-results and page format mgkg reads, writes or negotiates.

pyoxigraph's `RdfFormat` and `QueryResultsFormat` already carry the media type, the file extension and the
W3C format IRI; this module adds only what they lack: the short name users type (`--format turtle`,
`?format=nt`), other names and media types they may use, the broader types a client may send for a format
(application/json for JSON-LD or SPARQL JSON), rdflib's parser name and whether the format is text. The pages
mgkg writes itself (JSON, HTML, plain text) are formats here too, so negotiation chooses among one kind of
object. Every media-type, extension and format-name lookup in mgkg goes through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

import pyoxigraph as ox

from graph.core.errors import MgkgError

W3C_FORMATS = "http://www.w3.org/ns/formats/"
"""The namespace of the W3C format IRIs (sd:resultFormat)."""


class FormatError(MgkgError, ValueError):
    """An unknown format name, media type or file extension; the message lists the known ones."""


@dataclass(frozen=True)
class Page:
    """What pyoxigraph's enums carry, for a format mgkg writes itself (JSON, HTML, text): it has no W3C IRI."""

    name: str
    media_type: str
    file_extension: str


@dataclass(frozen=True)
class Format:
    """One serialization: the name users type, its pyoxigraph enum (or Page), other names, rdflib's name, other
    media types meaning exactly it, and broader names or types a client may use for it when it is offered."""

    name: str
    oxigraph: ox.RdfFormat | ox.QueryResultsFormat | Page
    aliases: tuple[str, ...] = ()
    rdflib: str | None = None
    media_aliases: tuple[str, ...] = ()
    generic: tuple[str, ...] = ()

    @property
    def is_rdf(self) -> bool:
        """True for an RDF format, False for a SELECT/ASK results format or a page."""
        return isinstance(self.oxigraph, ox.RdfFormat)

    def __hash__(self) -> int:
        """Its name's hash (formats are hashed per request by lru caches; the generated hash reads every field)."""
        return hash(self.name)

    @property
    def media_type(self) -> str:
        """The media type, without parameters (text/csv, not text/csv; charset=utf-8)."""
        return self.oxigraph.media_type.split(";")[0].strip()

    @property
    def media_types(self) -> tuple[str, ...]:
        """Every media type meaning exactly this format: its own first, then the others (text/plain for N-Triples)."""
        return (self.media_type, *self.media_aliases)

    @property
    def extension(self) -> str:
        """The usual file extension, without the dot."""
        return self.oxigraph.file_extension

    @property
    def iri(self) -> str:
        """The format's IRI under http://www.w3.org/ns/formats/ (FormatError for a page format)."""
        if isinstance(self.oxigraph, Page):
            raise FormatError(f"{self.name} is a page format: it has no W3C format IRI")
        # pyoxigraph 0.5 names JSON-LD https://www.w3.org/ns/formats/data/JSON-LD; the W3C list has …/formats/JSON-LD
        return W3C_FORMATS + self.oxigraph.iri.rsplit("/", 1)[-1]

    @property
    def content_type(self) -> str:
        """The Content-Type header value, with charset=utf-8 for the text/* and N-Triples family."""
        if self.media_type.startswith(("text/", "application/n-triples", "application/n-quads", "application/trig")):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    @property
    def keeps_graphs(self) -> bool:
        """Whether an RDF format keeps named graphs (TriG, N-Quads, JSON-LD); False for results and pages."""
        return isinstance(self.oxigraph, ox.RdfFormat) and self.oxigraph.supports_datasets

    @property
    def rdf(self) -> ox.RdfFormat:
        """The pyoxigraph RDF format (FormatError for any other format)."""
        if not isinstance(self.oxigraph, ox.RdfFormat):
            raise FormatError(f"{self.name} is a {self.family} format, not an RDF format")
        return self.oxigraph

    @property
    def results(self) -> ox.QueryResultsFormat:
        """The pyoxigraph query-results format (FormatError for any other format)."""
        if not isinstance(self.oxigraph, ox.QueryResultsFormat):
            raise FormatError(f"{self.name} is {'an' if self.is_rdf else 'a'} {self.family} format, "
                              "not a query-results format")
        return self.oxigraph

    @property
    def family(self) -> str:
        """What kind of format it is: `RDF`, `query-results` or `page`."""
        if isinstance(self.oxigraph, ox.RdfFormat):
            return "RDF"
        return "query-results" if isinstance(self.oxigraph, ox.QueryResultsFormat) else "page"


_JSON = "application/json"
_XML = ("application/xml", "text/xml")
_PLAIN = "text/plain"
_BROADER = (_JSON, *_XML, _PLAIN)
"""The broader media types a client may send, in the order an Accept header tie between them is decided."""

RDF = (
    Format("turtle", ox.RdfFormat.TURTLE, ("ttl",), "turtle", ("application/x-turtle",)),
    Format("nt", ox.RdfFormat.N_TRIPLES, ("n-triples", "ntriples"), "nt", (_PLAIN,), (_PLAIN,)),
    Format("jsonld", ox.RdfFormat.JSON_LD, ("json-ld",), "json-ld", generic=("json", _JSON)),
    Format("xml", ox.RdfFormat.RDF_XML, ("rdf", "rdfxml", "rdf/xml", "owl"), "xml", generic=_XML),
    Format("trig", ox.RdfFormat.TRIG, (), "trig"),
    Format("nquads", ox.RdfFormat.N_QUADS, ("n-quads", "nq"), "nquads"),
)
"""RDF formats, the default (Turtle) first; N3 is read only (RDF_READ)."""

N3 = Format("n3", ox.RdfFormat.N3, (), "n3")
"""Notation3: accepted as input (the Graph Store Protocol lists it), never written."""

RDF_READ = (*RDF, N3)
"""RDF formats mgkg parses."""

RESULTS = (
    Format("json", ox.QueryResultsFormat.JSON, ("srj",), generic=(_JSON,)),
    Format("xml", ox.QueryResultsFormat.XML, ("srx",), generic=_XML),
    Format("csv", ox.QueryResultsFormat.CSV),
    Format("tsv", ox.QueryResultsFormat.TSV, ("text",)),
)
"""SELECT/ASK answer formats, the default (JSON) first."""

JSON = Format("json", Page("JSON", _JSON, "json"))
"""A JSON document of mgkg's own (the dumps and queries indexes, a SHACL report, an error)."""

HTML = Format("html", Page("HTML", "text/html", "html"), media_aliases=("application/xhtml+xml",))
"""An HTML page (the dumps and queries indexes, a named query's form and results)."""

TEXT = Format("text", Page("plain text", _PLAIN, "txt"))
"""Plain text (a SHACL report, an error line)."""

PAGES = (JSON, HTML, TEXT)
"""The formats of mgkg's own documents."""

ATOM = Format("atom", Page("Atom feed", "application/atom+xml", "atom"))
"""An Atom feed (RFC 4287): the changes made through the API, for feed readers (/changes)."""

ALL = (*RDF_READ, *RESULTS, *PAGES, ATOM)
"""Every format of the registry."""

INDEX = (JSON, HTML)
"""The formats of an index (/dumps/, /queries): JSON by default, HTML for a browser."""


def _names(formats: Sequence[Format]) -> str:
    return ", ".join(f.name for f in formats)


def either(words: Iterable[str]) -> str:
    """Words for a message, the last after "or": `a`, `a or b`, `a, b or c`."""
    items = list(words)
    return " or ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)


def names(formats: Iterable[Format]) -> str:
    """The formats' names for a message: `turtle, nt, jsonld, xml, trig or nquads`."""
    return either(f.name for f in formats)


def extensions(formats: Iterable[Format]) -> str:
    """The formats' file extensions for a message: `.nt, .nq, .ttl or .trig`."""
    return either(f".{f.extension}" for f in formats)


_UNMATCHED = 4


def _closeness(key: str, fmt: Format) -> int:
    """How exactly `key` names `fmt`: 0 its name, 1 its media type, 2 an extension, alias or other media type,
    3 a broader name or type, _UNMATCHED not at all."""
    if key == fmt.name:
        return 0
    if key == fmt.media_type:
        return 1
    if key == fmt.extension or key in fmt.aliases or key in fmt.media_aliases:
        return 2
    return 3 if key in fmt.generic else _UNMATCHED


def _closest(key: str, formats: Sequence[Format]) -> Format | None:
    found = min(formats, key=lambda fmt: _closeness(key, fmt), default=None)
    return found if found is not None and _closeness(key, found) < _UNMATCHED else None


def lookup(key: str, formats: Sequence[Format]) -> Format | None:
    """The format of `formats` that `key` (a name, media type, alias …) names most exactly; None if none."""
    # Most exact first: its name, its media type, an extension, alias or other media type, a broader name (`json`
    # for JSON-LD); the first of equals. Else the one called as the format of another family `key` is a name or
    # alias of: `srx` names SPARQL XML, `xml`, which is RDF/XML among RDF formats.
    key = key.strip().lower()
    for fmt in formats:  # its name: what _closest would find first, found in a few comparisons
        if fmt.name == key:
            return fmt
    found = _closest(key, formats)
    if found is None:
        named = next((fmt for fmt in ALL if key == fmt.name or key in fmt.aliases), None)
        found = _closest(named.name, formats) if named is not None else None
    return found


def media_types(formats: Sequence[Format]) -> list[str]:
    """Every media type meaning exactly one of `formats` (a body's Content-Type), in the order of `formats`."""
    return [media for fmt in formats for media in fmt.media_types]


def negotiable_types(formats: Sequence[Format]) -> list[str]:
    """The media types an Accept header may name for `formats`: their own, then the broader ones they stand for."""
    broader = [media for media in _BROADER if any(media in f.generic for f in formats)]
    return list(dict.fromkeys([*(f.media_type for f in formats), *broader]))


def by_name(name: str, formats: Sequence[Format] = RDF) -> Format:
    """The format of `formats` `name` names (its name, media type, an alias …: `lookup`); FormatError otherwise."""
    found = lookup(name, formats)
    if found is None:
        raise FormatError(f"unknown format {name!r} (use {_names(formats)})")
    return found


def by_media_type(media_type: str, formats: Sequence[Format] = RDF_READ) -> Format:
    """The format of `formats` for a media type (parameters such as charset ignored); FormatError otherwise."""
    key = media_type.split(";")[0].strip().lower()
    for fmt in formats:
        if key in fmt.media_types:
            return fmt
    known = ", ".join(f.media_type for f in formats)
    raise FormatError(f"unsupported media type {key or '(none)'!r} (use {known})")


def by_extension(path: str | PurePath, formats: Sequence[Format] = RDF_READ) -> Format:
    """The format of `formats` a file name's extension names (`.ttl`, `.nq` …); FormatError otherwise."""
    suffix = PurePath(path).suffix.lstrip(".").lower()
    for fmt in formats:
        if suffix == fmt.extension or (suffix and suffix in fmt.aliases):
            return fmt
    known = " ".join(f".{f.extension}" for f in formats)
    raise FormatError(f"{path}: unknown RDF format (use {known})")


# --- formats of requests and files, never negotiated (outside ALL) --------------------------------------------

FORM = Format("form", Page("HTML form", "application/x-www-form-urlencoded", ""))
"""Form fields: a query, an update or parameter values POSTed to /sparql or /queries/NAME, a remote store's POST."""

MULTIPART = Format("multipart", Page("multipart form", "multipart/form-data", ""))
"""Form fields and files: parameter values POSTed to /queries/NAME, RDF files to /rdf-graphs."""

SPARQL_QUERY = Format("sparql-query", Page("SPARQL query", "application/sparql-query", "rq"))
"""A SPARQL query as the body of a POST to /sparql."""

SPARQL_UPDATE = Format("sparql-update", Page("SPARQL update", "application/sparql-update", "ru"))
"""A SPARQL update as the body of a POST to /sparql."""

GZIP = Format("gzip", Page("gzip", "application/gzip", "gz"))
"""A gzipped file (the dumps)."""

FORMS = (FORM, MULTIPART)
"""The bodies a form is sent as."""

PROTOCOL_BODIES = (FORM, SPARQL_QUERY, SPARQL_UPDATE)
"""The bodies of a POST to /sparql (SPARQL 1.1 Protocol): a form, a query or an update."""

UNNEGOTIATED = (FORM, MULTIPART, SPARQL_QUERY, SPARQL_UPDATE, GZIP)
"""The formats of the registry outside ALL: request bodies and the dumps' gzip, which no Accept header chooses."""
