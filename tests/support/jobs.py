"""Jobs for server.isolation's query processes that misbehave on purpose (importable there, by module name)."""

from __future__ import annotations

import os
import signal
import time
from typing import Any


def crash(_store: Any, _executor: Any) -> None:
    """Die of a segmentation fault, as an engine bug would."""
    os.kill(os.getpid(), signal.SIGSEGV)


def pid(_store: Any, _executor: Any) -> int:
    """The process id of the query process that runs it."""
    return os.getpid()


def spin(_store: Any, _executor: Any, seconds: float) -> int:
    """Burn CPU for `seconds` (a runaway that checks no deadline), then return the process id."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return os.getpid()


def hog(_store: Any, _executor: Any, megabytes: int) -> int:
    """Hold `megabytes` of memory, then return how many were allocated."""
    held = [bytearray(1024 * 1024) for _ in range(megabytes)]
    return len(held)


def count(store: Any, _executor: Any) -> int:
    """The number of quads the process's store handle sees."""
    return len(store)


_KEPT: list[bytes] = []


def fragment(_store: Any, _executor: Any, megabytes: int) -> int:
    """Fill `megabytes` of heap in 64 KB pieces with a small object kept between them, then free the pieces:
    the heap cannot shrink from its top, as after a big query whose last allocations outlive it."""
    pieces = []
    for _ in range(megabytes * 16):
        pieces.append(bytes(64 * 1024))
        _KEPT.append(bytes(1024))  # above pymalloc's 512 bytes: from the same heap
    return len(pieces) // 16


def slow_start(*args: Any) -> None:
    """A query process that takes 2 s to start (a loaded machine, a cold disk), then serves jobs as usual."""
    from server.isolation import child

    time.sleep(2.0)
    child.serve_jobs(*args)
