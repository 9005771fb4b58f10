"""SHACL validation of the mgkg graph with shapes/ and the ontology mixed in: two engines, one report.

`engine="oxigraph"` runs the shapes compiled to SPARQL (graph/shacl/compile.py) in Oxigraph
(graph/shacl/run.py); `engine="pyshacl"` runs pySHACL over rdflib. `engine="auto"` (the default) takes
Oxigraph when it compiles the shapes and takes the data as rdflib has it, and pySHACL otherwise: shapes with
a feature the compiler refuses, IRIs Oxigraph does not accept, literals it would store otherwise (derived
integer types, ill-typed literals: graph/shacl/terms.py). Both give the same ValidationReport
(graph/shacl/report.py). `validate_store` validates a pyoxigraph store in place, in full or — given the
changes an update made — incrementally (graph/shacl/incremental.py).

The shapes read only stored triples. The one property mgkg derives, mgkg:statedIn, is stored in the derived
graph (graph/shacl/derived.py): a store is validated as it is, so `mgkg validate` and any SHACL engine on an
export agree. A Dataset given to `validate_dataset` (files, a TriG body) is validated as a build or a load would
store it: with the mgkg:statedIn triples its graphs give added.

`conforms` is SHACL's: true only when there is no result at all. mgkg's rule for builds, `mgkg validate`'s exit
code and the server's write gate is "no violations" (`ValidationReport.no_violations`): warnings and infos are
reported but refuse nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pyoxigraph as ox
import pyshacl
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import RDFS
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from graph.core import resources
from graph.core.formats import by_extension
from graph.core.namespaces import MGKG
from graph.shacl.compile import compile_shapes
from graph.shacl.derived import STATED_IN, stated_in
from graph.shacl.incremental import Changes, validate_changes
from graph.shacl.report import ValidationReport, make_report, results_of
from graph.shacl.run import validate_store as run_compiled
from graph.shacl.sparql import UnsupportedShapes
from graph.shacl.terms import TermMap, load_dataset, load_triples, ontology_missing

__all__ = [
    "ENGINES", "STATED_IN", "Changes", "ShaclEngine", "UnsupportedShapes", "ValidationReport",
    "load_ontology", "load_shapes", "validate_changes", "validate_dataset", "validate_graph", "validate_store",
]

ShaclEngine = Literal["auto", "oxigraph", "pyshacl"]
ENGINES: tuple[ShaclEngine, ...] = ("auto", "oxigraph", "pyshacl")
"""The validation engines; "auto" is Oxigraph when it supports the shapes, else pySHACL."""

_FALLBACK = (UnsupportedShapes, ValueError, SyntaxError)
"""What makes engine="auto" use pySHACL: shapes the compiler refuses, terms or queries Oxigraph refuses."""


@lru_cache(maxsize=512)
def _prepared(text: str) -> Query:
    return prepareQuery(text)


class _PreparingGraph(Graph):
    """A graph that parses each SPARQL text once: pyshacl sends a SHACL-SPARQL constraint's same text
    for every focus node (with the focus node as an initial binding), and parsing dominated its cost."""

    def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:
        """Run the query, parsing a text only the first time it is seen."""
        namespaces = kwargs.get("initNs") or (args[2] if len(args) > 2 else None)
        if isinstance(query_object, str) and not namespaces:
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)


_CACHE: dict[tuple[tuple[str, int], ...], Graph] = {}


def _cached(files: Iterable[Path]) -> Graph:
    """The files parsed into one graph, kept while none of them changes (shared: do not modify)."""
    key = tuple((str(path), path.stat().st_mtime_ns) for path in files)
    if key not in _CACHE:
        graph = Graph()
        for path, _ in key:
            graph.parse(path, format=by_extension(path).rdflib)
        _CACHE[key] = graph
    return _CACHE[key]


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    copy += graph
    return copy


def load_shapes() -> Graph:
    """The SHACL shapes graph (shapes/*.ttl), a fresh copy the caller may change."""
    return _copy(_cached(resources.shapes_files()))


def load_ontology() -> Graph:
    """The OWL ontology and SKOS vocabularies (ontology/*.ttl), a fresh copy the caller may change."""
    return _copy(_cached(resources.ontology_files()))


def _engine(engine: str, fast: Callable[[], ValidationReport], slow: Callable[[], ValidationReport]) -> (
    ValidationReport
):
    """Run the chosen engine; "auto" falls back to pySHACL when Oxigraph cannot take the shapes or data."""
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}: use one of {', '.join(ENGINES)}")
    if engine == "pyshacl":
        return slow()
    try:
        return fast()
    except _FALLBACK:
        if engine == "oxigraph":
            raise
    return slow()


def validate_graph(
    data: Graph, shapes: Graph | None = None, ontology: Graph | None = None, engine: ShaclEngine = "auto"
) -> ValidationReport:
    """Validate one data graph; the ontology (default: ontology/*.ttl) is mixed in for subclass targets.

    The ontology is added to a copy of the data (pyshacl's ont_graph would copy only the RDFS/OWL axioms, not
    the SKOS concepts the shapes check values against); the caller's graph is not changed.
    """
    shapes_graph = _cached(resources.shapes_files()) if shapes is None else shapes
    ont = _cached(resources.ontology_files()) if ontology is None else ontology

    def fast() -> ValidationReport:
        compile_shapes(shapes_graph)
        terms, store = TermMap(strict=engine == "auto"), ox.Store()
        load_triples(store, terms, data)
        load_triples(store, terms, ont)
        original = ReadOnlyGraphAggregate([data, ont])
        return run_compiled(store, shapes_graph, terms=terms, original=original.objects, data_prefixes=_names(data))

    return _engine(engine, fast, lambda: _pyshacl(data, shapes_graph, ont))


def _pyshacl(data: Graph, shapes: Graph, ontology: Graph) -> ValidationReport:
    combined = _PreparingGraph()
    combined += data
    combined += ontology
    _, report_graph, _ = pyshacl.validate(
        combined,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
        inplace=True,
    )
    assert isinstance(report_graph, Graph)
    return make_report(results_of(report_graph), report_graph, _names(data))


def _names(graph: Graph) -> list[tuple[str, str]]:
    return [(prefix, str(iri)) for prefix, iri in graph.namespaces()]


def validate_dataset(ds: Dataset, engine: ShaclEngine = "auto") -> ValidationReport:
    """Validate the union of all graphs plus the mgkg:statedIn triples they give; ontology mixed in if absent."""
    derived = stated_in(ds)

    def fast() -> ValidationReport:
        shapes = _cached(resources.shapes_files())
        compile_shapes(shapes)
        terms, store = TermMap(strict=engine == "auto"), ox.Store()
        load_dataset(store, terms, ds)
        load_triples(store, terms, derived)
        if ontology_missing(store):
            load_triples(store, terms, _cached(resources.ontology_files()))

        def original(subject: Any, predicate: Any) -> Iterable[Any]:
            return (o for _, _, o, _ in ds.quads((subject, predicate, None, None)))

        return run_compiled(store, shapes, terms=terms, original=original, data_prefixes=_names(ds))

    def slow() -> ValidationReport:
        union = Graph()
        for prefix, iri in ds.namespaces():
            union.bind(prefix, iri, override=False)
        for s, p, o, _ in ds.quads((None, None, None, None)):
            union.add((s, p, o))
        union += derived
        ontology = Graph() if _has_ontology(union) else _cached(resources.ontology_files())
        return validate_graph(union, ontology=ontology, engine="pyshacl")

    return _engine(engine, fast, slow)


def validate_store(store: ox.Store, engine: ShaclEngine = "auto", changes: Changes | None = None) -> ValidationReport:
    """Validate a pyoxigraph store as validate_dataset validates a Dataset (the ontology must be in the store).

    With `changes` (what an update changed, graph/shacl/incremental.py), only the focus nodes the change can
    affect are validated (Oxigraph engine only).
    """
    shapes = _cached(resources.shapes_files())

    def fast() -> ValidationReport:
        compile_shapes(shapes)
        if changes is not None:
            return validate_changes(store, changes, shapes)
        return run_compiled(_with_ontology(store), shapes)

    def slow() -> ValidationReport:
        if changes is not None:
            raise ValueError("incremental validation needs the oxigraph engine")
        copy = Dataset()
        copy.parse(data=store.dump(format=ox.RdfFormat.N_QUADS), format="nquads")
        return validate_dataset(copy, engine="pyshacl")

    return _engine(engine, fast, slow)


def _with_ontology(store: ox.Store) -> ox.Store:
    """The store itself when it holds the ontology, else an in-memory copy with the ontology added."""
    if not ontology_missing(store):
        return store
    copy = ox.Store()
    copy.bulk_extend(store)
    load_triples(copy, TermMap(), _cached(resources.ontology_files()))
    return copy


def _has_ontology(graph: Graph) -> bool:
    return any(
        isinstance(s, URIRef) and s.startswith(str(MGKG))
        for s in graph.subjects(RDFS.subClassOf, None)
    )
