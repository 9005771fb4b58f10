"""One query process: opens the store read-only, then runs the jobs its pool sends until the pipe closes.

A job is `(generation, function, args)`; the answer is `("ok", value)` or `("error", exception)`. The process
reopens the store when the generation changed (a write happened since it opened it), holds an address-space
limit (RLIMIT_AS: what it had after opening the store plus `memory_mb`), dies with its pool (PR_SET_PDEATHSIG)
and writes what it prints to stderr — a Rust panic message before an abort — to `log_path`, which the pool
reads when the process dies. SIGINT is ignored: Ctrl-C reaches the pool's owner, which stops the processes.
After a job that took long (and so may have grown the heap) the freed heap is handed back to the system.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import resource
import signal
import time
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from graph.core.errors import Kind, MgkgError
from graph.core.text import first_line
from graph.sparql.execute import Executor

PR_SET_PDEATHSIG = 1

INLINE = Executor(0)
"""The executor jobs get here: each call in this process's one thread (the pool kills the process on time)."""


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _address_space() -> int:
    """Bytes of address space this process holds now (VmSize)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _limit_memory(memory_mb: int) -> None:
    if memory_mb > 0:
        limit = _address_space() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


READY = ("ready", None)
"""What a process sends once it has opened the store, before its first job."""

TRIM_AFTER = 0.05
"""Seconds a job may take before the process hands its freed heap back to the system after it."""


def _give_back_memory() -> None:
    """Return the heap a job freed to the system (glibc's malloc_trim): a big query's answer and sort buffers
    would otherwise stay in the process's resident memory until it ends (a milliseconds-long call, made only
    after a job that took more than TRIM_AFTER, as the ones that grow the heap do)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def _to_stderr_file(log_path: str) -> None:
    descriptor = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(descriptor, 2)
    os.close(descriptor)


def _outcome(job: Any, store: ox.Store, args: tuple[Any, ...]) -> tuple[str, Any]:
    """Run one job: ("ok", value) or ("error", exception); a bug is reported in one line, never a traceback."""
    try:
        return "ok", job(store, INLINE, *args)
    except MgkgError as error:
        error.__traceback__ = error.__context__ = error.__cause__ = None
        return "error", error
    except MemoryError:
        return "error", MgkgError("it needed more memory than the limit of this query process", kind=Kind.OVER_LIMIT)
    except Exception as error:  # a bug in mgkg: the server answers 500 with one line
        return "error", MgkgError(f"internal error: {type(error).__name__}: {first_line(error)}", kind=Kind.CRASHED)


def serve_jobs(connection: Connection, store_path: str, memory_mb: int, log_path: str, generation: int) -> None:
    """Run jobs from `connection` on the store at `store_path` (read-only) until the pool closes the pipe."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _to_stderr_file(log_path)
    except OSError:  # the pool closed (its folder is gone) while this process was starting: nothing to do
        return
    store = ox.Store.read_only(store_path)
    _limit_memory(memory_mb)
    try:
        connection.send(READY)  # the pool counts a job's time from here: starting is not the job's time
    except OSError:
        return
    while True:
        try:
            wanted, path, job, args = connection.recv()
        except (EOFError, OSError):
            return
        if wanted != generation:
            del store
            store = ox.Store.read_only(path)
            generation = wanted
        start = time.monotonic()
        status, value = _outcome(job, store, args)
        try:
            connection.send((status, value))
        except (pickle.PicklingError, TypeError, AttributeError, ValueError) as error:  # pickling failed
            failed = MgkgError(f"internal error: cannot return the answer: {error}", kind=Kind.CRASHED)
            connection.send(("error", failed))
        except (BrokenPipeError, OSError):
            return
        del job, args, value
        if time.monotonic() - start > TRIM_AFTER:  # after answering: the client does not wait for it
            _give_back_memory()
