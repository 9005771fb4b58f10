"""`mgkg history` and `mgkg revert`: the journal listed and filtered; a changeset undone, SHACL-gated, refused when
a later one depends on it or a process holds the store."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result

from graph.changes.journal import Journal
from graph.changes.model import Changeset, new_id
from graph.cli.commands import cli
from graph.store import EmbeddedStore

BASE = "https://w3id.org/mgkg/"
MINE = ox.NamedNode(BASE + "graph/contributions/alice")
PROJECT = ox.NamedNode(BASE + "id/project/tc-0287")
NEW = ox.NamedNode(BASE + "id/project/new")
COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def run(*args: str) -> Result:
    """mgkg in-process."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def one_line(result: Result, code: int = 2) -> str:
    """The one error line (and the exit code checked)."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("mgkg: error: "), result.stderr
    return result.stderr


def made(day: int, message: str, *added: ox.Quad) -> Changeset:
    """A changeset by alice on 2026-12-`day`."""
    when = datetime(2026, 12, day, 10, tzinfo=UTC)
    return Changeset(new_id(when), when, "alice", message, added, ())


def quad(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> ox.Quad:
    """A quad in alice's graph."""
    return ox.Quad(s, p, o, MINE)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data folder built with two journalled changesets (applied by the build)."""
    journal = Journal(tmp_path)
    journal.append(made(1, "a note", quad(PROJECT, COMMENT, ox.Literal("checked"))))
    journal.append(made(5, "another", quad(NEW, COMMENT, ox.Literal("later"))))
    assert run("--data-dir", str(tmp_path), "build").exit_code == 0
    return tmp_path


def ids(data: Path) -> list[str]:
    """The ids of the journal, in order."""
    return [changeset.id for changeset in Journal(data)]


def test_history_lists_and_filters(data: Path) -> None:
    first, second = ids(data)
    result = run("--data-dir", str(data), "history")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"{first}  2026-12-01 10:00:00Z  alice  +1 -0  contributions/alice  a note"
    assert lines[1].startswith(second) and len(lines) == 2
    only = run("--data-dir", str(data), "history", "--entity", PROJECT.value)
    assert [line.split()[0] for line in only.stdout.splitlines()] == [first]
    since = run("--data-dir", str(data), "history", "--since", "2026-12-03", "--format", "json")
    records = json.loads(since.stdout)
    assert [r["id"] for r in records] == [second] and records[0]["graphs"] == [MINE.value]
    assert records[0]["iri"] == f"{BASE}id/change/{second}"
    assert json.loads(run("--data-dir", str(data), "history", "--since", "2026-12-05T10:00:01+00:00",
                          "--format", "json").stdout) == []


def test_history_of_no_journal_is_empty(tmp_path: Path) -> None:
    result = run("--data-dir", str(tmp_path), "history")
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(run("--data-dir", str(tmp_path), "history", "--format", "json").stdout) == []


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--since", "yesterday", "expected a date"), ("--entity", "prj:x y", "expected an absolute IRI"),
])
def test_history_bad_options_are_one_line(tmp_path: Path, option: str, value: str, says: str) -> None:
    assert says in one_line(run("--data-dir", str(tmp_path), "history", option, value))


def test_revert_undoes_and_history_shows_both(data: Path) -> None:
    first, _ = ids(data)
    result = run("--data-dir", str(data), "revert", first, "--message", "wrong\nproject", "--writer", "bob")
    assert result.exit_code == 0, result.stderr
    undo = result.stdout.split()[-1]
    assert result.stdout == f"reverted {first}: changeset {undo}\n"
    store = EmbeddedStore(data / "store", read_only=True)
    try:
        assert quad(PROJECT, COMMENT, ox.Literal("checked")) not in store.raw
    finally:
        store.close()
    last = Journal(data).get(undo)
    assert last is not None and last.reverts == first and last.writer == "bob" and last.message == "wrong project"
    listed = run("--data-dir", str(data), "history", "--entity", PROJECT.value).stdout.splitlines()
    assert len(listed) == 2 and listed[1].endswith(f"wrong project (reverts {first})")
    again = one_line(run("--data-dir", str(data), "revert", first))
    assert f"cannot be reverted: later changeset(s) {undo} changed the same quads" in again
    assert run("--data-dir", str(data), "build").exit_code == 0  # the revert is replayed too
    assert run("--data-dir", str(data), "history").stdout.count("\n") == 3


def test_revert_of_an_unknown_id_or_with_a_bad_writer(data: Path) -> None:
    assert "no changeset nope in the journal" in one_line(run("--data-dir", str(data), "revert", "nope"))
    first = ids(data)[0]
    assert "--writer 'Bob B'" in one_line(run("--data-dir", str(data), "revert", first, "--writer", "Bob B"))


def test_revert_that_would_not_conform_is_refused(data: Path) -> None:
    journal = Journal(data)
    bad = quad(PROJECT, ox.NamedNode("https://w3id.org/mgkg/ontology#acronym"), ox.Literal("5", datatype=INTEGER))
    journal.append(made(6, "a bad acronym", bad))
    when = datetime(2026, 12, 7, tzinfo=UTC)
    journal.append(fix := Changeset(new_id(when), when, "alice", "fixed", (), (bad,)))
    assert run("--data-dir", str(data), "build").exit_code == 0  # the replayed graph conforms
    result = run("--data-dir", str(data), "revert", fix.id)
    assert result.exit_code == 1
    last = result.stderr.splitlines()[-1]
    assert last == f"mgkg: error: the revert of {fix.id} was not applied: 1 SHACL violation(s)"
    assert "acronym" in result.stderr
    assert len(ids(data)) == 4
    store = EmbeddedStore(data / "store", read_only=True)
    try:
        assert bad not in store.raw
    finally:
        store.close()


def test_revert_while_a_process_holds_the_store_says_to_use_the_server(data: Path) -> None:
    first = ids(data)[0]
    script = ("import sys, pathlib\nfrom graph.store import EmbeddedStore\n"
              "s = EmbeddedStore(pathlib.Path(sys.argv[1]))\nprint('open', flush=True)\nsys.stdin.readline()\n")
    holder = subprocess.Popen([sys.executable, "-c", script, str(data / "store")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        line = one_line(run("--data-dir", str(data), "revert", first))
        assert f"is open in process {holder.pid}" in line and f"POST /changes/{first}/revert" in line
    finally:
        holder.communicate("\n", timeout=30)
    assert len(ids(data)) == 2
