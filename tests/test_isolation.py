"""Query processes (server.isolation): a crash, a runaway or a memory hog costs one process, never the server.

The store is on disk (query processes open it read-only); the jobs that misbehave on purpose are in
tests/support/jobs.py. No test times anything: each asserts what was answered and which processes still live.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from support import jobs

from graph.core.config import Settings
from graph.core.errors import Kind
from graph.store import EmbeddedStore, open_store
from server.app import create_app
from server.context import EXTENSION, Runtime
from server.isolation import child
from server.isolation.pool import PoolError, ProcessPool, _Process, regular_processes

EX = "http://example.org/"
TOKEN = "iso-token"
CARTESIAN_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CARTESIAN_SORT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?f LIMIT 1"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has stopped: it burns nothing and holds no memory


def _app(path: Path, **settings: object) -> tuple[FlaskClient, Runtime]:
    given = Settings(store=f"oxigraph:{path}", **settings)  # type: ignore[arg-type]
    app = create_app(given, open_store(given.store_spec, read_only=not given.update_token))
    runtime = app.extensions[EXTENSION]
    assert isinstance(runtime, Runtime) and runtime.pool is not None
    return app.test_client(), runtime


@pytest.fixture
def pool(disk_store: Path) -> Iterator[ProcessPool]:
    """A pool of one regular process (and the lane) over the disk store."""
    own = ProcessPool(disk_store, size=1, memory_mb=300, lane_seconds=2.0)
    yield own
    own.close()


def _soon() -> float:
    return time.monotonic() + 30


def test_a_crash_costs_one_process_and_the_next_job_gets_a_fresh_one(pool: ProcessPool) -> None:
    first = pool.call(jobs.pid, end=_soon(), seconds=30)
    with pytest.raises(PoolError) as crashed:
        pool.call(jobs.crash, end=_soon(), seconds=30)
    assert crashed.value.kind is Kind.CRASHED
    assert "SIGSEGV" in str(crashed.value) and "\n" not in str(crashed.value)
    assert not _alive(first)
    assert pool.call(jobs.count, end=_soon(), seconds=30) == 3000


def test_a_job_out_of_time_is_killed_before_the_answer(pool: ProcessPool) -> None:
    pid = pool.call(jobs.pid, end=_soon(), seconds=30)
    with pytest.raises(PoolError) as late:
        pool.call(jobs.spin, 60.0, end=time.monotonic() + 0.5, seconds=0.5)
    assert late.value.kind is Kind.TIMEOUT
    assert str(late.value) == "query timed out after 0.5 s"
    assert not _alive(pid)  # no CPU burnt after the 503: the process is gone, not abandoned
    assert pool.pids() == []


def test_a_job_over_its_memory_limit_is_stopped_and_the_process_replaced(pool: ProcessPool) -> None:
    assert pool.call(jobs.hog, 50, end=_soon(), seconds=30) == 50
    with pytest.raises(PoolError) as hungry:
        pool.call(jobs.hog, 1000, end=_soon(), seconds=30)
    assert hungry.value.kind is Kind.OVER_LIMIT
    assert pool.call(jobs.hog, 50, end=_soon(), seconds=30) == 50


def test_a_query_arriving_while_every_regular_process_is_busy_runs_in_the_lane(pool: ProcessPool) -> None:
    results: list[object] = []
    runaway = threading.Thread(target=lambda: results.append(_outcome(pool, 20.0)))
    runaway.start()
    while len(pool.pids()) < 1:
        time.sleep(0.01)
    time.sleep(pool.lane_grace * 2)  # the runaway has been running a while: the lane is for queries behind it
    assert pool.call(jobs.count, end=_soon(), seconds=30) == 3000  # answered while the runaway still runs
    assert runaway.is_alive()
    with pytest.raises(PoolError) as cut:  # in the lane a job gets lane_seconds, not its whole limit
        pool.call(jobs.spin, 60.0, end=_soon(), seconds=30)
    assert cut.value.kind is Kind.TIMEOUT and "every query process was busy" in str(cut.value)
    pool.close()
    runaway.join()
    assert isinstance(results[0], PoolError)


def test_a_lane_query_gets_its_seconds_once_its_process_has_started(disk_store: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting a process (opening the store) is not the query's time: on a loaded machine it can take longer than
    the lane's whole budget, and a cheap query would get a 503 for it."""
    own = ProcessPool(disk_store, size=1, memory_mb=0, lane_seconds=1.0)
    try:
        own.call(jobs.pid, end=_soon(), seconds=30)  # the regular process, started before processes start slowly
        runaway = threading.Thread(target=_outcome, args=(own, 8.0))
        runaway.start()
        while own.busy() < 1:
            time.sleep(0.01)
        time.sleep(own.lane_grace * 2)
        monkeypatch.setattr(child, "serve_jobs", jobs.slow_start)  # each new process takes 2 s to start
        assert own.call(jobs.count, end=_soon(), seconds=30) == 3000  # in the lane, after its 2 s start
        assert runaway.is_alive()
    finally:
        own.close()
    runaway.join()


def test_a_query_arriving_while_the_regular_processes_answer_short_jobs_waits_for_one(disk_store: Path) -> None:
    """The lane is for queries stuck behind long ones: while the regular processes answer short jobs, a query waits
    for one of them rather than starting a lane process (more processes than cores only take turns). The job is
    "short" against a lane_grace of 60 s, so that no delay of this test's threads on a loaded machine makes it long."""
    own = ProcessPool(disk_store, size=1, memory_mb=0, lane_grace=60.0)
    try:
        worker = own.call(jobs.pid, end=_soon(), seconds=30)
        short = threading.Thread(target=own.call, args=(jobs.spin, 0.2), kwargs={"end": _soon(), "seconds": 30})
        short.start()
        while not own.busy():
            time.sleep(0.001)
        assert own.call(jobs.pid, end=_soon(), seconds=30) == worker  # the regular one, once free: no lane process
        short.join()
        assert own.pids() == [worker]
    finally:
        own.close()


def test_a_burst_of_runaways_leaves_the_lane_to_a_query_arriving_after_it(disk_store: Path) -> None:
    """Runaways arriving together wait for the regular processes (the first ones hold them); a query arriving once
    those have run for lane_grace starts in the lane at once: answered while every runaway is still running or
    waiting."""
    own = ProcessPool(disk_store, size=1, memory_mb=0, lane=1, lane_seconds=20.0)
    try:
        burst = [threading.Thread(target=_outcome, args=(own, 3.0)) for _ in range(3)]
        for thread in burst:
            thread.start()
        while own.busy() < 1:
            time.sleep(0.01)
        time.sleep(own.lane_grace * 2)
        assert own.busy() == 1  # the two others wait for the regular process, not in the lane
        assert own.call(jobs.count, end=time.monotonic() + 30, seconds=30) == 3000
        assert all(thread.is_alive() for thread in burst)
    finally:
        own.close()
        for thread in burst:
            thread.join()


def _outcome(pool: ProcessPool, seconds: float) -> object:
    try:
        return pool.call(jobs.spin, seconds, end=time.monotonic() + seconds + 10, seconds=seconds + 10)
    except PoolError as error:
        return error


def test_with_every_process_busy_a_job_waits_then_gets_a_one_line_503(disk_store: Path) -> None:
    own = ProcessPool(disk_store, size=1, memory_mb=0, lane=0)
    try:
        blocker = threading.Thread(target=_outcome, args=(own, 20.0))
        blocker.start()
        while len(own.pids()) < 1:
            time.sleep(0.01)
        with pytest.raises(PoolError) as busy:
            own.call(jobs.count, end=time.monotonic() + 0.3, seconds=0.3)
        assert busy.value.kind is Kind.TIMEOUT and "stayed busy" in str(busy.value)
    finally:
        own.close()
    blocker.join()


def test_the_endpoint_answers_503_for_a_runaway_and_kills_its_process(disk_store: Path) -> None:
    client, runtime = _app(disk_store, query_timeout=1.0)
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    before = set(runtime.pool.pids())  # type: ignore[union-attr]
    answer = client.get("/sparql", query_string={"query": CARTESIAN_COUNT})
    assert (answer.status_code, answer.data) == (503, b"query timed out after 1 s\n")
    assert not any(_alive(pid) for pid in before - set(runtime.pool.pids()))  # type: ignore[union-attr]
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_the_endpoint_answers_a_memory_hog_with_a_one_line_503(disk_store: Path) -> None:
    client, _ = _app(disk_store, query_timeout=60.0, query_memory=200)
    answer = client.get("/sparql", query_string={"query": CARTESIAN_SORT})
    assert answer.status_code == 503
    assert b"memory limit of 200 MB" in answer.data and answer.data.count(b"\n") == 1
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_a_write_is_seen_by_the_query_processes(tmp_path: Path) -> None:
    path = tmp_path / "store"
    EmbeddedStore(path).close()
    client, _ = _app(path, update_token=TOKEN)
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ <{EX}a> ?p ?o }}"
    assert b'"value":"0"' in client.get("/sparql", query_string={"query": count}).data
    insert = f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}"  # into the writer's contribution graph
    done = client.post("/sparql", data=insert, content_type="application/sparql-update",
                       headers={"Authorization": f"Bearer {TOKEN}"})
    assert done.status_code == 204, done.data
    assert b'"value":"1"' in client.get("/sparql", query_string={"query": count}).data


def test_shacl_validation_runs_in_a_query_process_under_the_time_limit(disk_store: Path) -> None:
    client, runtime = _app(disk_store, query_timeout=30.0)
    data = f"<{EX}a> <{EX}b> <{EX}c> ."
    answer = client.post("/shacl", data=data, content_type="text/turtle", headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.headers["X-SHACL-Conforms"] == "true"
    assert runtime.pool.pids()  # type: ignore[union-attr]


def test_without_isolation_or_on_a_memory_store_queries_run_in_threads(disk_store: Path) -> None:
    off = Settings(store=f"oxigraph:{disk_store}", isolation=False)
    assert create_app(off, open_store(off.store_spec, read_only=True)).extensions[EXTENSION].pool is None
    memory = Settings(store="memory")
    assert create_app(memory).extensions[EXTENSION].pool is None


def test_query_processes_are_capped_at_the_cores_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(4)))
    assert regular_processes(16) == 4  # not one per thread: the cores bound what runs at once
    assert regular_processes(3) == 3  # never more than `threads`
    assert regular_processes(16, workers=2) == 2  # two server processes share the cores
    assert regular_processes(16, workers=8) == 2  # at least two: one runaway cannot hold them all
    assert regular_processes(1) == 1


def test_a_long_job_hands_its_heap_back_and_the_process_serves_on(pool: ProcessPool) -> None:
    """After a job past TRIM_AFTER the process returns the heap it freed (malloc_trim), then takes the next job."""
    first = pool.call(jobs.fragment, 200, end=time.monotonic() + 10, seconds=10)
    assert first == 200
    worker = pool.call(jobs.spin, child.TRIM_AFTER * 2, end=time.monotonic() + 10, seconds=10)
    assert pool.call(jobs.pid, end=time.monotonic() + 10, seconds=10) == worker
    assert _resident_mb(worker) < 150  # the 200 MB the hog freed are not kept


def _resident_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def test_a_job_arriving_while_the_first_processes_start_is_not_put_in_the_lane(pool: ProcessPool) -> None:
    """The processes `warm` starts are regular ones: a job waits for them rather than taking the lane (and its
    lane_seconds), as the first named query did when `mgkg serve` had just started."""
    pool.warm(1)
    assert pool.call(jobs.spin, pool.lane_seconds + 0.5, end=time.monotonic() + 20, seconds=20)


class _SlowPipe:
    """A pipe end whose close takes a while (as a busy system may make it), counting its closes."""

    def __init__(self) -> None:
        """An open pipe."""
        self.read, self.write = os.pipe()
        self.closes = 0

    @property
    def closed(self) -> bool:
        """Whether close has finished."""
        return self.read < 0

    def fileno(self) -> int:
        """The descriptor polled."""
        return self.read

    def close(self) -> None:
        """Close both ends, slowly."""
        self.closes += 1
        time.sleep(0.2)
        os.close(self.read)
        os.close(self.write)
        self.read = -1


class _Gone:
    """A process that has already ended."""

    exitcode = -9

    def is_alive(self) -> bool:
        """It is not."""
        return False

    def join(self, timeout: float | None = None) -> None:
        """Nothing to wait for."""


def test_a_query_process_is_killed_once_when_two_threads_kill_it() -> None:
    """The pool closing and the job's own thread (seeing its process die) both kill it: its pipe must be closed once —
    the second close hit a descriptor already closed (EBADF in `make test`), or someone else's by then."""
    pipe = _SlowPipe()
    worker = _Process(_Gone(), pipe, Path("/nonexistent"))  # type: ignore[arg-type]
    threads = [threading.Thread(target=worker.kill) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert pipe.closes == 1 and pipe.closed
