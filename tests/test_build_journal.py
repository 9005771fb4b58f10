"""`mgkg build` keeps writes: generations swapped atomically, the journal replayed, stale changesets reported
(or dropped with --drop-stale), empty sources refused, leftovers removed — and a process holding the old
generation open, read-write, keeps a whole store."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result

from graph.build import BuildError, write_store
from graph.changes.apply import contains
from graph.changes.journal import Journal
from graph.changes.model import Changeset, new_id
from graph.cli.commands import cli
from graph.core.resources import sources_dir
from graph.store import EmbeddedStore, StoreError, generations

BASE = "https://w3id.org/mgkg/"
MINE = ox.NamedNode(BASE + "graph/contributions/alice")
PROJECT = ox.NamedNode(BASE + "id/project/youth-social-participation-montenegro")
COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
HOLD = """
import sys, pathlib, pyoxigraph as ox
from graph.store import EmbeddedStore
store = EmbeddedStore(pathlib.Path(sys.argv[1])).raw
print(len(store), flush=True)
sys.stdin.readline()
store.add(ox.Quad(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.Literal("late"), ox.NamedNode("http://x/g")))
store.flush()
print(len(store), flush=True)
"""


def run(*args: str) -> Result:
    """mgkg in-process."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def note(text: str, removed: tuple[ox.Quad, ...] = ()) -> Changeset:
    """A changeset by alice adding a comment on the project."""
    now = datetime.now(UTC)
    return Changeset(new_id(now), now, "alice", f"note {text}", (ox.Quad(PROJECT, COMMENT, ox.Literal(text), MINE),),
                     removed)


def opened(path: Path) -> EmbeddedStore:
    """The store at path, read-only."""
    return EmbeddedStore(path, read_only=True)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data folder with the graph built and an empty journal."""
    folder = tmp_path / "data"
    assert run("--data-dir", str(folder), "build").exit_code == 0
    return folder


def test_a_build_keeps_the_journal_writes(data: Path) -> None:
    journal = Journal(data)
    journal.append(first := note("kept"))
    result = run("--data-dir", str(data), "build")
    assert result.exit_code == 0, result.stderr
    assert "replayed 1 changesets of the journal (0 dropped)" in result.stdout
    store = opened(data / "store")
    try:
        assert ox.Quad(PROJECT, COMMENT, ox.Literal("kept"), MINE) in store.raw
        assert contains(store.raw, first.id, BASE)
    finally:
        store.close()
    assert (data / "store").is_symlink()


def test_stale_changesets_are_reported_and_nothing_is_swapped(data: Path) -> None:
    journal = Journal(data)
    journal.append(good := note("fine"))
    journal.append(stale := note("other", removed=(ox.Quad(PROJECT, COMMENT, ox.Literal("gone"), MINE),)))
    before = os.readlink(data / "store")
    result = run("--data-dir", str(data), "build")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"changeset {stale.id}: it removes ") and "which is not there" in lines[0]
    assert lines[-1].startswith("mgkg: error: 1 changeset(s) of the journal no longer apply; nothing was written")
    assert os.readlink(data / "store") == before
    assert generations.numbers(data / "store") == [1]
    result = run("--data-dir", str(data), "build", "--drop-stale")
    assert result.exit_code == 0, result.stderr
    assert f"mgkg: dropped changeset {stale.id}: it removes" in result.stderr
    assert journal.dropped().keys() == {stale.id} and [c.id for c in journal] == [good.id]
    assert journal.path.read_bytes().count(b"\n") == 3  # nothing deleted: a drop record added
    assert run("--data-dir", str(data), "build").exit_code == 0  # dropped stays dropped


def test_a_changeset_that_no_longer_conforms_is_stale(data: Path) -> None:
    nameless = ox.NamedNode(BASE + "id/project/nameless")
    now = datetime.now(UTC)
    bad = Changeset(new_id(now), now, "alice", "a project without a label",
                    (ox.Quad(nameless, TYPE, ox.NamedNode("https://w3id.org/mgkg/ontology#Project"), MINE),), ())
    Journal(data).append(bad)
    result = run("--data-dir", str(data), "build")
    assert result.exit_code == 1
    assert f"changeset {bad.id}: the graph no longer conforms: <{nameless.value}>" in result.stderr
    assert run("--data-dir", str(data), "build", "--drop-stale").exit_code == 0
    store = opened(data / "store")
    try:
        assert not list(store.raw.quads_for_pattern(nameless, None, None, None))
    finally:
        store.close()


@pytest.mark.parametrize("keep", [[], ["curation.ttl", "documents.ttl"]])
def test_a_sources_folder_without_documents_is_refused(data: Path, tmp_path: Path, keep: list[str]) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    for name in keep:
        shutil.copy(sources_dir() / name, folder / name)
    before = os.readlink(data / "store")
    result = run("--data-dir", str(data), "build", "--sources", str(folder))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"mgkg: error: {folder}: no document source files")
    assert os.readlink(data / "store") == before


def test_leftovers_and_old_generations_are_removed_at_start(data: Path) -> None:
    for _ in range(3):
        assert run("--data-dir", str(data), "build").exit_code == 0
    old = time.time() - 3600
    scratch = data / ".scratch-abc"
    (scratch / "store").mkdir(parents=True)
    os.utime(scratch, (old, old))
    young = data / ".scratch-young"
    young.mkdir()
    crashed = data / "generations" / "000009"
    (crashed / "store").mkdir(parents=True)
    (data / "store.new").mkdir()
    assert run("--data-dir", str(data), "build").exit_code == 0
    assert not scratch.exists() and young.exists() and not crashed.exists() and not (data / "store.new").exists()
    assert generations.numbers(data / "store") == [3, 4, 5]  # the current one before, the one before that, the new
    assert os.readlink(data / "store") == "generations/000005/store"


def test_an_old_layout_store_becomes_a_generation(tmp_path: Path) -> None:
    from graph.build import build_dataset

    dataset, _ = build_dataset()
    target = tmp_path / "store"
    old = EmbeddedStore(target)
    old.replace(dataset)
    old.close()
    write_store(dataset, f"oxigraph:{target}")
    assert target.is_symlink() and (tmp_path / "generations" / "000000" / "store").is_dir()
    assert generations.numbers(target) == [0, 1]


def hold(path: Path) -> subprocess.Popen[str]:
    """A process that opens the store at path read-write and holds it until told to write."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and int(process.stdout.readline()) > 0
    return process


def test_an_old_layout_store_held_by_a_process_is_not_moved(tmp_path: Path) -> None:
    target = tmp_path / "store"
    EmbeddedStore(target).close()
    ox.Store(str(target)).add(ox.Quad(PROJECT, COMMENT, ox.Literal("x"), MINE))
    holder = hold(target)
    try:
        with pytest.raises(StoreError, match=f"store {target} is open in process {holder.pid}"):
            write_store(__import__("rdflib").Dataset(), f"oxigraph:{target}")
        assert target.is_dir() and not target.is_symlink()
    finally:
        holder.communicate("go\n")


def test_a_build_beside_a_process_holding_the_store_read_write_leaves_both_openable(data: Path) -> None:
    Journal(data).append(note("replayed"))
    generation = (data / "store").resolve()
    holder = hold(data / "store")
    try:
        result = run("--data-dir", str(data), "build")
        assert result.exit_code == 0, result.stderr
        assert (data / "store").resolve() != generation
        out, _ = holder.communicate("write\n", timeout=60)  # the holder goes on writing its generation
        assert holder.returncode == 0 and int(out.split()[-1]) > 0
    finally:
        if holder.poll() is None:
            holder.kill()
    for path in (generation, data / "store"):
        store = opened(path)
        try:
            assert len(store) > 2000
        finally:
            store.close()
    assert run("--data-dir", str(data), "stats").exit_code == 0


def test_one_build_at_a_time(data: Path) -> None:
    handle = os.open(data / ".store.build-lock", os.O_RDWR)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(BuildError, match="another `mgkg build` is writing"):
            write_store(__import__("rdflib").Dataset(), f"oxigraph:{data / 'store'}")
    finally:
        os.close(handle)
