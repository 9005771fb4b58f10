"""`make bench` itself: the workload it derives, its summaries and targets, and one tiny end-to-end run.

Nothing here asserts a time: the end-to-end run checks that every system reports every named query and
that the report and chart are written, at a size small enough to take seconds.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest

from benchmarks import clients, systems
from benchmarks.report import query_rows, write_report
from benchmarks.run import SYSTEMS
from benchmarks.workload import (
    Timing,
    cases,
    lookup_subjects,
    peak_rss_mb,
    queries,
    repeat,
    synthetic,
    wait_with_peak,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic file of about 1,500 triples plus the ontology."""
    path, _ = synthetic(tmp_path_factory.mktemp("bench"), 1500)
    return path


def test_synthetic_data_holds_the_ontology_in_its_own_graph(data: Path) -> None:
    text = data.read_text(encoding="utf-8")
    assert "<https://w3id.org/mgkg/graph/ontology> .\n" in text
    assert "<https://w3id.org/mgkg/id/project/synth-000000>" in text


def test_cases_cover_every_local_named_query_with_values_from_the_data(data: Path) -> None:
    found = {case.name: case for case in cases(data)}
    assert set(found) == {name for name in queries() if not name.startswith("federated-")}
    project_id = found["project-by-id"].values["id"]
    assert f'<https://w3id.org/mgkg/ontology#projectsId> "{project_id}"' in data.read_text(encoding="utf-8")
    assert found["fact-sources"].values["subject"].startswith("https://w3id.org/mgkg/id/project/")
    assert found["projects-active-in-year"].values["year"].isdigit()
    assert found["timeline"].values == {}  # optional parameters are left out: the whole listing
    assert found["total-budget-by-funder"].aggregate and not found["project-by-id"].aggregate


def test_lookup_subjects_are_distinct_projects(data: Path) -> None:
    subjects = lookup_subjects(data, 10)
    assert len(subjects) == len(set(subjects)) == 10
    assert all(s.startswith("https://w3id.org/mgkg/id/project/") for s in subjects)


def test_repeat_runs_a_warm_up_then_the_asked_runs() -> None:
    calls: list[int] = []
    timing = repeat(lambda: calls.append(1), runs=5, budget=60)
    assert len(calls) == 6 and len(timing.samples) == 5


def test_repeat_keeps_a_single_run_that_exceeds_the_budget() -> None:
    calls: list[int] = []
    timing = repeat(lambda: calls.append(1), runs=5, budget=0)
    assert len(calls) == 1 and len(timing.samples) == 1


def test_timing_summary_is_median_and_nearest_rank_p95() -> None:
    summary = Timing([n / 1000 for n in range(1, 21)]).summary()
    assert summary == {"p50": pytest.approx(10.5), "p95": pytest.approx(19.0), "runs": 20, "timed_out": False}
    assert Timing([], timed_out=True).summary() == {"runs": 0, "timed_out": True}


def _figures(ms: float, **extra: Any) -> dict[str, Any]:
    return {"p50": ms, "p95": ms, "runs": 3, "timed_out": False, **extra}


RESULTS: dict[str, Any] = {
    "started": "now",
    "sizes": {
        "1000": {"oxigraph": {"load_s": 1.0, "queries": {}}},
        "2000": {
            "oxigraph": {"load_s": 10.0, "rss_mb": 90, "lookups_direct": 9000,
                         "queries": {"a": _figures(10.0, aggregate=True, rows=4), "b": _figures(1.0, rows=1)}},
            "oxigraph-memory": {"load_s": 4.0, "rss_mb": 80, "lookups_direct": 12000,
                                "queries": {"a": _figures(2.0, aggregate=True, rows=4), "b": _figures(0.5, rows=1)}},
            "oxigraph-server": {"load_s": 9.0, "rss_mb": 95, "served_rss_mb": 70.0, "started": "2026-11-23 18:11 UTC",
                                "lookups_http": {"1": 3000.0, "4": 5000.0, "16": 4000.0},
                                "queries": {"a": _figures(10.5, aggregate=True, rows=4), "b": _figures(1.6, rows=1)}},
            "mgkg": {"load_s": 12.0, "validate_s": 2.0, "served_rss_mb": 1100.0, "served_memory_rss_mb": 700.0,
                     "lookups_http": {"1": 900.0, "4": 1200.0, "16": 800.0},
                     "lookups_http_memory": {"1": 950.0, "4": 990.0, "16": 900.0},
                     "queries": {"a": {"store": _figures(11.0), "http": _figures(12.0), "http_memory": _figures(2.4)},
                                 "b": {"store": _figures(1.2), "http": _figures(2.0), "http_memory": _figures(0.7)}}},
            "rdflib": {"load_s": 100.0, "rss_mb": 900, "lookups_direct": 300,
                       "queries": {"a": {"runs": 0, "timed_out": True, "aggregate": True},
                                   "b": _figures(30.0, aggregate=False)}},
        },
    },
}


def test_report_tables_hold_every_query_and_ratio(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    write_report(RESULTS, out, tmp_path / "results.png")
    text = out.read_text(encoding="utf-8")
    assert ("| a (agg.) | 4 | 10.0 / 10.0 | 11.0 / 11.0 | 12.0 / 12.0 | 2.0 / 2.0 | 2.4 / 2.4 | 10.5 / 10.5 "
            "| timed out | 1.20× | 1.20× | 1.14× | — | — |") in text
    assert ("| b | 1 | 1.0 / 1.0 | 1.2 / 1.2 | 2.0 / 2.0 | 0.5 / 0.5 | 0.7 / 0.7 | 1.6 / 1.6 | 30.0 / 30.0 "
            "| 2.00× | 1.40× | 1.25× | 15× | 43× |") in text
    assert "| 2,000 | raw pyoxigraph | 9,000 | — | — | — |" in text  # in-process: one thread, no HTTP
    assert "| 2,000 | mgkg serve, from disk | — | 900 | 1,200 | 800 |" in text
    assert "| 2,000 | mgkg serve `--in-memory` | — | 950 | 990 | 900 |" in text
    assert "| 2,000 | Oxigraph server | — | 3,000 | 5,000 | 4,000 |" in text
    assert "mgkg serve `--workers 2` |" not in text  # not measured: no row
    assert "| 2,000 | oxigraph-server | 9.00 | 0.90× | — | 70 | 2026-11-23 18:11 UTC |" in text
    assert "| 2,000 | oxigraph-memory | 4.00 | 0.40× | — | 80 | — |" in text  # measured before runs were dated
    assert "Peak RSS of `mgkg serve --in-memory`: 700 MB at 2,000 triples." in text
    assert [row[0] for row in query_rows(RESULTS["sizes"]["2000"])] == ["a", "b"]


def _bench(tmp_path: Path, data: Path, *options: str) -> subprocess.CompletedProcess[str]:
    out, chart, raw = tmp_path / "r.md", tmp_path / "r.png", tmp_path / "r.json"
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--sizes", "1500", "--runs", "1", "--budget", "0.01",
         "--seconds", "0.2", "--limit", "60", "--data", str(data.parent), "--out", str(out), "--chart", str(chart),
         "--json", str(raw), *options],
        cwd=REPO, capture_output=True, text=True, timeout=900, check=False,
    )


@pytest.mark.slow
def test_a_tiny_bench_run_reports_every_system_and_query(tmp_path: Path, data: Path) -> None:
    systems = [s for s in SYSTEMS if s != "rdflib-endpoint" and (s != "virtuoso" or shutil.which("virtuoso-t"))]
    done = _bench(tmp_path, data, "--systems", ",".join(systems))
    assert done.returncode == 0, done.stderr[-2000:]
    done = _bench(tmp_path, data, "--systems", "rdflib-endpoint", "--merge")  # a second run adds to the first
    assert done.returncode == 0, done.stderr[-2000:]
    entry = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["sizes"]["1500"]
    measured = [*systems, "rdflib-endpoint"]
    assert set(entry) - {"bytes", "synth_s"} == set(measured)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d \S+", entry[s]["started"]) for s in measured)
    names = {case.name for case in cases(data)}
    assert set(entry["oxigraph"]["queries"]) == set(entry["rdflib"]["queries"]) == names
    assert set(entry["oxigraph-memory"]["queries"]) == set(entry["mgkg"]["queries"]) == names
    raw = {n: q["rows"] for n, q in entry["oxigraph"]["queries"].items()}
    assert {n: q["rows"] for n, q in entry["oxigraph-server"]["queries"].items()} == raw  # same answers
    assert {n: q["rows"] for n, q in entry["rdflib-endpoint"]["queries"].items()} == raw
    assert entry["rdflib-endpoint"]["load_s"] > 0 and entry["rdflib-endpoint"]["restarts"] == 0
    for system in ("oxigraph-server", "rdflib-endpoint", *(["virtuoso"] if "virtuoso" in systems else [])):
        assert set(entry[system]["lookups_http"]) == {"1", "4", "16"}
        assert entry[system]["served_rss_mb"] > 0
    if "virtuoso" in systems:
        assert set(entry["virtuoso"]["queries"]) == names and entry["virtuoso"]["load_s"] > 0
        assert all("rows" in q or q.get("unsupported") for q in entry["virtuoso"]["queries"].values())
    assert all(set(q) >= {"store", "http", "http_memory"} for q in entry["mgkg"]["queries"].values())
    for lookups in ("lookups_http", "lookups_http_memory", "lookups_http_workers"):
        assert set(entry["mgkg"][lookups]) == {"1", "4", "16"}
    named = entry["mgkg"]["named_get"]
    assert named["query"] == "total-budget-by-funder" and named["plain"]["4"] > 0
    assert entry["mgkg"]["served_memory_rss_mb"] > 0
    assert entry["mgkg"]["served_rss_mb"] > 0 and entry["mgkg"]["validate_s"] > 0
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "## Targets" in report and "### Peers at 1,500 triples" in report and "| 1,500 | rdflib-endpoint |" in report


def test_bench_large_measures_ten_million_triples_for_the_systems_that_hold_them() -> None:
    recipe = (REPO / "Makefile").read_text(encoding="utf-8").split("\nbench-large:", 1)[1].split("\n\n", 1)[0]
    assert "LARGE ?= 10000000" in (REPO / "Makefile").read_text(encoding="utf-8")
    assert "--merge --sizes $(LARGE) --systems oxigraph-server,mgkg,virtuoso" in recipe
    assert "--skip validate,store,memory" in recipe


def test_the_entity_page_bench_builds_its_own_store_and_reports_the_ratio(tmp_path: Path) -> None:
    raw = tmp_path / "pages.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.pages", "--sizes", "1000,1500", "--per-kind", "1", "--rounds", "1",
         "--data", str(tmp_path), "--json", str(raw)],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(raw.read_text(encoding="utf-8"))
    assert figures["triples"] == 1500 and figures["entities"] >= 4  # the largest size; several kinds
    assert all(figures[name]["p50"] > 0 for name in ("page", "turtle", "describe"))
    assert "×1.00 DESCRIBE" in done.stdout and re.search(r"target: page p50 ≤ 50 ms .* (met|NOT met) here", done.stdout)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pages.json", "synth-1500.nq"]  # the store: in scratch


def test_make_bench_runs_every_benchmark() -> None:
    recipe = (REPO / "Makefile").read_text(encoding="utf-8").split("\nbench:", 1)[1].split("\n\n", 1)[0]
    for module in ("run", "validate", "writes", "pages"):
        assert f"-m benchmarks.{module} --sizes $(SIZES)" in recipe


def test_a_childs_peak_rss_is_its_own_not_its_parents() -> None:
    ballast = bytearray(300 * 2**20)
    ballast[:: 4096] = b"\x01" * len(ballast[:: 4096])  # touch every page: the parent's peak is > 300 MB
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.5)"])
    code, peak = wait_with_peak(child)
    assert code == 0 and 1 < peak < 100  # ru_maxrss of this child would say > 300 MB (inherited at exec)
    assert (peak_rss_mb(os.getpid()) or 0) > 300
    assert peak_rss_mb(child.pid) is None  # gone
    del ballast


def test_a_failing_command_stops_the_bench_with_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(systems, "MGKG", sys.executable)
    with pytest.raises(SystemExit, match=r"failed \(2\): .*No such file"):
        systems._command("/nonexistent/script.py")


class Silent(clients.Server):
    """A server that never says where it listens: only its exit ends the wait."""

    def _listening(self) -> str | None:
        return None


def test_a_server_that_cannot_start_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    logs = set(Path(tempfile.gettempdir()).glob("mgkg-bench-serve-*.log"))
    with pytest.raises(SystemExit, match=r"^server: cannot run /nonexistent/server: No such file or directory$"):
        Silent(["/nonexistent/server"])
    script = tmp_path / "fails"
    script.write_text("#!/bin/sh\necho 'address in use' >&2\nexit 3\n", encoding="utf-8")
    script.chmod(0o755)
    with pytest.raises(SystemExit, match=r"^server exited with code 3: address in use$"):
        Silent([str(script)])
    assert set(Path(tempfile.gettempdir()).glob("mgkg-bench-serve-*.log")) == logs  # no log left behind


def test_another_program_on_the_oxigraph_port_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    monkeypatch.setattr(clients, "free_port", lambda: other.server_port)
    idle = tmp_path / "oxigraph"  # an "oxigraph" that runs but binds nothing
    idle.write_text("#!/bin/sh\nexec sleep 60\n", encoding="utf-8")
    idle.chmod(0o755)
    try:
        with pytest.raises(SystemExit, match=rf"port {other.server_port} is answered by SimpleHTTP/\S+ Python/\S+, "
                                             "not by Oxigraph$") as caught:
            clients.OxigraphServer(str(idle), "serve")
        assert "Traceback" not in str(caught.value)
    finally:
        other.shutdown()


def test_the_oxigraph_server_system_needs_the_oxigraph_command(monkeypatch: pytest.MonkeyPatch, data: Path) -> None:
    monkeypatch.setattr(systems, "OXIGRAPH", "/nonexistent/oxigraph")
    with pytest.raises(SystemExit, match=r"^no oxigraph command at /nonexistent/oxigraph: install the bench extra"):
        systems.run_oxigraph_server(data, data.parent, argparse.Namespace())


def test_a_failing_system_leaves_the_others_measured_and_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make bench-large` lost every figure of an hour's run when one system failed: each system's figures are saved
    as they come, the next systems still run, and the run ends with the failure."""
    import benchmarks.run as run

    data = tmp_path / "synth.nq"
    data.write_text("", encoding="utf-8")

    def measure(system: str, *_: object) -> dict[str, object]:
        if system == "mgkg":
            raise SystemExit("benchmark of mgkg at 10 triples failed (exit 1)")
        return {"load_s": 1.0}

    monkeypatch.setattr(run, "synthetic", lambda folder, size: (data, 0.0))
    monkeypatch.setattr(run, "measure", measure)
    monkeypatch.setattr(run, "write_report", lambda *_: None)
    monkeypatch.setattr(run, "write_chart", lambda *_: None)
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps({"sizes": {"10": {"mgkg": {"load_s": 7.0}}}}), encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["run", "--merge", "--sizes", "10", "--systems", "oxigraph-server,mgkg,virtuoso",
                                      "--json", str(saved), "--out", str(tmp_path / "r.md"),
                                      "--chart", str(tmp_path / "r.png")])
    with pytest.raises(SystemExit, match=r"^benchmark of mgkg at 10 triples failed \(exit 1\)$"):
        run.main()
    entry = json.loads(saved.read_text(encoding="utf-8"))["sizes"]["10"]
    assert entry["oxigraph-server"] == entry["virtuoso"] == {"load_s": 1.0}
    assert entry["mgkg"] == {"load_s": 7.0}  # the previous run's figures stay
