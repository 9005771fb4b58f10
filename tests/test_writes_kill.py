"""`mgkg serve` with writes, as real processes: 10 rounds of kill -9 during a stream of writes lose no acknowledged
changeset and leave the journal and the store agreeing; `mgkg build` while it serves keeps the writes and leaves
a store every process can open."""

from __future__ import annotations

import random
import signal
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import Dataset
from support.mgkg_serve import Server, mgkg, start
from support.notes import BASE, EDITOR, data_folder, insert, note

from graph.changes.apply import contains
from graph.changes.journal import Journal

pytestmark = pytest.mark.slow

TOKEN = "kill-t0ken"
ENV = {"MGKG_UPDATE_TOKEN": TOKEN, "MGKG_ISOLATION": "false"}
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}
ROUNDS = 10


@pytest.fixture
def data(built: Dataset, tmp_path: Path) -> Path:
    """A data folder with a built store behind the data/store symlink and an empty journal."""
    return data_folder(built, tmp_path)


def serving(data: Path) -> Server:
    """`mgkg --data-dir DATA serve` with writes on, on any free port."""
    return start("--data-dir", str(data), "serve", "--port", "0", "--threads", "2", env=ENV)


def write_until_refused(url: str, label: str, acknowledged: dict[str, str]) -> None:
    """POST writes one after another until the server is gone; note each acknowledged changeset id → its text."""
    number = 0
    while True:
        text = f"{label}-{number}"
        try:
            response = requests.post(url + "/sparql", data=insert(text), headers={**HEADERS, "X-MGKG-Message": text},
                                     timeout=10)
        except requests.RequestException:
            return
        if response.status_code == 204:
            acknowledged[response.headers["X-MGKG-Changeset"]] = text
        number += 1


def first_write(acknowledged: dict[str, str], before: int, writer: threading.Thread, seconds: float = 120) -> None:
    """Wait until a write beyond the first `before` is acknowledged (or the writer stopped, or `seconds` passed)."""
    end = time.monotonic() + seconds
    while len(acknowledged) == before and writer.is_alive() and time.monotonic() < end:
        time.sleep(0.01)


def test_kill_9_during_writes_loses_no_acknowledged_changeset(data: Path) -> None:
    acknowledged: dict[str, str] = {}
    chance = random.Random(16)
    for round_ in range(ROUNDS):
        server = serving(data)
        before = len(acknowledged)
        writer = threading.Thread(target=write_until_refused, args=(server.url, f"r{round_}", acknowledged))
        writer.start()
        first_write(acknowledged, before, writer)  # the kill then lands amid writes, however busy the machine
        time.sleep(chance.uniform(0.05, 1.0))
        server.stop(signal.SIGKILL)
        writer.join(timeout=30)
    assert len(acknowledged) >= ROUNDS, acknowledged
    server = serving(data)  # catches up on the journal, removes scratch folders
    try:
        for id in chance.sample(sorted(acknowledged), 5):
            assert requests.get(f"{server.url}/changes/{id}", timeout=10).json()["message"] == acknowledged[id]
    finally:
        assert server.stop() == 0
    assert not list(data.glob(".scratch-*"))
    store = ox.Store(str(data / "store"))
    journal = [changeset.id for changeset in Journal(data)]
    assert set(acknowledged) <= set(journal)
    assert all(note(text) in store for text in acknowledged.values())
    history = {str(q.object.value) for q in store.quads_for_pattern(
        None, ox.NamedNode("http://purl.org/dc/terms/identifier"), None, ox.NamedNode(f"{BASE}graph/changes"))}
    assert history == set(journal)  # the store holds exactly the journal's changesets
    assert all(contains(store, id, BASE) for id in journal)


def test_build_while_serving_keeps_the_writes_and_both_stores_open(data: Path) -> None:
    server = serving(data)
    try:
        first = (data / "store").resolve()
        before = requests.post(server.url + "/sparql", data=insert("before"),
                               headers={**HEADERS, "X-MGKG-Message": "a note"}, timeout=10)
        assert before.status_code == 204
        build = mgkg("--data-dir", str(data), "build")
        _, errors = build.communicate(timeout=120)
        assert build.returncode == 0, errors
        assert (data / "store").resolve() != first
        after = requests.post(server.url + "/sparql", data=insert("after"), headers=HEADERS, timeout=10)
        assert after.status_code == 204
        listed = requests.get(server.url + "/changes", timeout=10).json()["changes"]
        assert [c["message"] for c in listed] == ["SPARQL Update via HTTP", "a note"]
        ask = requests.get(server.url + "/sparql", timeout=10, params={
            "query": f'ASK {{ GRAPH <{EDITOR.value}> {{ ?s ?p "before" , "after" }} }}'})
        assert ask.json()["boolean"] is True
        server.wait_for("now serving the store generation")
    finally:
        assert server.stop() == 0
    stats = mgkg("--data-dir", str(data), "stats")
    _, errors = stats.communicate(timeout=60)
    assert stats.returncode == 0, errors
    for folder in (first, (data / "store").resolve()):
        reopened = ox.Store(str(folder))  # read-write: no lock left behind, no corruption
        assert len(reopened) > 2000
        del reopened

