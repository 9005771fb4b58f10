"""The test helpers of tests/support that tests rely on for isolation: ports, and Virtuoso's readiness."""

from __future__ import annotations

import errno
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support import ports, virtuoso
from support.ports import ephemeral_range, refusing_port, reserved_ports
from support.virtuoso import oxigraph_endpoint


def test_a_refusing_port_refuses_and_no_one_can_listen_on_it() -> None:
    port = refusing_port()
    with socket.socket() as client:
        assert client.connect_ex(("127.0.0.1", port)) == errno.ECONNREFUSED
    with socket.socket() as other, pytest.raises(OSError) as error:
        other.bind(("127.0.0.1", port))
    assert error.value.errno == errno.EADDRINUSE


def test_reserved_ports_are_free_distinct_and_outside_the_kernels_range() -> None:
    low = ephemeral_range()[0]
    with reserved_ports(3) as taken:
        assert len(set(taken)) == 3
        assert all(ports.LOWEST <= port < low for port in taken)
        for port in taken:
            with socket.socket() as server:
                server.bind(("127.0.0.1", port))


def lockable_elsewhere(taken: list[int]) -> list[bool]:
    """Whether another process (another test session) could reserve each port now."""
    child = (
        "import sys; sys.path.insert(0, 'tests'); from support import ports; "
        f"print(' '.join(str(ports._lock(p) is not None) for p in {taken}))"
    )
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True, timeout=60)
    return [word == "True" for word in out.stdout.split()]


def test_another_session_cannot_reserve_a_port_held_here() -> None:
    with reserved_ports(2) as taken:
        assert lockable_elsewhere(taken) == [False, False]
    assert lockable_elsewhere(taken) == [True, True]


@pytest.mark.slow
@pytest.mark.remote
def test_another_server_answering_on_virtuosos_port_is_not_taken_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with oxigraph_endpoint() as impostor, reserved_ports() as (sql,):
        http = int(impostor.url.split(":")[2].split("/")[0])

        @contextmanager
        def these(count: int = 1) -> Iterator[list[int]]:
            yield [sql, http]

        monkeypatch.setattr(virtuoso, "reserved_ports", these)
        monkeypatch.setattr(virtuoso, "REQUIRED", False)
        with pytest.raises(pytest.skip.Exception, match="exited"), virtuoso.virtuoso(tmp_path, startup=120):
            pytest.fail("the endpoint on Virtuoso's HTTP port was taken for Virtuoso")
