"""The wheel carries ontology, shapes, queries and sources, and finds them from any working directory."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from the checkout (no network: the build backend is already installed)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        check=True, capture_output=True,
    )
    return next(out.glob("mgkg-*.whl"))


def test_wheel_contains_the_data_folders(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("ontology", "shapes", "queries"):
        expected = {f"graph/_data/{folder}/{p.name}" for p in (REPO / folder).iterdir() if p.is_file()}
        assert expected and expected <= names, folder
    sources = {f"graph/sources/{p.name}" for p in (REPO / "graph" / "sources").glob("*.ttl")}
    assert sources <= names
    assert {"server/app.py", "server/templates/dumps.html", "server/static/query.js"} <= names
    assert "graph/exports/context.jsonld" in names  # the JSON-LD @context exports carry and /context.jsonld serves


def test_graph_never_imports_server() -> None:
    """Data flows one way: the server uses graph, graph knows nothing of the server."""
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in sorted((REPO / "graph").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.match(r"\s*(from|import)\s+server\b", line)
    ]
    assert offenders == []


def test_unpacked_wheel_builds_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import graph.core.resources as r, graph.build as b, sys;"
        "assert str(r.resource_dir('shapes')).startswith(sys.argv[1]), r.resource_dir('shapes');"
        "d, rep = b.build_dataset(); assert rep.no_violations; print(len(d))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(site)],
        cwd=elsewhere, capture_output=True, text=True, check=False,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 500
