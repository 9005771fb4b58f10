"""Apply changesets to a store — its removals, additions and history quads in one transaction — and what
replay, catch-up and revert need: is it in the store, does it still apply, its inverse, what blocks a revert."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import pyoxigraph as ox

from graph.changes.history import HISTORY_GRAPH, history_quads
from graph.changes.journal import Journal
from graph.changes.model import ChangesError, Changeset, changeset_iri, new_id
from graph.core.errors import Kind


class StaleChangeset(ChangesError):
    """A journal changeset no longer applies to the store; the message names it and says why."""

    kind = Kind.CONFLICT

    def __init__(self, id: str, reason: str) -> None:
        """Name the changeset and the reason."""
        super().__init__(f"changeset {id} no longer applies: {reason}")
        self.id, self.reason = id, reason


def _data(quads: Iterable[ox.Quad]) -> str:
    """The body of an INSERT DATA / DELETE DATA block holding the quads, a GRAPH group per graph."""
    graphs: dict[ox.NamedNode | ox.BlankNode | ox.DefaultGraph, list[ox.Triple]] = {}
    for quad in quads:
        graphs.setdefault(quad.graph_name, []).append(quad.triple)
    parts = []
    for graph, triples in graphs.items():
        body = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()
        parts.append(body if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph} {{\n{body}}}\n")
    return "".join(parts)


def apply(store: ox.Store, changeset: Changeset, base: str) -> None:
    """Remove its removed quads, add its added quads and its history quads: one transaction (one update)."""
    for quad in changeset.removed:
        if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
            raise ChangesError(f"changeset {changeset.id} removes {quad}: a blank node, which it cannot name")
    operations = []
    if changeset.removed:
        operations.append(f"DELETE DATA {{\n{_data(changeset.removed)}}}")
    operations.append(f"INSERT DATA {{\n{_data([*changeset.added, *history_quads(changeset, base)])}}}")
    store.update(" ;\n".join(operations))


def contains(store: ox.Store, id: str, base: str) -> bool:
    """Whether changeset `id` is already in this store (its IRI has a triple in the history graph)."""
    found = store.quads_for_pattern(changeset_iri(id, base), None, None, HISTORY_GRAPH(base))
    return next(iter(found), None) is not None


def stale_reason(store: ox.Store, changeset: Changeset) -> str | None:
    """Why the changeset no longer applies to the store (a quad it removes is absent, one it adds is present
    already), or None when it applies exactly."""
    for quad in changeset.removed:
        if quad not in store:
            return f"it removes {quad} ., which is not there"
    for quad in changeset.added:
        if quad in store:
            return f"it adds {quad} ., which is there already"
    return None


def catch_up(store: ox.Store, journal: Journal, base: str) -> list[str]:
    """Apply, in journal order, every journal changeset not yet in the store; the ids applied.

    StaleChangeset when one no longer applies (the store was built from other sources since): a build
    reports it and, with --drop-stale, marks it dropped."""
    applied = []
    for changeset in journal:
        if contains(store, changeset.id, base):
            continue
        reason = stale_reason(store, changeset)
        if reason is not None:
            raise StaleChangeset(changeset.id, reason)
        apply(store, changeset, base)
        applied.append(changeset.id)
    return applied


def inverse(changeset: Changeset, writer: str, message: str) -> Changeset:
    """A new changeset that undoes `changeset` (its added and removed quads swapped), made now by `writer`."""
    now = datetime.now(UTC)
    return Changeset(new_id(now), now, writer, message, changeset.removed, changeset.added, reverts=changeset.id)


def blocking(later: Iterable[Changeset], target: Changeset) -> list[str]:
    """The ids of the later changesets that touch the quads a revert of `target` would change: one that removed
    a quad `target` added, or added one it removed (the revert is refused, naming them)."""
    added, removed = set(target.added), set(target.removed)
    return [
        changeset.id for changeset in later
        if changeset.id != target.id and (added & set(changeset.removed) or removed & set(changeset.added))
    ]
