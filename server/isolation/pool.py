"""Query processes: where the server evaluates what a client sends, so that a crash or a runaway costs one
process, never the server.

A `ProcessPool` keeps up to `size` processes (server.isolation.child), each with its own read-only handle on
the store on disk, started on demand from a fork server (a clean process that imported mgkg once, so a start
costs milliseconds, not an interpreter). `call(job, *args, end=…)` hands the job to an idle process and waits
for the answer until `end` (a `time.monotonic()` value: the request's arrival plus its time limit). Then:

- **time up** → the process is killed (SIGKILL: its CPU and memory are returned at once), TIMEOUT (503);
- **the process died** → OVER_LIMIT (503) when it ran out of its memory limit (the allocator's abort message in
  its stderr file, or Python's MemoryError), else CRASHED (500) naming the signal; the next job gets a fresh one;
- **all busy** → a job waits for a process until `end` (TIMEOUT), except that `lane` more processes exist for
  queries that arrive while every regular process has been on its job for `lane_grace` already: such a query
  starts at once in the lane, with at most `lane_seconds` to finish, so a cheap query is answered while
  runaways hold the regular processes. Queries arriving with them (a burst of runaways) or while the regular
  processes answer short queries wait for a regular one: more processes than cores would only take turns.

After a write the owner calls `reopen()`: each process opens the store again before its next job. Processes
never write. `close()` stops them all (also at interpreter exit).
"""

from __future__ import annotations

import atexit
import logging
import math
import multiprocessing
import os
import select
import shutil
import signal
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TypeVar

from graph.core.errors import Kind, MgkgError
from server.isolation import child

T = TypeVar("T")

LOG = logging.getLogger("mgkg.isolation")

LANE = 2
"""Processes beyond `size` for queries that arrive while every regular process is busy."""

LANE_SECONDS = 5.0
"""The most time a query started in the lane gets (its own limit if shorter)."""

LANE_GRACE = 0.1
"""Seconds every regular process must have been on its job when a query arrives for it to start in the lane."""

PRELOAD = ["server.isolation.child", "server.views.protocol", "server.views.named", "server.views.shacl"]
"""Modules the fork server imports once, so that each process starts with them loaded."""

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(PRELOAD)
_POOLS: weakref.WeakSet[ProcessPool] = weakref.WeakSet()


def regular_processes(threads: int, workers: int = 1) -> int:
    """How many regular query processes one server process keeps (the lane comes on top): `threads`, but no more
    than its share of the cores (`workers` server processes share them), and at least 2.

    A query process is CPU-bound (the store is read through the page cache): more of them than cores only
    adds memory (a heap and a block cache each) and colder caches; requests beyond them wait for one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(threads, max(2, cores // max(1, workers))))


class PoolError(MgkgError):
    """A job failed in its process: timed out, over its memory limit, crashed, or no process came free."""


@dataclass(eq=False)
class _Process:
    """One query process, its end of the pipe and the file its stderr goes to."""

    process: BaseProcess
    connection: Connection
    log: Path
    started: float = field(default=0.0)
    """When it was given its current job (time.monotonic())."""
    poller: select.poll = field(default_factory=select.poll, repr=False)
    """Polls `connection` (registered once: Connection.poll builds and drops a selector at every call)."""
    path: str = ""
    """The store it was last sent to (its generation's): a reader snapshot in use while it runs a job there."""
    ready: bool = False
    """Whether it said it has opened the store (child.READY): until then its job's clock has not started."""
    killing: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        """Register the pipe with the poller."""
        self.poller.register(self.connection.fileno(), select.POLLIN)

    def answered(self, seconds: float) -> bool:
        """Whether the process answered (or closed its end) within `seconds`."""
        return bool(self.poller.poll(max(0, math.ceil(seconds * 1000))))

    def kill(self) -> None:
        """Stop it now and reap it; once only, whichever thread comes first (the pool closing, the job's own thread
        seeing it die): closing its pipe twice would close a descriptor that may belong to something else by then."""
        with self.killing:
            if self.process.is_alive():
                self.process.kill()
            self.process.join(5)
            if not self.connection.closed:
                self.connection.close()

    def last_words(self) -> str:
        """The end of what it printed to stderr (a Rust panic message, say), on one line."""
        try:
            text = self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return lines[0] if lines and "memory allocation" in lines[0] else (lines[-1] if lines else "")


def _signal_name(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"


class ProcessPool:
    """Query processes over the store at `path` (read-only): at most `size` (+ LANE) at once, each with
    `memory_mb` of address space beyond what it needs to open the store (0: no limit)."""

    def __init__(self, path: Path, *, size: int, memory_mb: int, lane: int = LANE,
                 lane_seconds: float = LANE_SECONDS, lane_grace: float = LANE_GRACE) -> None:
        """A pool that starts no process until the first job."""
        self.path = str(path)
        self.size = max(1, size)
        self.lane = lane
        self.lane_seconds = lane_seconds
        self.lane_grace = lane_grace
        self.memory_mb = memory_mb
        self.generation = 0
        self._idle: list[_Process] = []
        self._busy: set[_Process] = set()
        self._starting = 0
        self._warming = 0
        """Processes `warm` is starting for the idle list (counted in `_starting` too): a job waits for them."""
        self._changed = threading.Condition()
        self._closed = False
        self._logs = Path(tempfile.mkdtemp(prefix="mgkg-queries-"))
        self._serial = 0
        _POOLS.add(self)

    # -- processes -------------------------------------------------------------------------------------------

    def _start(self) -> _Process:
        """A new process, started from the fork server (it opens the store itself)."""
        with self._changed:
            self._serial += 1
            log = self._logs / f"process-{self._serial}.log"
        mine, theirs = _CONTEXT.Pipe()
        process = _CONTEXT.Process(
            target=child.serve_jobs, args=(theirs, self.path, self.memory_mb, str(log), self.generation),
            name="mgkg-query", daemon=True,
        )
        process.start()
        theirs.close()
        return _Process(process, mine, log)

    def _acquire(self, end: float, what: str) -> tuple[_Process, bool]:
        """An idle process (started if needed) and whether it is one of the lane; TIMEOUT when none comes free."""
        with self._changed:
            stuck = time.monotonic() - self.lane_grace
            may_lane = sum(1 for w in self._busy if w.started <= stuck) >= self.size
            while True:
                if self._closed:
                    raise PoolError("the server is stopping", kind=Kind.UNAVAILABLE)
                running = len(self._busy) + self._starting
                lane = running >= self.size
                if not lane or (may_lane and running < self.size + self.lane):
                    if self._idle:
                        worker = self._idle.pop()
                        worker.started = time.monotonic()
                        self._busy.add(worker)
                        return worker, lane
                    if not self._warming:  # (a warming one is nearly there)
                        self._starting += 1
                        break
                now = time.monotonic()
                if end <= now:
                    raise PoolError(
                        f"{what} not started: all {self.size + self.lane} query processes stayed busy",
                        kind=Kind.TIMEOUT,
                    )
                self._changed.wait(end - now)
        try:
            worker = self._start()
        finally:
            with self._changed:
                self._starting -= 1
        with self._changed:
            worker.started = time.monotonic()
            self._busy.add(worker)
        return worker, lane

    def _release(self, worker: _Process, healthy: bool) -> None:
        with self._changed:
            self._busy.discard(worker)
            if healthy and not self._closed:
                self._idle.append(worker)
            self._changed.notify()
        if not healthy:
            worker.kill()

    # -- jobs ------------------------------------------------------------------------------------------------

    def call(self, job: Callable[..., T], *args: Any, end: float, seconds: float, what: str = "query") -> T:
        """`job(store, executor, *args)` in a query process, answered before `end` (time.monotonic()); `seconds`
        is the limit as the client knows it (for messages). PoolError (TIMEOUT, OVER_LIMIT, CRASHED) or the job's
        own MgkgError."""
        worker, lane = self._acquire(end, what)
        healthy = False
        try:
            try:
                if not worker.ready:
                    self._await_ready(worker, end, seconds, what)
                stop = min(end, time.monotonic() + self.lane_seconds) if lane else end
                worker.path = self.path
                worker.connection.send((self.generation, self.path, job, args))
                if not worker.answered(stop - time.monotonic()):
                    if lane and stop < end:
                        raise PoolError(
                            f"{what} stopped after {self.lane_seconds:g} s: every query process was busy, and a "
                            f"query started then gets at most {self.lane_seconds:g} s", kind=Kind.TIMEOUT)
                    raise PoolError(f"{what} timed out after {seconds:g} s", kind=Kind.TIMEOUT)
                status, value = worker.connection.recv()
            except (EOFError, OSError):
                raise self._death(worker, what) from None
            healthy = True
        finally:
            self._release(worker, healthy)
        if status == "ok":
            return value  # type: ignore[no-any-return]
        if isinstance(value, MgkgError) and value.kind is Kind.OVER_LIMIT:  # a MemoryError in Python code
            raise self._over_limit(what)
        raise value

    @staticmethod
    def _await_ready(worker: _Process, end: float, seconds: float, what: str) -> None:
        """Wait until a new process has opened the store (TIMEOUT at `end`; EOFError if it died starting)."""
        if not worker.answered(end - time.monotonic()):
            raise PoolError(f"{what} timed out after {seconds:g} s", kind=Kind.TIMEOUT)
        if worker.connection.recv() != child.READY:
            raise EOFError
        worker.ready = True

    def _death(self, worker: _Process, what: str) -> PoolError:
        """The error for a process that died during a job (it is reaped here)."""
        worker.process.join(5)
        words = worker.last_words()
        code = _signal_name(worker.process.exitcode)
        LOG.warning("mgkg: a query process died (%s) during a %s: %s", code, what, words or "no message")
        if "memory allocation" in words:
            return self._over_limit(what)
        reason = f": {words}" if words else ""
        return PoolError(f"{what} failed: the query process stopped ({code}){reason}", kind=Kind.CRASHED)

    def _over_limit(self, what: str) -> PoolError:
        return PoolError(
            f"{what} stopped: it needed more than the memory limit of {self.memory_mb} MB (setting query_memory)",
            kind=Kind.OVER_LIMIT,
        )

    def warm(self, count: int = 1) -> None:
        """Start up to `count` idle processes in the background (the first also starts the fork server), so the
        first queries need not wait for them."""

        def start() -> None:
            with self._changed:
                wanted = max(0, min(count, self.size) - len(self._idle) - len(self._busy) - self._starting)
                self._starting += wanted
                self._warming += wanted
            for left in range(wanted, 0, -1):
                try:
                    worker: _Process | None = self._start()
                except OSError as error:  # a job will try again, and report it
                    LOG.warning("mgkg: cannot start a query process: %s", error)
                    worker = None
                with self._changed:
                    stop = worker is None or self._closed
                    done = left if stop else 1  # on a failure, the ones not started are not coming either
                    self._starting -= done
                    self._warming -= done
                    if worker is not None and not stop:
                        self._idle.append(worker)
                    self._changed.notify_all()
                if stop:
                    if worker is not None:
                        worker.kill()
                    return

        threading.Thread(target=start, name="mgkg-warm", daemon=True).start()

    def reopen(self, path: Path | None = None) -> None:
        """Make each process open the store again — at `path` if given (a reader snapshot) — before its next job
        (call after a write)."""
        with self._changed:
            if path is not None:
                self.path = str(path)
            self.generation += 1

    def busy(self) -> int:
        """How many processes are answering a job now."""
        with self._changed:
            return len(self._busy)

    def paths_in_use(self) -> set[str]:
        """The stores processes run jobs on now, and the one the next job goes to."""
        with self._changed:
            return {self.path, *(w.path for w in self._busy if w.path)}

    def pids(self) -> list[int]:
        """The process ids of the live query processes (idle and busy)."""
        with self._changed:
            return [w.process.pid for w in (*self._idle, *self._busy) if w.process.pid is not None]

    def close(self) -> None:
        """Stop every process (busy ones too) and remove their stderr files."""
        with self._changed:
            self._closed = True
            workers = [*self._idle, *self._busy]
            self._idle.clear()
            self._changed.notify_all()
        for worker in workers:
            worker.kill()
        shutil.rmtree(self._logs, ignore_errors=True)


@atexit.register
def _close_all() -> None:
    if os.getpid() == _OWNER:
        for pool in list(_POOLS):
            pool.close()


_OWNER = os.getpid()
