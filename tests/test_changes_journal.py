"""Changesets and their journal: records round-trip, torn tails are ignored and truncated, appends are fsync'd."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.changes.journal import Journal, JournalError, decode, encode
from graph.changes.model import ID_PATTERN, ChangesError, Changeset, changeset_iri, new_id, one_line

BASE = "https://w3id.org/mgkg/"
G = ox.NamedNode(BASE + "graph/contributions/alice")
S = ox.NamedNode(BASE + "id/project/p")
P = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")


def quad(text: str, graph: ox.NamedNode = G) -> ox.Quad:
    """A comment on S in `graph`."""
    return ox.Quad(S, P, ox.Literal(text), graph)


def changeset(n: int = 0, **kw: object) -> Changeset:
    """A small changeset adding one comment (and removing another when n > 0)."""
    now = datetime(2026, 12, 6, 10, 15, n, tzinfo=UTC)
    removed = (quad(f"old {n}"),) if n else ()
    fields: dict[str, object] = {"id": new_id(now), "time": now, "writer": "alice", "message": f"note {n}",
                                 "added": (quad(f'new "{n}"\n é'),), "removed": removed}
    fields.update(kw)
    return Changeset(**fields)  # type: ignore[arg-type]


def test_ids_sort_by_time_and_name_an_iri() -> None:
    early, late = new_id(datetime(2026, 1, 1, tzinfo=UTC)), new_id(datetime(2026, 1, 2, tzinfo=UTC))
    assert ID_PATTERN.fullmatch(early) and early < late
    assert early.startswith("20260101T000000000000Z-")
    assert changeset_iri(early, BASE).value == f"{BASE}id/change/{early}"


def test_record_round_trip_keeps_every_field() -> None:
    original = changeset(3, reverts="20260101T000000000000Z-00000000")
    again = Changeset.from_record(json.loads(json.dumps(original.to_record())))
    assert again == original
    assert original.graphs == (G.value,)


@pytest.mark.parametrize("record", [
    {"id": "x"},
    {"id": "nope", "time": "2026-01-01T00:00:00Z", "writer": "a", "message": "m"},
    {"id": "20260101T000000000000Z-00000000", "time": "2026-01-01T00:00:00", "writer": "a", "message": "m"},
    {"id": "20260101T000000000000Z-00000000", "time": "2026-01-01T00:00:00Z", "writer": "a", "message": "m",
     "added": ["<a> <b> ."]},
])
def test_bad_records_are_one_clear_error(record: dict[str, object]) -> None:
    with pytest.raises(ChangesError):
        Changeset.from_record(record)


def test_messages_are_one_line_and_bounded() -> None:
    assert one_line("  two\nlines\t here ") == "two lines here"
    assert len(one_line("x" * 600)) == 500


def test_lines_carry_their_own_sha256() -> None:
    line = encode({"a": 1})
    assert decode(line) == {"a": 1}
    assert decode(line.replace(b'"a":1', b'"a":2')) is None
    assert decode(b"[1]\n") is None and decode(b"{not json\n") is None


def test_append_then_read_in_order(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    assert list(journal) == [] and len(journal) == 0
    written = [changeset(n) for n in range(3)]
    for item in written:
        journal.append(item)
    assert list(journal) == written and len(journal) == 3
    assert journal.get(written[1].id) == written[1] and journal.get("missing") is None


@pytest.mark.parametrize("tail", [b'{"id": "half', b"garbage without newline", b'{"a":1,"sha256":"00"}\n'])
def test_a_torn_last_line_is_ignored_then_truncated(tmp_path: Path, tail: bytes) -> None:
    journal = Journal(tmp_path)
    first, second = changeset(1), changeset(2)
    journal.append(first)
    with journal.path.open("ab") as handle:
        handle.write(tail)
    assert list(journal) == [first]
    journal.append(second)
    assert list(journal) == [first, second]
    assert tail not in journal.path.read_bytes()
    assert journal.path.read_bytes().count(b"\n") == 2


def test_a_torn_only_line_is_truncated(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.folder.mkdir(parents=True)
    journal.path.write_bytes(b'{"id": "20')
    assert list(journal) == []
    journal.append(only := changeset(1))
    assert list(journal) == [only]


def test_a_long_torn_line_is_found_back_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("graph.changes.journal.TAIL_CHUNK", 7)
    journal = Journal(tmp_path)
    journal.append(first := changeset(1))
    with journal.path.open("ab") as handle:
        handle.write(b"x" * 50)
    journal.append(second := changeset(2))
    assert list(journal) == [first, second]


def test_a_damaged_line_before_the_last_is_an_error(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    for n in range(3):
        journal.append(changeset(n))
    lines = journal.path.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b"note 1", b"note X")
    journal.path.write_bytes(b"".join(lines))
    with pytest.raises(JournalError, match=r"changes.jsonl:2: damaged entry"):
        list(journal)


def test_append_fsyncs_the_file_and_on_creation_its_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real = os.fsync

    def record(handle: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{handle}"))
        real(handle)

    monkeypatch.setattr(os, "fsync", record)
    journal = Journal(tmp_path / "data")
    journal.append(changeset(1))
    assert synced == [str(tmp_path), str(journal.folder.parent), str(journal.path), str(journal.folder)]
    synced.clear()
    journal.append(changeset(2))
    assert synced == [str(journal.path)]


def test_a_failed_write_is_a_journal_error_and_leaves_no_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    journal = Journal(tmp_path)
    journal.append(first := changeset(1))

    def broken(handle: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(JournalError, match="cannot write: Input/output error"):
        journal.append(changeset(2))
    monkeypatch.undo()
    assert list(journal) == [first]


def test_an_unwritable_folder_is_a_journal_error(tmp_path: Path) -> None:
    (tmp_path / "journal").write_text("a file where the folder should be")
    with pytest.raises(JournalError):
        Journal(tmp_path).append(changeset(1))


def test_dropped_changesets_stay_in_the_file_but_not_in_the_list(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    first, second = changeset(1), changeset(2)
    journal.append(first)
    journal.append(second)
    journal.drop(first.id, "it removes a quad that is not there")
    assert list(journal) == [second] and journal.get(first.id) is None
    assert list(journal.entries()) == [first, second]
    assert journal.dropped() == {first.id: "it removes a quad that is not there"}
    assert journal.path.read_bytes().count(b"\n") == 3
