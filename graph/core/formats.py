"""The one format registry: every RDF and SPARQL-results format mgkg reads or writes, built on pyoxigraph's enums.

pyoxigraph's `RdfFormat` and `QueryResultsFormat` already carry the media type, the file extension and the
W3C format IRI; this module adds only what they lack: the short name users type (`--format turtle`,
`?format=nt`), other names they may use, rdflib's parser name and whether the format is text. Every
media-type, extension and format-name lookup in mgkg goes through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

import pyoxigraph as ox

from graph.core.errors import MgkgError


class FormatError(MgkgError, ValueError):
    """An unknown format name, media type or file extension; the message lists the known ones."""


@dataclass(frozen=True)
class Format:
    """One serialization: the name users type, its pyoxigraph enum, other accepted names, rdflib's name."""

    name: str
    oxigraph: ox.RdfFormat | ox.QueryResultsFormat
    aliases: tuple[str, ...] = ()
    rdflib: str | None = None

    @property
    def is_rdf(self) -> bool:
        """True for an RDF format, False for a SELECT/ASK results format."""
        return isinstance(self.oxigraph, ox.RdfFormat)

    @property
    def media_type(self) -> str:
        """The media type, without parameters (text/csv, not text/csv; charset=utf-8)."""
        return self.oxigraph.media_type.split(";")[0].strip()

    @property
    def extension(self) -> str:
        """The usual file extension, without the dot."""
        return self.oxigraph.file_extension

    @property
    def iri(self) -> str:
        """The format's IRI (http://www.w3.org/ns/formats/…)."""
        return self.oxigraph.iri

    @property
    def label(self) -> str:
        """The format's human name (Turtle, N-Quads, SPARQL Results in JSON …)."""
        return self.oxigraph.name

    @property
    def content_type(self) -> str:
        """The Content-Type header value, with charset=utf-8 for the text/* and N-Triples family."""
        if self.media_type.startswith(("text/", "application/n-triples", "application/n-quads", "application/trig")):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    @property
    def keeps_graphs(self) -> bool:
        """Whether an RDF format keeps named graphs (TriG, N-Quads, JSON-LD); False for results."""
        return isinstance(self.oxigraph, ox.RdfFormat) and self.oxigraph.supports_datasets

    @property
    def rdf(self) -> ox.RdfFormat:
        """The pyoxigraph RDF format (FormatError for a results format)."""
        if not isinstance(self.oxigraph, ox.RdfFormat):
            raise FormatError(f"{self.name} is a query-results format, not an RDF format")
        return self.oxigraph

    @property
    def results(self) -> ox.QueryResultsFormat:
        """The pyoxigraph query-results format (FormatError for an RDF format)."""
        if not isinstance(self.oxigraph, ox.QueryResultsFormat):
            raise FormatError(f"{self.name} is an RDF format, not a query-results format")
        return self.oxigraph


RDF = (
    Format("turtle", ox.RdfFormat.TURTLE, ("ttl", "text/turtle", "application/x-turtle"), "turtle"),
    Format("nt", ox.RdfFormat.N_TRIPLES, ("n-triples", "ntriples", "text/plain"), "nt"),
    Format("jsonld", ox.RdfFormat.JSON_LD, ("json-ld",), "json-ld"),
    Format("xml", ox.RdfFormat.RDF_XML, ("rdf", "rdfxml", "rdf/xml", "owl"), "xml"),
    Format("trig", ox.RdfFormat.TRIG, (), "trig"),
    Format("nquads", ox.RdfFormat.N_QUADS, ("n-quads", "nq"), "nquads"),
)
"""RDF formats, the default (Turtle) first; N3 is read only (RDF_READ)."""

N3 = Format("n3", ox.RdfFormat.N3, (), "n3")
"""Notation3: accepted as input (the Graph Store Protocol lists it), never written."""

RDF_READ = (*RDF, N3)
"""RDF formats mgkg parses."""

RESULTS = (
    Format("json", ox.QueryResultsFormat.JSON, ("srj",)),
    Format("xml", ox.QueryResultsFormat.XML, ("srx",)),
    Format("csv", ox.QueryResultsFormat.CSV),
    Format("tsv", ox.QueryResultsFormat.TSV, ("text",)),
)
"""SELECT/ASK answer formats, the default (JSON) first."""


def _names(formats: tuple[Format, ...]) -> str:
    return ", ".join(f.name for f in formats)


def by_name(name: str, formats: tuple[Format, ...] = RDF) -> Format:
    """The format of `formats` called `name` (or one of its aliases, or its media type); FormatError otherwise."""
    key = name.strip().lower()
    for fmt in formats:
        if key in (fmt.name, fmt.media_type, fmt.extension, *fmt.aliases):
            return fmt
    raise FormatError(f"unknown format {name!r} (use {_names(formats)})")


def by_media_type(media_type: str, formats: tuple[Format, ...] = RDF_READ) -> Format:
    """The format of `formats` for a media type (parameters such as charset ignored); FormatError otherwise."""
    key = media_type.split(";")[0].strip().lower()
    for fmt in formats:
        if key == fmt.media_type or key in fmt.aliases:
            return fmt
    known = ", ".join(f.media_type for f in formats)
    raise FormatError(f"unsupported media type {key or '(none)'!r} (use {known})")


def by_extension(path: str | PurePath, formats: tuple[Format, ...] = RDF_READ) -> Format:
    """The format of `formats` a file name's extension names (`.ttl`, `.nq` …); FormatError otherwise."""
    suffix = PurePath(path).suffix.lstrip(".").lower()
    for fmt in formats:
        if suffix == fmt.extension or (suffix and suffix in fmt.aliases):
            return fmt
    known = " ".join(f".{f.extension}" for f in formats)
    raise FormatError(f"{path}: unknown RDF format (use {known})")
