"""Writes on a store on disk: catch-up and scratch cleanup at start, a build's new generation followed while
serving (in this process), the journal and the store agreeing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from rdflib import Dataset
from support.notes import BASE, COMMENT, EDITOR, data_folder, insert, note

from graph.build import write_store
from graph.changes.apply import contains
from graph.changes.journal import Journal
from graph.changes.model import Changeset, new_id
from graph.core.config import Settings
from graph.store import EmbeddedStore, open_store
from server.app import create_app
from server.context import EXTENSION, Runtime

TOKEN = "disk-t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}


@pytest.fixture
def data(built: Dataset, tmp_path: Path) -> Path:
    """A data folder with a built store behind the data/store symlink and an empty journal."""
    return data_folder(built, tmp_path)


def serve(data: Path, **settings: object) -> FlaskClient:
    """A writing app over the data folder's store (query processes off: this test reads in its own process)."""
    given = Settings(data_dir=data, update_token=TOKEN, isolation=False, **settings)  # type: ignore[arg-type]
    return create_app(given, open_store(given.store_spec)).test_client()


def runtime_of(client: FlaskClient) -> Runtime:
    """The app's Runtime."""
    rt = client.application.extensions[EXTENSION]
    assert isinstance(rt, Runtime)
    return rt


def close(client: FlaskClient) -> None:
    """Release the app's store (its RocksDB lock)."""
    rt = runtime_of(client)
    rt.close()
    assert isinstance(rt.store, EmbeddedStore)
    rt.store.close()


def test_a_writing_server_catches_up_and_removes_scratch_folders_at_start(data: Path) -> None:
    """A kill after the journal's fsync and before the store's commit: the next start applies the changeset."""
    now = datetime.now(UTC)
    journaled = Changeset(new_id(now), now, "editor", "killed before the store", (note("journaled"),), ())
    Journal(data).append(journaled)
    leftover = data / ".scratch-abc123"
    (leftover / "store").mkdir(parents=True)
    client = serve(data)
    try:
        store = runtime_of(client).store.raw
        assert isinstance(store, ox.Store)
        assert contains(store, journaled.id, BASE) and note("journaled") in store
        assert not leftover.exists()
        assert json.loads(client.get("/changes").data)["changes"][0]["id"] == journaled.id
    finally:
        close(client)


def test_no_scratch_folder_is_left_after_writes(data: Path) -> None:
    client = serve(data)
    try:
        assert client.post("/sparql", data=insert("one"), headers=AUTH).status_code == 204
        assert client.post("/sparql", data=b"CLEAR GRAPH <urn:x>", headers=AUTH).status_code == 400  # no such graph
        provenance = f"DROP GRAPH <{BASE}graph/provenance>".encode()
        assert client.post("/sparql", data=provenance, headers=AUTH).status_code == 403
    finally:
        close(client)
    assert not list(data.glob(".scratch-*"))


def test_a_build_while_serving_is_followed_and_keeps_the_writes(data: Path, built: Dataset) -> None:
    """A build swaps a new generation in while the app holds the old one read-write: the app answers from the old
    one until its next request, then from the new one — with every write, those made after the build read the
    journal too — and both generations stay openable."""
    client = serve(data)
    try:
        old = runtime_of(client).store
        assert isinstance(old, EmbeddedStore) and old.location is not None
        first = old.location
        assert client.post("/sparql", data=insert("before the build"), headers=AUTH).status_code == 204
        write_store(built, f"oxigraph:{data / 'store'}", BASE, Journal(data))
        assert (data / "store").resolve() != first
        assert client.post("/sparql", data=insert("after the build"), headers=AUTH).status_code == 204
        rt = runtime_of(client)
        new = rt.store.raw
        assert isinstance(rt.store, EmbeddedStore) and rt.store.location == (data / "store").resolve()
        assert isinstance(new, ox.Store)
        assert note("before the build") in new and note("after the build") in new
        assert json.loads(client.get("/changes").data)["total"] == 2
    finally:
        close(client)
    del old, new, rt
    for folder in (first, (data / "store").resolve()):
        reopened = ox.Store(str(folder))
        assert len(reopened) > 2000
        del reopened
    current = ox.Store(str(data / "store"))
    journal = Journal(data)
    assert [c.id for c in journal] and all(contains(current, c.id, BASE) for c in journal)


def test_a_link_to_no_store_is_not_followed(data: Path) -> None:
    """data/store pointed at a folder without a store (a half-made generation, a mistake): the app stays on the
    store it has, rather than opening a new, empty one."""
    client = serve(data)
    try:
        before = runtime_of(client).store
        empty = data / "generations" / "999999" / "store"
        empty.mkdir(parents=True)
        link = data / "store.tmp"
        link.symlink_to(empty.relative_to(data))
        link.replace(data / "store")
        assert client.post("/sparql", data=insert("still here"), headers=AUTH).status_code == 204
        assert runtime_of(client).store is before and not any(empty.iterdir())
    finally:
        close(client)


def test_query_processes_of_a_writing_server_read_checkpoints_that_follow_every_write(data: Path) -> None:
    """A server that writes its store gives its query processes checkpoints of it (RocksDB has no safe read-only
    view of a store another process writes: a compaction deletes SST files a reader still expects, and the query
    process dies with "Corruption: … No such file"). Each write makes a new checkpoint; compactions of the live
    store never reach them; older ones go once no job runs on them."""
    given = Settings(data_dir=data, update_token=TOKEN, threads=2)
    app = create_app(given, open_store(given.store_spec))
    client, rt = app.test_client(), app.extensions[EXTENSION]
    assert isinstance(rt, Runtime) and rt.pool is not None and rt.snapshots is not None
    readers = rt.snapshots.folder
    assert Path(rt.pool.path).parent == readers  # the processes open a checkpoint, not the live store
    assert readers == data / "readers"  # not inside a generation, which a later build may remove
    ask = f'ASK {{ GRAPH <{EDITOR.value}> {{ <{BASE}id/note> <{COMMENT.value}> "round %d" }} }}'
    for number in range(12):
        assert client.post("/sparql", data=insert(f"round {number}"), headers=AUTH).status_code == 204
        assert isinstance(rt.store, EmbeddedStore)
        rt.store.raw.optimize()  # compacts the live store: its old SST files are deleted
        answer = client.get("/sparql", query_string={"query": ask % number},
                            headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200 and answer.get_json()["boolean"] is True, answer.get_data(as_text=True)
    assert len(list(readers.iterdir())) == 1  # the latest checkpoint only
    rt.pool.close()
