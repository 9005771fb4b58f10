"""The test helpers of tests/support that tests rely on: ports and Virtuoso's readiness for isolation, and the browser
harness's checks (requests that leave the server, the vendored axe-core, the screenshots the README shows)."""

from __future__ import annotations

import errno
import json
import re
import shutil
import socket
import struct
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support import browser, ports, virtuoso
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


def test_only_requests_to_another_origin_count_as_leaving() -> None:
    urls = ["http://127.0.0.1:8000/static/style.css", "data:,", "blob:http://127.0.0.1:8000/x", "about:blank",
            "http://127.0.0.1:8001/x", "https://127.0.0.1:8000/x", "http://localhost:8000/x", "https://cdn.example/a.js"]
    assert browser.outside(urls, "http://127.0.0.1:8000") == urls[4:]


def test_sent_requests_are_read_from_the_performance_log() -> None:
    def entry(method: str, url: str) -> dict[str, str]:
        return {"message": json.dumps({"message": {"method": method, "params": {"request": {"url": url}}}})}

    log = [entry("Network.requestWillBeSent", "http://a/1"), entry("Network.responseReceived", "http://a/1"),
           entry("Network.requestWillBeSent", "http://b/2")]
    assert browser.sent_requests(log) == ["http://a/1", "http://b/2"]


def test_axe_core_is_the_pinned_file_and_a_changed_one_is_refused(tmp_path: Path) -> None:
    pin = json.loads((browser.AXE / "vendor.json").read_text())
    assert browser.axe_source().startswith(f"/*! axe v{pin['version']}")
    assert (browser.AXE / "LICENSE").read_text().startswith("Mozilla Public License")
    shutil.copytree(browser.AXE, tmp_path / "axe-core")
    with (tmp_path / "axe-core" / "axe.min.js").open("a") as changed:
        changed.write(";")
    with pytest.raises(AssertionError, match="not axe-core"):
        browser.axe_source(tmp_path / "axe-core")


def test_the_readme_shows_every_screenshot_at_the_screen_size() -> None:
    readme = (browser.SCREENSHOTS.parents[1] / "README.md").read_text()
    shown = set(re.findall(r"\(docs/screenshots/([\w-]+\.png)\)", readme))
    saved = {path.name for path in browser.SCREENSHOTS.glob("*.png")}
    assert shown and shown == saved
    for name in saved:
        header = (browser.SCREENSHOTS / name).read_bytes()[:24]
        assert struct.unpack(">II", header[16:24]) == browser.SCREEN, name
