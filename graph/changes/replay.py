"""Replay the journal into a freshly built store: apply each changeset in order, set aside those that no longer
apply (a quad they remove is gone, one they add is there already), then validate what the replayed ones
changed; a changeset whose quads touch a focus node that no longer conforms is set aside too (with the first
violation as its reason). What to do with those (report and stop, or drop and replay again) is the build's."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import URIRef

from graph.changes.apply import StaleChangeset, apply, contains, stale_reason
from graph.changes.history import touches
from graph.changes.model import Changeset
from graph.shacl.incremental import Changes
from graph.shacl.validate import validate_store


@dataclass
class Replay:
    """What a replay did: the ids applied, and the changesets set aside (`stale` were not applied;
    `nonconforming` were, and leave the store not conforming)."""

    applied: list[str] = field(default_factory=list)
    stale: list[StaleChangeset] = field(default_factory=list)
    nonconforming: list[StaleChangeset] = field(default_factory=list)
    dropped: list[StaleChangeset] = field(default_factory=list)
    """Set aside for good: marked dropped in the journal (by a build with --drop-stale)."""

    @property
    def refused(self) -> list[StaleChangeset]:
        """Every changeset set aside, in journal order of discovery (stale first)."""
        return [*self.stale, *self.nonconforming]


def replay(store: ox.Store, changesets: Iterable[Changeset], base: str, skip: Collection[str] = ()) -> Replay:
    """Apply, in order, the changesets not in `skip` and not in the store yet; validate what they changed."""
    done = Replay()
    applied: list[Changeset] = []
    for changeset in changesets:
        if changeset.id in skip or contains(store, changeset.id, base):
            continue
        reason = stale_reason(store, changeset)
        if reason is not None:
            done.stale.append(StaleChangeset(changeset.id, reason))
            continue
        apply(store, changeset, base)
        applied.append(changeset)
        done.applied.append(changeset.id)
    if applied:
        done.nonconforming = nonconforming(store, applied)
    return done


def nonconforming(store: ox.Store, applied: list[Changeset]) -> list[StaleChangeset]:
    """The applied changesets to blame for the violations their changes cause: those that touch a violation's
    focus node (else the last one), each with its first violation as the reason."""
    changes = Changes.of_quads(quad for changeset in applied for quad in (*changeset.added, *changeset.removed))
    report = validate_store(store, engine="oxigraph", changes=changes)
    blamed: dict[str, StaleChangeset] = {}
    for violation in report.violations:
        focus = violation.focus_node
        culprits = [c for c in applied if isinstance(focus, URIRef) and touches(c, str(focus))] or applied[-1:]
        path = f" {violation.path.n3()}" if isinstance(violation.path, URIRef) else ""
        for culprit in culprits:
            reason = f"the graph no longer conforms: {focus.n3()}{path}: {violation.message}"
            blamed.setdefault(culprit.id, StaleChangeset(culprit.id, reason))
    order = [c.id for c in applied]
    return sorted(blamed.values(), key=lambda stale: order.index(stale.id))
