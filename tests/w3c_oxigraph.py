"""The reference for the over-HTTP count: Oxigraph's own server (`oxigraph serve`) through the same W3C runner.

    python -m tests.w3c_oxigraph [run_sparql.py options …]

`make conformance` runs this after the endpoint's own runs, so one run shows side by side what mgkg scores
over HTTP, what its engine scores in-process, and what Oxigraph's Rust server (the `oxigraph` package, the
same Oxigraph release as pyoxigraph) scores over HTTP with the same runner and manifests: an in-memory
store, read-write, no authentication, no allowlist. It is a measurement tool: it starts a local server
with no safe defaults, and nothing here is part of mgkg.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from server.serve import free_port

W3C = Path(os.environ.get("MGKG_W3C_TESTS", "/work/shared/w3c-tests"))
OXIGRAPH = Path(sys.executable).with_name("oxigraph")


def wait_until_listening(port: int, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    """Return once something accepts connections on `port`; SystemExit if `server` exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"w3c_oxigraph: oxigraph serve exited with code {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"w3c_oxigraph: oxigraph serve did not listen on port {port} within {seconds:.0f} s")


def main(argv: list[str]) -> int:
    """Start `oxigraph serve` in memory on a free port, run run_sparql.py against it, stop it; the runner's code."""
    binary = shutil.which(str(OXIGRAPH)) or shutil.which("oxigraph")
    if binary is None:
        print(f"w3c_oxigraph: no oxigraph command at {OXIGRAPH} or on PATH (pip install 'oxigraph>=0.5,<0.6')",
              file=sys.stderr)
        return 2
    runner = W3C / "tools" / "run_sparql.py"
    if not runner.is_file():
        print(f"w3c_oxigraph: no W3C runner at {runner} (set MGKG_W3C_TESTS)", file=sys.stderr)
        return 2
    port = free_port()
    server = subprocess.Popen([binary, "serve", "--bind", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(port, server)
        base = f"http://127.0.0.1:{port}"
        command = [sys.executable, str(runner), "--endpoint", f"{base}/query", "--update-endpoint", f"{base}/update"]
        return subprocess.call([*command, *argv])
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
