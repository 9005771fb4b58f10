"""Run an update once, on a scratch store, and get exactly what it changed: the quads added and removed.

The caller makes the scratch (a RocksDB checkpoint or an in-memory copy of the live store), validates it
afterwards and applies the changes to the live store (graph.changes.apply): the update itself never runs
there, so what was validated is what is stored, NOW()/RAND()/UUID()/BNODE() included.

Operation by operation (graph.changes.operations; no GRAPH means the writer's contribution graph):
INSERT DATA / DELETE DATA add or remove their quads (only those absent / present count), DROP / CLEAR /
CREATE GRAPH <iri> empty or create that graph — no dump of the store needed; DELETE / INSERT … WHERE whose
templates name their graphs run on the scratch and change only those graphs, compared before and after; every
other operation (GRAPH ?g templates, LOAD, ADD, COPY, MOVE, DROP ALL) runs on the scratch and its changes are the
difference of the dumps of the whole store before and after. The result is the net change of the whole update
(a quad added then removed is in neither list).
Blank nodes the update creates are skolemized to {base}.well-known/genid/{uuid} IRIs, in the scratch too.
An added quad that links to a blank node the store already had cannot be named by a changeset (a rebuilt store
labels blank nodes afresh): ChangesError. Removed quads keep their blank nodes: only graphs a write may not
touch have any (document graphs), so the write policy refuses them; apply() refuses them too. On any error the
scratch is left part-way: throw it away.
"""

from __future__ import annotations

import itertools
import uuid

import pyoxigraph as ox

from graph.changes.model import ChangesError
from graph.changes.operations import Operation, data_quads, kind, rewrite, split, template_graphs


class Net:
    """The net change so far: quads added and removed, in the order first seen."""

    def __init__(self) -> None:
        """Nothing changed yet."""
        self.added: dict[ox.Quad, None] = {}
        self.removed: dict[ox.Quad, None] = {}

    def add(self, quad: ox.Quad) -> None:
        """`quad` was absent and is now present."""
        if quad in self.removed:
            del self.removed[quad]
        else:
            self.added[quad] = None

    def remove(self, quad: ox.Quad) -> None:
        """`quad` was present and is now absent."""
        if quad in self.added:
            del self.added[quad]
        else:
            self.removed[quad] = None


def compute(
    scratch: ox.Store, text: str, base_iri: str | None, default_graph: ox.NamedNode | ox.DefaultGraph,
    base: str | None = None,
) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """Run the update on `scratch`; (added, removed): exactly the quads it added and removed.

    `base` (for skolem IRIs) defaults to the part of `default_graph` before "graph/". Raises SyntaxError for
    a text that does not parse, ChangesError for what a changeset cannot hold, and what the store raises
    (RuntimeError: a graph that does not exist, …).
    """
    skolem = base if base is not None else str(getattr(default_graph, "value", "")).split("graph/", 1)[0]
    net = Net()
    pending: list[Operation] = []
    for operation in split(text):
        what = kind(operation)
        if what == "RUN":
            pending.append(operation)
            continue
        _run(scratch, pending, base_iri, default_graph, skolem, net)
        pending = []
        _stated(scratch, operation, what, base_iri, default_graph, skolem, net)
    _run(scratch, pending, base_iri, default_graph, skolem, net)
    return list(net.added), list(net.removed)


def _stated(
    scratch: ox.Store, operation: Operation, what: str, base_iri: str | None,
    default_graph: ox.NamedNode | ox.DefaultGraph, skolem: str, net: Net,
) -> None:
    """Apply an operation whose quads its text says (INSERT/DELETE DATA, DROP/CLEAR/CREATE GRAPH <iri>)."""
    if what in ("INSERT DATA", "DELETE DATA"):
        quads = data_quads(operation, base_iri, default_graph)
        if what == "INSERT DATA":
            for quad in _skolemized(quads, skolem):
                if quad not in scratch:
                    scratch.add(quad)
                    net.add(quad)
        else:
            for quad in quads:
                if quad in scratch:
                    scratch.remove(quad)
                    net.remove(quad)
        return
    graph = operation.target()
    assert graph is not None  # kind() said so
    exists = scratch.contains_named_graph(graph)
    if what == "CREATE":
        if exists and not operation.silent:
            raise RuntimeError(f"The graph <{graph.value}> already exists")
        scratch.add_graph(graph)
        return
    if not exists:
        if not operation.silent:
            raise RuntimeError(f"The graph <{graph.value}> does not exist")
        return
    for quad in list(scratch.quads_for_pattern(None, None, None, graph)):
        net.remove(quad)
    if what == "DROP":
        scratch.remove_graph(graph)
    else:
        scratch.clear_graph(graph)


def _run(
    scratch: ox.Store, operations: list[Operation], base_iri: str | None, default_graph: ox.NamedNode | ox.DefaultGraph,
    skolem: str, net: Net,
) -> None:
    """Run operations whose changes only running tells, and note the difference of the store before and after:
    of the graphs their templates name when the text says which (graph.changes.operations.template_graphs: a
    DELETE / INSERT … WHERE changes no other), else of the dumps of the whole store."""
    if not operations:
        return
    texts = [rewrite(operation, default_graph) for operation in operations]
    graphs: set[ox.NamedNode | ox.DefaultGraph] | None = set()
    for text in texts:
        named = template_graphs(text, base_iri)
        graphs = None if named is None or graphs is None else graphs | named
    if graphs is not None:
        before_quads = {q for g in graphs for q in scratch.quads_for_pattern(None, None, None, g)}
        for text in texts:
            scratch.update(text, base_iri=base_iri)
        after_quads = {q for g in graphs for q in scratch.quads_for_pattern(None, None, None, g)}
        removed, added = list(before_quads - after_quads), list(after_quads - before_quads)
    else:
        before = set((scratch.dump(format=ox.RdfFormat.N_QUADS) or b"").splitlines())
        for text in texts:
            scratch.update(text, base_iri=base_iri)
        after = set((scratch.dump(format=ox.RdfFormat.N_QUADS) or b"").splitlines())
        removed, added = _parsed(before - after), _parsed(after - before)
    for quad in removed:
        net.remove(quad)
    if not added:
        return
    fixed = _skolemized(
        [ox.Quad(q.subject, q.predicate, q.object, default_graph) if isinstance(q.graph_name, ox.DefaultGraph) else q
         for q in added],
        skolem, old=_old_blank_nodes(scratch, added),
    )
    for quad, new in zip(added, fixed, strict=True):
        if new != quad:
            scratch.remove(quad)
            scratch.add(new)
    for new in fixed:
        net.add(new)


def _parsed(lines: set[bytes]) -> list[ox.Quad]:
    lines.discard(b"")
    return list(ox.parse(b"\n".join(sorted(lines)), format=ox.RdfFormat.N_QUADS)) if lines else []


def _old_blank_nodes(scratch: ox.Store, added: list[ox.Quad]) -> set[ox.BlankNode]:
    """The blank nodes of `added` that the store has in other quads too (they were there before the update)."""
    new = set(added)
    old: set[ox.BlankNode] = set()
    nodes = {t for q in added for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}
    for node in nodes:
        around = itertools.chain(
            scratch.quads_for_pattern(node, None, None, None), scratch.quads_for_pattern(None, None, node, None)
        )
        if any(quad not in new for quad in around):
            old.add(node)
    return old


def _skolemized(quads: list[ox.Quad], base: str, old: set[ox.BlankNode] | None = None) -> list[ox.Quad]:
    """The quads with each blank node replaced by a fresh {base}.well-known/genid/{uuid} IRI (ChangesError for a
    blank node in `old`: one the store already had)."""
    names: dict[ox.BlankNode, ox.NamedNode] = {}

    def name(term: object) -> object:
        if not isinstance(term, ox.BlankNode):
            return term
        if old and term in old:
            raise ChangesError(
                "the update links to a blank node the store already has, which a changeset cannot name "
                "(name that node by its IRI)"
            )
        if term not in names:
            names[term] = ox.NamedNode(f"{base}.well-known/genid/{uuid.uuid4().hex}")
        return names[term]

    return [ox.Quad(name(q.subject), q.predicate, name(q.object), q.graph_name) for q in quads]  # type: ignore[arg-type]
