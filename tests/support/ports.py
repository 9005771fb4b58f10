"""Loopback ports for tests: ones that stay free for a server another process starts, and ones that refuse.

`server.serve.free_port()` returns a port that was free a moment ago; the kernel hands the same number to the
next `bind(port 0)` or outgoing connection of any process (the ports come from its ephemeral range), so a
server started on it afterwards can find it taken — by another test session's server, which then answers in
its place. `reserved_ports` picks ports below the ephemeral range (never given out by the kernel) and holds an
exclusive lock file per port, so concurrent test sessions (every worktree's) never pick the same one.
A server in this process should instead listen on port 0 and read its port back (tests/support/serving.py).
"""

from __future__ import annotations

import fcntl
import random
import socket
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

LOCKS = Path(tempfile.gettempdir()) / "mgkg-test-ports"
LOWEST = 20000
"""Reserved ports are taken from LOWEST up to the start of the kernel's ephemeral range."""

_refusing: list[socket.socket] = []


def ephemeral_range() -> tuple[int, int]:
    """The kernel's ephemeral port range (Linux; the IANA range elsewhere)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 49152, 65535


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _lock(port: int) -> IO[str] | None:
    """The open, exclusively locked lock file of `port`, or None when another process holds it."""
    LOCKS.mkdir(exist_ok=True)
    handle = (LOCKS / f"{port}.lock").open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


@contextmanager
def reserved_ports(count: int = 1) -> Iterator[list[int]]:
    """`count` distinct loopback ports, free now, that no other test session reserves until the block ends."""
    low = ephemeral_range()[0]
    candidates = list(range(LOWEST, low)) or list(range(1024, low))
    random.shuffle(candidates)
    with ExitStack() as held:
        ports: list[int] = []
        for port in candidates:
            lock = _lock(port)
            if lock is None:
                continue
            if not _bindable(port):
                lock.close()
                continue
            held.callback(lock.close)
            ports.append(port)
            if len(ports) == count:
                yield ports
                return
        raise OSError(f"no {count} free loopback ports between {LOWEST} and {low}")


def refusing_port() -> int:
    """A loopback port bound but not listening in this process until it exits: every connection is refused."""
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    _refusing.append(held)  # kept bound: no other process can listen on the port meanwhile
    return int(held.getsockname()[1])
