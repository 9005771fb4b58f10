"""Apache Jena's command-line tools for tests, through scripts/jena (Debian's libapache-jena-java, `make jena-deps`).

`run_jena()` runs a tool; when Jena is not installed (scripts/jena exits 127 saying so) the test is skipped with
that line, or fails when MGKG_REQUIRE_JENA=1.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "jena"
REQUIRED = os.environ.get("MGKG_REQUIRE_JENA") == "1"
NOT_INSTALLED = 127
"""scripts/jena's exit status when Java or Jena is missing."""


def run_jena(tool: str, *arguments: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run Jena's `tool` (riot, shacl, arq) with `arguments`: its exit code, stdout and stderr."""
    done = subprocess.run(["sh", str(SCRIPT), tool, *arguments], capture_output=True, text=True, timeout=timeout,
                          check=False)  # fmt: skip
    if done.returncode == NOT_INSTALLED:
        reason = done.stderr.strip() or "Apache Jena is not installed (make jena-deps)"
        if REQUIRED:
            pytest.fail(f"Jena is required (MGKG_REQUIRE_JENA=1) but {reason}")
        pytest.skip(reason)
    return done
