"""Applying changesets: one transaction with their history, catch-up from the journal, stale ones, revert."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.changes.apply import StaleChangeset, apply, blocking, catch_up, contains, inverse, stale_reason
from graph.changes.history import HISTORY_GRAPH, describe, history_quads, matching
from graph.changes.journal import Journal
from graph.changes.model import ChangesError, Changeset, new_id

BASE = "https://w3id.org/mgkg/"
MINE = ox.NamedNode(BASE + "graph/contributions/alice")
S = ox.NamedNode(BASE + "id/project/p")
P = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")


def q(text: str) -> ox.Quad:
    """A comment on S in alice's graph."""
    return ox.Quad(S, P, ox.Literal(text), MINE)


def make(added: tuple[ox.Quad, ...] = (), removed: tuple[ox.Quad, ...] = (), second: int = 0) -> Changeset:
    """A changeset by alice."""
    now = datetime(2026, 12, 6, 10, 0, second, tzinfo=UTC)
    return Changeset(new_id(now), now, "alice", f"edit {second}", added, removed)


def test_apply_changes_the_quads_and_records_the_history() -> None:
    store = ox.Store()
    store.add(q("old"))
    change = make((q("new"),), (q("old"),))
    assert not contains(store, change.id, BASE) and stale_reason(store, change) is None
    apply(store, change, BASE)
    assert q("new") in store and q("old") not in store and contains(store, change.id, BASE)
    history = set(store.quads_for_pattern(None, None, None, HISTORY_GRAPH(BASE)))
    assert history == set(history_quads(change, BASE))
    rows = list(store.query(
        "PREFIX cs: <http://purl.org/vocab/changeset/schema#> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>"
        " SELECT ?who ?why ?o WHERE { ?c cs:creatorName ?who ; cs:changeReason ?why ; cs:addition ?st ."
        f" ?st rdf:subject <{S.value}> ; rdf:object ?o }}", use_default_graph_as_union=True))
    assert [(r["who"].value, r["why"].value, r["o"].value) for r in rows] == [("alice", "edit 0", "new")]  # type: ignore[index]


def test_history_has_no_blank_nodes_and_names_a_revert() -> None:
    change = make((q("a"),))
    undo = inverse(change, "bob", "undo")
    quads = history_quads(undo, BASE)
    assert not any(isinstance(t, ox.BlankNode) for quad in quads for t in (quad.subject, quad.object))
    assert any(q.predicate.value.endswith("#invalidated") and q.object.value.endswith(change.id) for q in quads)
    assert describe(undo, BASE)["reverts"] == change.id and describe(undo, BASE)["graphs"] == [MINE.value]


def test_apply_is_one_transaction() -> None:
    store = ox.Store()
    store.add(q("old"))
    texts: list[str] = []

    class Recording:
        """The store, counting its updates (one update is one Oxigraph transaction)."""

        def update(self, text: str) -> None:
            texts.append(text)
            store.update(text)

    apply(Recording(), make((q('new "quoted"\nline'),), (q("old"),)), BASE)  # type: ignore[arg-type]
    assert len(texts) == 1 and q('new "quoted"\nline') in store and q("old") not in store


def test_apply_refuses_to_remove_a_blank_node() -> None:
    blank = ox.Quad(ox.BlankNode("b"), P, ox.Literal("x"), MINE)
    with pytest.raises(ChangesError, match="blank node"):
        apply(ox.Store(), make((), (blank,)), BASE)


def test_stale_reasons() -> None:
    store = ox.Store()
    store.add(q("there"))
    assert "not there" in str(stale_reason(store, make((), (q("absent"),))))
    assert "there already" in str(stale_reason(store, make((q("there"),))))


def test_catch_up_applies_missing_entries_in_order(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    first, second = make((q("a"),), second=1), make((q("b"),), (q("a"),), second=2)
    journal.append(first)
    journal.append(second)
    store = ox.Store()
    apply(store, first, BASE)
    assert catch_up(store, journal, BASE) == [second.id]
    assert catch_up(store, journal, BASE) == []
    assert set(store.quads_for_pattern(None, None, None, MINE)) == {q("b")}


def test_catch_up_stops_at_a_stale_entry(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append(stale := make((), (q("never there"),)))
    with pytest.raises(StaleChangeset, match=stale.id) as raised:
        catch_up(ox.Store(), journal, BASE)
    assert raised.value.id == stale.id


def test_revert_and_what_blocks_it() -> None:
    store = ox.Store()
    first = make((q("a"),), second=1)
    apply(store, first, BASE)
    later = make((q("b"),), (q("a"),), second=2)
    unrelated = make((q("c"),), second=3)
    assert blocking([later, unrelated], first) == [later.id]
    assert blocking([unrelated], first) == []
    undo = inverse(first, "bob", "undo it")
    assert undo.added == () and undo.removed == (q("a"),) and undo.reverts == first.id and undo.writer == "bob"
    apply(store, undo, BASE)
    assert q("a") not in store and contains(store, first.id, BASE) and contains(store, undo.id, BASE)


def test_matching_by_entity_and_time() -> None:
    early, late = make((q("a"),), second=1), make((ox.Quad(P, P, ox.Literal("x"), MINE),), second=5)
    assert matching([early, late], entity=S.value) == [early]
    assert matching([early, late], since=datetime(2026, 12, 6, 10, 0, 3, tzinfo=UTC)) == [late]
