"""The reference for the over-HTTP count: Oxigraph's own server (`oxigraph serve`) through the same W3C runner.

    python -m tests.conformance.w3c_oxigraph [run_sparql.py options …]

`make conformance` runs this after the endpoint's own runs, so one run shows side by side what mgkg scores
over HTTP, what its engine scores in-process, and what Oxigraph's Rust server (the `oxigraph` package, of the
0.5 series as pyoxigraph; the README's counts were measured with 0.5.13 of both) scores over HTTP with the
same runner and manifests: an in-memory store, read-write, no authentication, no allowlist. It is a
measurement tool: it starts a local server with no safe defaults, and nothing here is part of mgkg.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.clients import OxigraphServer

W3C = Path(os.environ.get("MGKG_W3C_TESTS", "/work/shared/w3c-tests"))
OXIGRAPH = Path(sys.executable).with_name("oxigraph")


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
    try:
        with OxigraphServer(binary, "serve") as server:
            command = [sys.executable, str(runner), "--endpoint", f"{server.url}/query",
                       "--update-endpoint", f"{server.url}/update"]
            return subprocess.call([*command, *argv])
    except SystemExit as failed:
        print(f"w3c_oxigraph: {failed}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
