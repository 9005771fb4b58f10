"""The report of `make bench`: benchmarks/results.md (tables, ratios, targets) and a PNG of cost versus size."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from benchmarks.growth import growth
from benchmarks.targets import p50 as _p50
from benchmarks.targets import targets

PEERS = (("virtuoso", "Virtuoso"), ("rdflib-endpoint", "rdflib-endpoint"))


def _ms(figures: dict[str, Any] | None, limit: float | None = None) -> str:
    if not figures:
        return "—"
    if figures.get("timed_out"):
        return f"timed out after {limit:g} s" if limit else "timed out"
    if figures.get("unsupported"):
        return "not supported"
    if figures.get("failed"):
        return f"failed ({figures['failed'].split(':')[0]})"
    if figures.get("skipped"):
        return "not run (budget)"
    if "p50" not in figures:
        return "—"
    return f"{figures['p50']:.1f} / {figures['p95']:.1f}"


def _ratio(top: float | None, bottom: float | None, digits: int = 2) -> str:
    return "—" if not top or not bottom else f"{top / bottom:.{digits}f}×"


def _machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    ) if Path("/proc/cpuinfo").exists() else platform.processor()
    names = ("pyoxigraph", "rdflib", "pyshacl", "flask", "granian", "rdflib-endpoint")
    packages = ", ".join(f"{name} {_version(name)}" for name in names)
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {packages}, {_virtuoso()}"


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "(not installed)"


def _virtuoso() -> str:
    try:
        done = subprocess.run(["virtuoso-t", "-?"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "Virtuoso (not installed)"
    found = re.search(r"Version (\S+)", done.stdout + done.stderr)
    return f"Virtuoso {found[1] if found else '(version unknown)'}"


Row = tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]
ROW_SYSTEMS = ("oxigraph", "oxigraph-memory", "oxigraph-server", "mgkg", "rdflib")
LOAD_SYSTEMS = (*ROW_SYSTEMS, "virtuoso", "rdflib-endpoint")


def query_rows(entry: dict[str, Any]) -> list[Row]:
    """(query, then the figures of each of ROW_SYSTEMS) for each named query at one size."""
    systems = [entry.get(name, {}).get("queries", {}) for name in ROW_SYSTEMS]
    names = sorted(set().union(*systems))
    return [(n, *(queries.get(n, {}) for queries in systems)) for n in names]


def _limit(entry: dict[str, Any], system: str) -> float | None:
    value = entry.get(system, {}).get("limit_s")
    return float(value) if value else None


def peer_rows(entry: dict[str, Any]) -> list[str]:
    """The peers table of one size: each named query on mgkg (HTTP, from disk), Oxigraph's server and the peers,
    with the rows each answered where they differ from raw Oxigraph's."""
    raw = entry.get("oxigraph", {}).get("queries", {})
    ours = entry.get("mgkg", {}).get("queries", {})
    server = entry.get("oxigraph-server", {}).get("queries", {})
    peers = [entry.get(system, {}).get("queries", {}) for system, _ in PEERS]
    lines = []
    for name in sorted(set(raw) | set(ours) | set(server) | set().union(*peers)):
        http = _p50(ours.get(name, {}).get("http"))
        expected = raw.get(name, server.get(name, {})).get("rows")
        differ = [f"{label} {q[name]['rows']}" for (_, label), q in zip(PEERS, peers, strict=True)
                  if "rows" in q.get(name, {}) and expected is not None and q[name]["rows"] != expected]
        cells = [name, "—" if expected is None else str(expected),
                 _ms(ours.get(name, {}).get("http"), _limit(entry, "mgkg")),
                 _ms(server.get(name), _limit(entry, "oxigraph-server")),
                 *(_ms(q.get(name), _limit(entry, system)) for (system, _), q in zip(PEERS, peers, strict=True)),
                 *(_ratio(_p50(q.get(name)), http, 1) for q in peers),
                 "differ: " + ", ".join(differ) if differ else "same"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def lookup_rows(size: str, entry: dict[str, Any]) -> list[str]:
    """The lookups table of one size: one row per system or way of serving (direct: in-process, one thread)."""
    mgkg = entry.get("mgkg", {})
    rows = [("raw pyoxigraph", entry.get("oxigraph", {}).get("lookups_direct"), {}),
            ("rdflib Memory", entry.get("rdflib", {}).get("lookups_direct"), {}),
            ("mgkg serve, from disk", None, mgkg.get("lookups_http", {})),
            ("mgkg serve `--in-memory`", None, mgkg.get("lookups_http_memory", {})),
            ("mgkg serve `--workers 2`", None, mgkg.get("lookups_http_workers", {})),
            ("Oxigraph server", None, entry.get("oxigraph-server", {}).get("lookups_http", {})),
            *((label, None, entry.get(system, {}).get("lookups_http", {})) for system, label in PEERS)]
    lines = []
    for label, direct, rates in rows:
        if direct is None and not rates:
            continue
        cells = [f"{int(size):,}", label, direct, *(rates.get(n) for n in ("1", "4", "16"))]
        lines.append("| " + " | ".join(c if isinstance(c, str) else "—" if c is None else f"{c:,.0f}"
                                       for c in cells) + " |")
    return lines


INTRO = (
    "Data: `mgkg synth --seed 0` with the ontology appended, as N-Quads; the same file for every system. "
    "Systems: **raw pyoxigraph** (the limit of the engine mgkg is built on: on-disk store, bulk loader, "
    "Oxigraph's own JSON serializer; and the same with its in-memory store), **Oxigraph's own HTTP server** "
    "(`oxigraph load`, then `oxigraph serve-read-only`: the same engine behind a Rust HTTP layer, the limit "
    "for mgkg's HTTP figures), **mgkg** (`mgkg load`, `mgkg validate`, named queries through the store as "
    "`mgkg query` runs them and through HTTP from `mgkg serve`, answering from the on-disk store and from its "
    "copy in memory, `--in-memory`), **rdflib** (its Memory store and SPARQL engine, pySHACL), and the peers a "
    "user would pick instead: **Virtuoso 7** (Open Source, a fresh database bulk-loaded by its own loader, "
    "queried over its /sparql endpoint) and **rdflib-endpoint** (rdflib + FastAPI, `rdflib-endpoint serve FILE`). "
    "Each system runs in a process of its own. A query time is evaluation plus serialization of every row as "
    "SPARQL JSON; p50 / p95 over up to 20 runs after a warm-up (fewer once 10 s are spent on one query; a single "
    "slow run is its own p50 and p95). A query still running after the run's cut-off (`--limit`) is reported as "
    "timed out, not as a number; rdflib-endpoint gets a total budget as well (`--peer-budget`: the queries after "
    "it is spent are not run). Nothing here is asserted by tests."
)


def write_report(results: dict[str, Any], path: Path, chart: Path) -> None:
    """Write the Markdown report."""
    sizes = sorted(results["sizes"], key=int)
    lines = [
        "# mgkg benchmarks", "",
        f"Written by `make bench` ({results['started']}) on {_machine()}. A system's figures come from the run "
        "that measured it (`--merge` keeps earlier ones; `make bench-large` adds 10,000,000 triples): see the "
        "`measured` column of the load table.", "", INTRO, "", f"![cost versus size]({chart.name})", "",
        "## Targets", "",
        "Issue 21's targets, each where it is stated (a size not measured: the nearest below, no verdict). "
        "The last column is what the other systems reach on the same criterion on this machine.", "",
        "| target | measured | met | on this machine |", "|---|---|---|---|",
    ]
    lines += [f"| {t.target} | {t.measured} | {'—' if t.met is None else 'yes' if t.met else 'no'} | {t.others} |"
              for t in targets(results)]
    lines += ["", *growth(results)]
    lines += ["## Load, validation, memory", "",
              "| triples | system | load s | load ÷ raw | validate s | peak RSS MB | measured |",
              "|---:|---|---:|---:|---:|---:|---|"]
    for size in sizes:
        entry = results["sizes"][size]
        raw_load = entry.get("oxigraph", {}).get("load_s")
        for system in LOAD_SYSTEMS:
            figures = entry.get(system)
            if not figures:
                continue
            validate = f"{figures['validate_s']:.2f}" if "validate_s" in figures else "—"
            rss = figures.get("served_rss_mb") or figures.get("rss_mb")
            load = figures["load_s"]
            memory = f"{rss:,.0f}" if rss else "—"
            cells = [f"{int(size):,}", system, f"{load:.2f}", _ratio(load, raw_load), validate, memory,
                     figures.get("started", "—")]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Peak RSS is each process's VmHWM (its own high-water mark, read while it runs). "
              "mgkg's RSS is the server's (`mgkg serve` from disk after all queries and lookups; "
              "`--in-memory` in the lookups table's notes); `mgkg load` and `mgkg validate` run as commands of their "
              "own. pySHACL runs up to the --pyshacl-max size only. oxigraph-memory is raw pyoxigraph's in-memory "
              "store loading the file; oxigraph-server's load is `oxigraph load`, its RSS the server's. Virtuoso's "
              "load is its bulk loader (ld_dir, rdf_loader_run, checkpoint; starting the server is apart), its RSS "
              "virtuoso-t's with a 2.6 GB buffer pool allowed; rdflib-endpoint's load is the time until it answers "
              "(it parses the file first), its RSS the server's (the highest over its restarts).", ""]
    lines += ["## Point lookups per second", "",
              "`SELECT ?p ?o WHERE { <project> ?p ?o }` over 1,000 projects in turn. Direct: one thread on the "
              "store in-process. HTTP: GET /sparql (Oxigraph: /query; rdflib-endpoint: /) from 1, 4 and 16 client "
              "processes (kept-alive connections) sharing the machine's cores with the server.", "",
              "| triples | system | direct | HTTP 1 client | 4 | 16 |", "|---:|---|---:|---:|---:|---:|"]
    for size in sizes:
        lines += lookup_rows(size, results["sizes"][size])
    served = [(int(size), results["sizes"][size].get("mgkg", {}).get("served_memory_rss_mb")) for size in sizes]
    if any(rss for _, rss in served):
        lines += ["", "Peak RSS of `mgkg serve --in-memory`: "
                  + ", ".join(f"{rss:,.0f} MB at {size:,} triples" for size, rss in served if rss) + "."]
    repeated = [(int(size), named) for size in sizes
                if (named := results["sizes"][size].get("mgkg", {}).get("named_get"))]
    if repeated:
        lines += ["", "Repeated named-query GETs (`mgkg serve` from disk, the same GET /queries/NAME from 4 client "
                  "processes; conditional: with If-None-Match, the ETag of the first answer):", "",
                  "| triples | query | plain GETs/s | conditional GETs/s |", "|---:|---|---:|---:|"]
        lines += [f"| {size:,} | {named['query']} | {named['plain']['4']:,.0f} | "
                  + (f"{named['conditional']['4']:,.0f}" if "conditional" in named else "no ETag") + " |"
                  for size, named in repeated]
    for size in sizes:
        entry = results["sizes"][size]
        lines += ["", f"## Named queries at {int(size):,} triples (p50 / p95 ms)", "",
                  "| query | rows | raw pyoxigraph | mgkg store | mgkg HTTP | raw in memory | mgkg HTTP `--in-memory` "
                  "| Oxigraph server HTTP | rdflib | HTTP ÷ raw | in memory: HTTP ÷ raw | HTTP ÷ Oxigraph server "
                  "| rdflib ÷ HTTP | rdflib ÷ HTTP `--in-memory` |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        cut = {system: _limit(entry, system) for system in ROW_SYSTEMS}
        for name, raw, raw_memory, server, ours, naive in query_rows(entry):
            label = f"{name} (agg.)" if raw.get("aggregate") or naive.get("aggregate") else name
            http, http_memory = _p50(ours.get("http")), _p50(ours.get("http_memory"))
            lines.append(
                f"| {label} | {raw.get('rows', '—')} | {_ms(raw)} | {_ms(ours.get('store'))} "
                f"| {_ms(ours.get('http'), cut['mgkg'])} | {_ms(raw_memory)} "
                f"| {_ms(ours.get('http_memory'), cut['mgkg'])} "
                f"| {_ms(server, cut['oxigraph-server'])} | {_ms(naive, cut['rdflib'])} "
                f"| {_ratio(http, _p50(raw))} | {_ratio(http_memory, _p50(raw_memory))} | {_ratio(http, _p50(server))} "
                f"| {_ratio(_p50(naive), http, 0)} | {_ratio(_p50(naive), http_memory, 0)} |"
            )
        if any(entry.get(system, {}).get("queries") for system, _ in PEERS):
            lines += ["", f"### Peers at {int(size):,} triples (p50 / p95 ms)", "",
                      "| query | rows (raw) | mgkg HTTP | Oxigraph server | Virtuoso | rdflib-endpoint "
                      "| Virtuoso ÷ mgkg HTTP | rdflib-endpoint ÷ mgkg HTTP | rows |",
                      "|---|---:|---:|---:|---:|---:|---:|---:|---|", *peer_rows(entry)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
