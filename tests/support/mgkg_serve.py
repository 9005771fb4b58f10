"""`mgkg serve` as a real process (`python -m server.cli`): start it, wait for its URL, read its stderr, stop it.

The tests of what users run use it: the command, its settings from flags and MGKG_* variables, granian with
its limits, the signals, the `--workers` processes (tests/test_serve.py, test_connections.py, test_hostile.py,
test_writes_kill.py).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import pytest

START_TIMEOUT = 60
"""Seconds a server has to say where it listens."""


@dataclass
class Server:
    """A running `mgkg serve` process, its base URL and the stderr lines it has written so far."""

    process: subprocess.Popen[str]
    url: str = ""
    lines: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def stderr_text(self) -> str:
        """Everything written to stderr so far."""
        return "".join(self.lines)

    def wait_for(self, pattern: str, seconds: float = 10) -> re.Match[str]:
        """The first stderr line matching `pattern`, waiting for it up to `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if found := re.search(pattern, line.rstrip("\n")):
                    return found
            time.sleep(0.05)
        pytest.fail(f"no stderr line matches {pattern!r}: {self.stderr_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig`, wait for the exit code and for the last stderr lines."""
        self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        if self.reader is not None:
            self.reader.join(timeout=10)
        return code


def mgkg(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start `mgkg ARGS` (the CLI with serve) with stderr piped."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MGKG_")}
    environ.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "server.cli", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ,
    )


def start(*args: str, env: dict[str, str] | None = None) -> Server:
    """Start `mgkg … serve …` and wait for its "serving" line; stderr keeps being collected."""
    server = Server(mgkg(*args, env=env))
    announced = threading.Event()

    def read() -> None:
        assert server.process.stderr is not None
        for line in server.process.stderr:
            server.lines.append(line)
            found = re.match(r"mgkg: serving (http://\S+)/sparql$", line.strip())
            if found:
                server.url = found[1]
                announced.set()
        announced.set()

    server.reader = threading.Thread(target=read, daemon=True)
    server.reader.start()
    if not announced.wait(START_TIMEOUT) or not server.url:
        server.process.kill()
        pytest.fail(f"mgkg serve did not start: {server.stderr_text()}")
    return server
