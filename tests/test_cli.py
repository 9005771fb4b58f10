"""The mgkg command: each subcommand works on a built store, and each error path gives one line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Dataset

from graph.cli.commands import cli
from graph.core.resources import sources_dir


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    """Invoke mgkg in-process with `args`."""
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def one_line_error(result: Result, code: int = 2) -> str:
    """Assert a one-line `mgkg: error:` on stderr and the exit code; return the line."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mgkg: error: "), lines[0]
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the graph built by `mgkg build`."""
    folder = tmp_path_factory.mktemp("data")
    result = run("--data-dir", str(folder), "build")
    assert result.exit_code == 0, result.stderr
    assert "built" in result.stdout
    return folder


def test_build_reports_what_it_wrote(data_dir: Path) -> None:
    assert (data_dir / "store").is_dir()


def test_stats_counts_graphs_and_classes(data_dir: Path) -> None:
    result = run("--data-dir", str(data_dir), "stats")
    assert result.exit_code == 0, result.stderr
    assert "https://w3id.org/mgkg/graph/003_cfcd86acf525643f" in result.stdout
    assert "Project" in result.stdout and "quads:" in result.stdout


def test_validate_the_built_graph(data_dir: Path) -> None:
    result = run("--data-dir", str(data_dir), "validate")
    assert result.exit_code == 0, result.stdout
    first = result.stdout.splitlines()[0]  # warnings and infos: SHACL says it does not conform, mgkg accepts it
    assert first.startswith("conforms: false (0 violations, ") and first.endswith(" — no violations")
    as_json = json.loads(run("--data-dir", str(data_dir), "validate", "--format", "json").stdout)
    assert as_json["conforms"] is False and as_json["no_violations"] is True and as_json["results"]
    as_turtle = run("--data-dir", str(data_dir), "validate", "--format", "turtle")
    assert "sh:conforms false" in as_turtle.stdout


def test_validate_file_with_violations_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix mgkg: <https://w3id.org/mgkg/ontology#> .\n"
        '<https://example.org/amount/1> a mgkg:MonetaryAmount ; mgkg:amountValue -5.0 ; mgkg:currency "usd" .\n',
        encoding="utf-8",
    )
    result = run("validate", str(bad))
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("conforms: false (") and " 0 violations" not in first and "no violations" not in first
    assert "mgkg:currency" in result.stdout and "mgkg:amountValue" in result.stdout


def test_validate_malformed_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix a: <http://x/> .\n\na:b a:c .\n", encoding="utf-8")
    line = one_line_error(run("validate", str(bad)))
    assert f"{bad}:3:" in line


def test_validate_unknown_format_and_missing_file(tmp_path: Path) -> None:
    assert "unknown RDF format" in one_line_error(run("validate", str(tmp_path / "x.docx")))
    assert "cannot read" in one_line_error(run("validate", str(tmp_path / "missing.ttl")))


def test_export_writes_file_atomically(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "kg.trig"
    result = run("--data-dir", str(data_dir), "export", "--format", "trig", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    dataset = Dataset()
    dataset.parse(target, format="trig")
    assert len(list(dataset.quads((None, None, None, None)))) > 500
    assert [p.name for p in tmp_path.iterdir()] == ["kg.trig"]


def test_export_errors(data_dir: Path, tmp_path: Path) -> None:
    base = ("--data-dir", str(data_dir), "export")
    assert "no graph <https://example.org/g>" in one_line_error(run(*base, "--graph", "https://example.org/g"))
    assert "cannot write" in one_line_error(run(*base, "-o", str(tmp_path / "no" / "such" / "dir.ttl")))


def test_query_text_and_formats(data_dir: Path) -> None:
    text = 'SELECT ?id WHERE { ?p <https://w3id.org/mgkg/ontology#projectsId> ?id } ORDER BY ?id'
    table = run("--data-dir", str(data_dir), "query", "-e", text)
    assert table.exit_code == 0, table.stderr
    assert "TC.0287" in table.stdout and "PX.0009" in table.stdout
    as_json = json.loads(run("--data-dir", str(data_dir), "query", "-e", text, "--format", "json").stdout)
    assert [b["id"]["value"] for b in as_json["results"]["bindings"]] == ["PX.0009", "TC.0287"]
    as_csv = run("--data-dir", str(data_dir), "query", "-e", text, "--format", "csv").stdout
    assert as_csv.split() == ["id", "PX.0009", "TC.0287"]
    undeclared = "SELECT ?id WHERE { prj:tc-0287 mgkg:projectsId ?id }"  # the graph's prefixes, as on /sparql
    assert run("--data-dir", str(data_dir), "query", "-e", undeclared, "--format", "csv").stdout.split() == [
        "id", "TC.0287"]


def test_query_errors(data_dir: Path, tmp_path: Path) -> None:
    base = ("--data-dir", str(data_dir), "query")
    assert "-e: query syntax error: error at 1:" in one_line_error(run(*base, "-e", "SELECT * WHERE { ?s ?p }"))
    assert one_line_error(run(*base, "-e", "SELECT * WHERE { ?s a foo:X }")).endswith(
        "-e: query syntax error: error at 1:23: the prefix foo: is not declared (PREFIX foo: <…>)")
    assert "no named query 'nope'" in one_line_error(run(*base, "nope"))
    assert "expected NAME=VALUE" in one_line_error(run(*base, "projects-by-donor", "-p", "donor"))
    assert "exactly one" in one_line_error(run(*base))
    missing = tmp_path / "missing.rq"
    assert "cannot read query" in one_line_error(run(*base, str(missing)))
    assert "parameter 'year': missing value" in one_line_error(run(*base, "projects-active-in-year"))
    assert "--param applies to named queries only" in one_line_error(run(*base, "-e", "ASK {}", "-p", "x=1"))
    line = one_line_error(run(*base, "-e", "ASK {}", "--format", "turtle"))
    assert line.endswith("--format turtle: only for CONSTRUCT/DESCRIBE; use table, json, xml, csv or tsv")
    line = one_line_error(run(*base, "-e", "CONSTRUCT WHERE { ?s ?p ?o }", "--format", "csv"))
    assert "--format csv: not available for CONSTRUCT/DESCRIBE" in line


def test_query_table_shows_terms_for_a_person(data_dir: Path) -> None:
    text = (
        'SELECT ?iri ?label ?n ?none WHERE { VALUES (?iri ?label ?n) { (<https://example.org/x> "Ljubljana"@sl 42) } }'
    )
    table = run("--data-dir", str(data_dir), "query", "-e", text)
    assert table.exit_code == 0, table.stderr
    assert "<https://example.org/x>" in table.stdout and "Ljubljana@sl" in table.stdout
    assert "42 (xsd:integer)" in table.stdout and table.stdout.endswith("1 rows\n")
    assert run("--data-dir", str(data_dir), "query", "-e", "ASK { ?s ?p ?o }").stdout == "yes\n"
    construct = "CONSTRUCT { <https://example.org/x> <https://example.org/p> 1 } WHERE {}"
    graph = run("--data-dir", str(data_dir), "query", "-e", construct)
    assert graph.stdout.strip().endswith("<https://example.org/x> <https://example.org/p> 1 .")


def test_query_timeout_is_the_settings_one(data_dir: Path) -> None:
    slow = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    line = one_line_error(run("--data-dir", str(data_dir), "query", "-e", slow, "--format", "tsv",
                              env={"MGKG_QUERY_TIMEOUT": "0.3"}))
    assert line == "mgkg: error: -e: query timed out after 0.3 s"


def test_query_timeout_option_overrides_the_settings(data_dir: Path) -> None:
    slow = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    line = one_line_error(run("--data-dir", str(data_dir), "query", "-e", slow, "--format", "tsv", "--timeout", "0.3",
                              env={"MGKG_QUERY_TIMEOUT": "600"}))
    assert line == "mgkg: error: -e: query timed out after 0.3 s"
    refused = run("--data-dir", str(data_dir), "query", "-e", "ASK {}", "--timeout", "0")
    assert refused.exit_code == 2 and "Invalid value for '--timeout'" in refused.stderr
    fast = run("--data-dir", str(data_dir), "query", "-e", "ASK { ?s ?p ?o }", "--timeout", "30",
               env={"MGKG_QUERY_TIMEOUT": "0.000001"})
    assert (fast.exit_code, fast.stdout) == (0, "yes\n")


def test_relative_iris_resolve_against_the_file_or_the_base(data_dir: Path, tmp_path: Path) -> None:
    text = "SELECT (<x> AS ?i) {}"
    printed = run("--data-dir", str(data_dir), "query", "-e", text, "--format", "csv")
    assert printed.stdout.split() == ["i", "https://w3id.org/mgkg/x"]
    rebased = run("--data-dir", str(data_dir), "--base", "https://example.org/kg/", "query", "-e", text, "--format",
                  "csv")
    assert rebased.stdout.split() == ["i", "https://example.org/kg/x"]
    path = tmp_path / "relative.rq"
    path.write_text(text, encoding="utf-8")
    printed = run("--data-dir", str(data_dir), "query", str(path), "--format", "csv")
    assert printed.stdout.split() == ["i", (tmp_path / "x").resolve().as_uri()]


def test_query_applies_the_allowlist(data_dir: Path) -> None:
    base = ("--data-dir", str(data_dir), "query")
    line = one_line_error(run(*base, "-e", "ASK { SERVICE <https://example.org/sparql> { ?s ?p ?o } }"))
    assert line.startswith("mgkg: error: -e: SERVICE <https://example.org/sparql> refused: the server reaches only")
    line = one_line_error(run(*base, "federated-funder-capitals"))
    assert "federated-funder-capitals.rq: SERVICE <https://query.wikidata.org/sparql> refused" in line
    silent = run(*base, "-e", "ASK { SERVICE SILENT <https://example.org/sparql> { ?s ?p ?o } }")
    assert (silent.exit_code, silent.stdout) == (0, "yes\n")


def test_commands_on_an_unbuilt_store_say_to_build(tmp_path: Path) -> None:
    for command in (["stats"], ["validate"], ["export"], ["query", "-e", "ASK {}"]):
        line = one_line_error(run("--data-dir", str(tmp_path / "empty"), *command))
        assert "run `mgkg build` first" in line


def test_bad_settings_are_one_line(tmp_path: Path) -> None:
    config = tmp_path / "mgkg.toml"
    config.write_text("[mgkg\nbase = 1\n", encoding="utf-8")
    assert "invalid TOML" in one_line_error(run("--config", str(config), "stats"))
    config.write_text('[mgkg]\ncolour = "red"\n', encoding="utf-8")
    assert "unknown setting 'colour'" in one_line_error(run("--config", str(config), "stats"))
    assert "MGKG_PORT" in one_line_error(run("stats", env={"MGKG_PORT": "eighty"}))
    assert "must be an http(s) IRI" in one_line_error(run("--base", "ftp://x/", "stats"))
    assert "unknown store" in one_line_error(run("--store", "postgres:x", "stats"))


def test_build_refuses_non_conforming_sources_and_keeps_the_old_store(data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    shutil.copytree(sources_dir(), folder, ignore=shutil.ignore_patterns(".*"))
    target = folder / "003_cfcd86acf525643f.ttl"
    target.write_text(target.read_text(encoding="utf-8").replace('"TC.0287"', '"TC-287"'), encoding="utf-8")
    before = sorted(p.name for p in (data_dir / "store").iterdir())
    result = run("--data-dir", str(data_dir), "build", "--sources", str(folder))
    assert result.exit_code == 1
    assert any(
        str(target) in line and "prj:tc-0287 mgkg:projectsId" in line for line in result.stderr.splitlines()
    ), result.stderr
    assert "nothing was written" in result.stderr.splitlines()[-1]
    assert sorted(p.name for p in (data_dir / "store").iterdir()) == before
    stats = run("--data-dir", str(data_dir), "query", "-e", 'ASK { ?p ?x "TC.0287" }', "--format", "json")
    assert json.loads(stats.stdout)["boolean"] is True


def test_build_malformed_source_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    shutil.copytree(sources_dir(), folder, ignore=shutil.ignore_patterns(".*"))
    target = folder / "curation.ttl"
    target.write_text(target.read_text(encoding="utf-8") + "\nprj:x prj:y .\n", encoding="utf-8")
    line = one_line_error(run("--data-dir", str(tmp_path / "d"), "build", "--sources", str(folder)))
    assert f"{target}:" in line
    assert not (tmp_path / "d" / "store").exists()


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "--data-dir", str(tmp_path), "stats"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("mgkg: error: no graph at")


def test_a_timed_out_aggregate_does_not_keep_the_command_waiting(data_dir: Path) -> None:
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # minutes of counting, uninterruptible
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "--data-dir", str(data_dir), "query", "-e", slow, "--format", "json"],
        capture_output=True, text=True, check=False, timeout=60, env={**os.environ, "MGKG_QUERY_TIMEOUT": "0.5"},
    )
    assert (done.returncode, done.stderr) == (2, "mgkg: error: -e: query timed out after 0.5 s\n")
    assert time.monotonic() - started < 20


def test_run_query_without_an_executor_does_not_keep_the_process_waiting(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "slow.rq"
    path.write_text("# title: slow\n# description: minutes of counting\n"
                    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }\n", encoding="utf-8")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from graph.core.config import Settings\n"
        "from graph.named_queries import load_query, run_query\n"
        "from graph.sparql.execute import QueryFailed\n"
        "from graph.store import open_store\n"
        "store = open_store(sys.argv[1], read_only=True)\n"
        "try:\n"
        "    run_query(store, load_query(Path(sys.argv[2])), {}, Settings(query_timeout=0.5))\n"
        "except QueryFailed as error:\n"
        "    print(error)\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script, f"oxigraph:{data_dir / 'store'}", str(path)],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert (done.returncode, done.stdout) == (0, "query timed out after 0.5 s\n"), done.stderr
    assert time.monotonic() - started < 20
