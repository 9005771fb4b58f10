"""`mgkg export -o`: through symlinks, to special files, never a partial file; contributions and history exported
as their own named graphs."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from graph.changes.journal import Journal
from graph.changes.model import Changeset, new_id
from graph.cli.commands import cli
from graph.core.files import DataFileError, write_atomic

BASE = "https://w3id.org/mgkg/"


def test_a_symlink_is_written_through(tmp_path: Path) -> None:
    target, link = tmp_path / "real.ttl", tmp_path / "link.ttl"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    link.symlink_to(target.name)
    write_atomic(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.ttl", "real.ttl"]


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.ttl"
    link.symlink_to("made.ttl")
    write_atomic(link, b"data")
    assert link.is_symlink() and (tmp_path / "made.ttl").read_bytes() == b"data"


def test_a_fifo_is_written_straight_through(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, b"through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.ttl"
    target.write_bytes(b"old")

    def full(handle: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(DataFileError, match="cannot write: No space left on device"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["out.ttl"]


def test_a_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="it is a folder"):
        write_atomic(tmp_path, b"x")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder built with one journalled contribution."""
    folder = tmp_path_factory.mktemp("data")
    now = datetime.now(UTC)
    comment = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
    quad = ox.Quad(ox.NamedNode(BASE + "id/project/tc-0287"), comment, ox.Literal("a contribution"),
                   ox.NamedNode(BASE + "graph/contributions/alice"))
    Journal(folder).append(Changeset(new_id(now), now, "alice", "note", (quad,), ()))
    assert CliRunner().invoke(cli, ["--data-dir", str(folder), "build"]).exit_code == 0
    return folder


def test_export_keeps_contributions_and_history_in_their_own_graphs(data: Path) -> None:
    result = CliRunner().invoke(cli, ["--data-dir", str(data), "export", "--format", "nquads"])
    assert result.exit_code == 0
    quads = list(ox.parse(result.stdout_bytes, format=ox.RdfFormat.N_QUADS))
    graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    assert {BASE + "graph/contributions/alice", BASE + "graph/changes"} <= graphs
    mine = [q for q in quads if q.graph_name.value == BASE + "graph/contributions/alice"]  # type: ignore[union-attr]
    assert [q.object.value for q in mine] == ["a contribution"]


def test_export_to_dev_stdout_writes_through(data: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "--data-dir", str(data), "export", "--format", "nquads",
         "-o", "/dev/stdout"],
        capture_output=True, check=False, env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert done.returncode == 0, done.stderr
    assert b"/graph/contributions/alice>" in done.stdout
    assert Path("/dev/stdout").is_symlink() or not Path("/dev/stdout").is_file()
