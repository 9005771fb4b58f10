"""W3C conformance: the app the W3C runners test, and a fast smoke run of them (the full run is `make conformance`).

The runners (see $MGKG_W3C_TESTS/README.md, default /work/shared/w3c-tests) load their data with updates that
carry no Authorization header and expect the store's default graph to be its own graph (not the union). The
conformance app is therefore the normal app with: a memory store, `union_default_graph = false`, an update
token that a WSGI wrapper adds to requests without one (the app still checks it), and an allowlist holding the
IRIs the suites use as graph names (http://kasei.us/2009/09/sparql/data/, file:///) and `open_writes` (the suites
write any graph, and the store's own default graph); the SHACL gate stays on, and every write is a changeset.

Full runs, from the repository root (PYTHONPATH=. makes this module importable as tests.conformance.test_w3c):
  PYTHONPATH=. .venv/bin/python $W3C/tools/run_protocol.py --flask-app 'tests.conformance.test_w3c:conformance_app()' \\
      --endpoint http://localhost/sparql --gsp http://localhost/rdf-graphs
  PYTHONPATH=. .venv/bin/python $W3C/tools/run_sparql.py --flask-app 'tests.conformance.test_w3c:conformance_app()' \\
      --endpoint http://localhost/sparql
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from graph.core.config import Settings
from graph.store import open_store
from server.app import create_app

W3C = Path(os.environ.get("MGKG_W3C_TESTS", "/work/shared/w3c-tests"))
REPO = Path(__file__).resolve().parents[2]
TOKEN = "w3c-conformance"
APP = "tests.conformance.test_w3c:conformance_app()"
ENGINE_BACKEND = "tests.conformance.w3c_engine:EngineBackend"
CONFORMANCE = Settings(
    store="memory",
    update_token=TOKEN,
    union_default_graph=False,
    open_writes=True,
    allowlist=("http://kasei.us/2009/09/sparql/data/", "file:///"),
)
"""The settings of conformance runs."""

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


def conformance_app() -> Flask:
    """The app as the W3C runners need it (see the module docstring)."""
    app = create_app(CONFORMANCE, open_store("memory"))
    inner = app.wsgi_app

    def with_token(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        environ.setdefault("HTTP_AUTHORIZATION", f"Bearer {TOKEN}")
        return inner(environ, start_response)

    app.wsgi_app = with_token  # type: ignore[method-assign]
    return app


def run(tool: str, *args: str) -> str:
    """Run one of the W3C runners on the conformance app; its output."""
    done = subprocess.run(
        [sys.executable, str(W3C / "tools" / tool), "--flask-app", APP, "--endpoint", "http://localhost/sparql", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


SKOLEMIZED = ("put_get_repeat_direct", "post_get_post_get_direct", "put_get_repeat_indirect", "put_get_default",
              "post_get_post_get_indirect", "post_get_new_graph", "put_get_uri_pct_encoded_indirect",
              "put_get_uri_pct_encoded_twice")
"""Graph Store tests that PUT or POST blank nodes and expect them back: writes skolemize them (graph.changes)."""

HISTORY_OR_SKOLEM = {"add-silent", "clear-silent", "copy-silent", "create-silent", "drop-silent", "move-silent",
                     "jsonres01", "jsonres02"}
"""Sample tests that compare the whole dataset after an update (which now holds the history graph too) or load
blank nodes through an update and expect them in the results (skolemized)."""

needs_suite = pytest.mark.skipif(not (W3C / "tools").is_dir(), reason=f"no W3C test suite at {W3C}")


@needs_suite
@pytest.mark.slow
def test_protocol_graph_store_and_service_description_suites_pass() -> None:
    """All but the Graph Store tests whose bodies hold blank nodes: a write stores them as skolem IRIs
    ({base}.well-known/genid/…, so that a changeset can name them), and the graph read back is not isomorphic."""
    output = run("run_protocol.py", "--gsp", "http://localhost/rdf-graphs")
    totals = ast.literal_eval(output.strip().splitlines()[-1].removeprefix("TOTAL "))
    assert totals == {"pass": 42, "fail": 8, "skip": 0}, output
    failed = re.findall(r"^FAIL graph-store-protocol/(\S+)", output, re.MULTILINE)
    assert sorted(failed) == sorted(SKOLEMIZED), output


@needs_suite
@pytest.mark.slow
def test_a_sample_of_the_query_and_update_suites_passes() -> None:
    folders = ["update-silent", "bind/", "json-res", "syntax-update-2"]
    output = run("run_sparql.py", "-v", *[arg for folder in folders for arg in ("--only", folder)])
    total = re.search(r"^TOTAL (\d+): (.*)$", output, re.MULTILINE)
    assert total is not None, output
    counts = dict(part.split("=") for part in total.group(2).split("  ")[0].split())
    failed = set(re.findall(r"^FAIL\s+\S+#(\S+)", output, re.MULTILINE))
    assert failed == HISTORY_OR_SKOLEM and counts["pass"] == str(int(total.group(1)) - len(failed)), output


@needs_suite
@pytest.mark.slow
def test_the_engine_in_process_passes_what_pyoxigraph_passes() -> None:
    """tests/conformance/w3c_engine.py: the endpoint's Executor and serializers without HTTP. Its only failures are
    the 12 evaluation tests pyoxigraph 0.5 fails itself; over HTTP the safe defaults refuse 10 positive syntax tests."""
    done = subprocess.run(
        [sys.executable, str(W3C / "tools" / "run_sparql.py"), "--backend", ENGINE_BACKEND, "-v"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    total = re.search(r"^TOTAL (\d+): fail=(\d+) pass=(\d+) skip=(\d+)", done.stdout, re.MULTILINE)
    assert total is not None, done.stdout[-2000:]
    failed = re.findall(r"^FAIL\s+\S+#(\S+)\s+\[(\w+)\]", done.stdout, re.MULTILINE)
    assert int(total[3]) >= 486, done.stdout[-3000:]
    assert all(kind.endswith("EvaluationTest") or kind == "CSVResultFormatTest" for _, kind in failed), failed


def test_the_conformance_app_checks_the_token_it_adds() -> None:
    client = conformance_app().test_client()
    added = client.post("/sparql", data=b"CLEAR ALL", content_type="application/sparql-update")
    assert added.status_code == 204
    wrong = client.post(
        "/sparql", data=b"CLEAR ALL", content_type="application/sparql-update", headers={"Authorization": "Bearer x"}
    )
    assert wrong.status_code == 403


def reference(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m tests.conformance.w3c_oxigraph ARGS`: the W3C runner against Oxigraph's own server."""
    return subprocess.run(
        [sys.executable, "-m", "tests.conformance.w3c_oxigraph", *args], cwd=REPO,
        env={**os.environ, "MGKG_W3C_TESTS": str(W3C), **(env or {})},
        capture_output=True, text=True, timeout=600, check=False,
    )


@needs_suite
@pytest.mark.slow
def test_the_reference_server_runs_the_same_suites_over_http() -> None:
    """Oxigraph's own server through the same runner: the reference row of the README's conformance table.
    It executes LOAD of an unreachable IRI as any server must (and fails it), so it too misses that syntax test."""
    done = reference("-v", "--only", "update-silent", "--only", "syntax-update-1/manifest#test_2")  # test_2, _20…
    assert done.returncode == 0, done.stderr[-2000:]
    total = re.search(r"^TOTAL (\d+): (.*?)\s+\(", done.stdout, re.MULTILINE)
    assert total is not None, done.stdout[-2000:]
    counts = dict(part.split("=") for part in total.group(2).split())
    assert counts == {"error": "1", "pass": str(int(total[1]) - 1)}, done.stdout[-2000:]
    assert re.findall(r"^ERROR\s+\S+#(\S+)", done.stdout, re.MULTILINE) == ["test_2"], done.stdout[-2000:]


def test_the_reference_tool_names_a_missing_runner_in_one_line(tmp_path: Path) -> None:
    done = reference(env={"MGKG_W3C_TESTS": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.strip() == f"w3c_oxigraph: no W3C runner at {tmp_path}/tools/run_sparql.py (set MGKG_W3C_TESTS)"


def test_the_reference_tool_names_a_missing_oxigraph_command_in_one_line(tmp_path: Path) -> None:
    python = tmp_path / "python"  # a Python whose folder holds no oxigraph, and a PATH without one
    python.symlink_to(sys.executable)
    done = subprocess.run(
        [str(python), "-m", "tests.conformance.w3c_oxigraph"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "PATH": str(tmp_path), "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"w3c_oxigraph: no oxigraph command at {tmp_path}/oxigraph or on PATH")
    assert len(done.stderr.strip().splitlines()) == 1
