"""Apache Jena's command-line tools for tests, through scripts/jena (Debian's libapache-jena-java, `make jena-deps`).

`jena()` gives the command to run, or skips the test saying why (fails it when MGKG_REQUIRE_JENA=1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "jena"
REQUIRED = os.environ.get("MGKG_REQUIRE_JENA") == "1"


def jena(tool: str) -> list[str]:
    """The command running Jena's `tool` (riot, shacl, arq); skips (or fails) the test when Jena cannot run."""
    if shutil.which("java") is None or not Path("/usr/share/java/jena-core.jar").is_file():
        reason = "Apache Jena is not installed (make jena-deps)"
        if REQUIRED:
            pytest.fail(f"Jena is required (MGKG_REQUIRE_JENA=1) but {reason}")
        pytest.skip(reason)
    return ["sh", str(SCRIPT), tool]


def run_jena(tool: str, *arguments: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run Jena's `tool` with `arguments`; its exit code, stdout and stderr."""
    return subprocess.run([*jena(tool), *arguments], capture_output=True, text=True, timeout=timeout, check=False)
