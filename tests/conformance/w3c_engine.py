"""The endpoint's engine without HTTP, for the W3C runner (`run_sparql.py --backend MODULE:EngineBackend`).

`make conformance` runs the SPARQL 1.1 query/update suites twice: over HTTP against the conformance app (what
clients get, safe defaults included: see tests/conformance/test_w3c.py) and here, in-process. Here queries run through
the same Executor and result serializers as /sparql (SPARQL JSON, N-Triples for graphs) on a fresh Oxigraph
store, with the store's own default graph; updates run on that store. Syntax tests are judged by Oxigraph's parser:
a well-formed text that fails when run (`LOAD <http://example.org/faraway>`, a missing graph, an unknown
function) counts as valid syntax, as it does in Oxigraph's own test harness. (An update syntax test is run on
an empty store of its own, so its LOAD may try the network: this is a conformance tool, not the endpoint.)
The difference between the two counts is the positive syntax tests that a safe endpoint refuses, or fails,
to execute over HTTP.
"""

from __future__ import annotations

import io
from typing import Any

import pyoxigraph as ox
from rdflib import Graph
from rdflib.query import Result

from graph.sparql.execute import Executor, Limits, QueryFailed


class EngineBackend:
    """reset / load / syntax / query / update / dump, as run_sparql.py's CustomBackend expects."""

    def __init__(self) -> None:
        """One worker thread, no row limit, a generous timeout."""
        self.executor = Executor(1)
        self.limits = Limits(timeout=120, max_rows=10**9)
        self.store = ox.Store()

    def reset(self) -> None:
        """A fresh, empty store."""
        self.store = ox.Store()

    def load(self, default_graphs: list[Graph], named: dict[str, Graph]) -> None:
        """The test data: default graph(s) and named graphs."""
        for graph in default_graphs:
            self.store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES,
                            to_graph=ox.DefaultGraph())
        for name, graph in named.items():
            self.store.add_graph(ox.NamedNode(name))
            self.store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES,
                            to_graph=ox.NamedNode(name))

    def syntax(self, text: str, is_update: bool) -> bool:
        """Whether Oxigraph's parser accepts the text: a query is prepared, not run (solutions are lazy); an
        update runs on an empty store of its own, where only a SyntaxError means invalid syntax."""
        probe = ox.Store()
        try:
            if is_update:
                probe.update(text)
            else:
                probe.query(text)
        except SyntaxError:
            return False
        except Exception:  # well-formed; it failed when run (LOAD of an unreachable IRI, an unknown function, …)
            return True
        return True

    def query(self, text: str) -> Any:
        """Run through the endpoint's Executor and serializers; an rdflib Result (or the runner's graph result)."""
        import w3c_manifest  # the runner's module: on sys.path when the runner imports this backend

        try:
            answer = self.executor.run(self.store, text, result_format="json", graph_format="nt",
                                       limits=self.limits, union_default=False)
        except QueryFailed as error:
            raise RuntimeError(str(error)) from None
        if answer.kind == "graph":
            graph = Graph()
            graph.parse(data=answer.body, format="nt")
            return w3c_manifest.Res("graph", graph=graph)
        return Result.parse(io.BytesIO(answer.body), format="json")

    def update(self, text: str) -> None:
        """Run an update on the store."""
        self.store.update(text)

    def dump(self) -> list[tuple[Any, Any, Any, Any]]:
        """Every quad, the default graph's with graph None."""
        result = self.query("SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
        return [(row.s, row.p, row.o, row.g) for row in result]
