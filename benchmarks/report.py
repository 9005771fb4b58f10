"""The report of `make bench`: benchmarks/results.md (tables, ratios, targets) and a PNG of cost versus size."""

from __future__ import annotations

import os
import platform
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks.workload import SERVED

TARGETS = {
    "load": 1.5,  # mgkg load ≤ 1.5× raw Oxigraph
    "http": 1.3,  # each named query through HTTP ≤ 1.3× raw Oxigraph
    "rdflib": 20.0,  # aggregate queries ≥ 20× faster than rdflib Memory
    "lookups": 1000.0,  # point lookups per second
    "rss": 1024.0,  # MB served at the largest size
}


def _ms(figures: dict[str, Any] | None) -> str:
    if not figures:
        return "—"
    if figures.get("timed_out"):
        return "timed out"
    return f"{figures['p50']:.1f} / {figures['p95']:.1f}"


def _ratio(top: float | None, bottom: float | None, digits: int = 2) -> str:
    return "—" if not top or not bottom else f"{top / bottom:.{digits}f}×"


def _p50(figures: dict[str, Any] | None) -> float | None:
    return None if not figures or "p50" not in figures else float(figures["p50"])


def _machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    ) if Path("/proc/cpuinfo").exists() else platform.processor()
    packages = ", ".join(f"{name} {version(name)}" for name in ("pyoxigraph", "rdflib", "pyshacl", "flask", "waitress"))
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {packages}"


Row = tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]
ROW_SYSTEMS = ("oxigraph", "oxigraph-memory", "oxigraph-server", "mgkg", "rdflib")


def query_rows(entry: dict[str, Any]) -> list[Row]:
    """(query, then the figures of each of ROW_SYSTEMS) for each named query at one size."""
    systems = [entry.get(name, {}).get("queries", {}) for name in ROW_SYSTEMS]
    names = sorted(set().union(*systems))
    return [(n, *(queries.get(n, {}) for queries in systems)) for n in names]


def targets(results: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """(target, what was measured, met) at the largest size measured."""
    size, entry = max(results["sizes"].items(), key=lambda item: int(item[0]))
    raw, ours = entry.get("oxigraph", {}), entry.get("mgkg", {})
    out: list[tuple[str, str, bool | None]] = []
    if raw.get("load_s") and ours.get("load_s"):
        ratio = ours["load_s"] / raw["load_s"]
        out.append((f"load ≤ {TARGETS['load']}× raw Oxigraph",
                    f"{ratio:.2f}× ({ours['load_s']:.1f} s vs {raw['load_s']:.1f} s)", ratio <= TARGETS["load"]))
    rows = query_rows(entry)
    for served in SERVED:
        where, held = served.key, served.label
        base = entry.get(served.raw, {}).get("queries", {})
        http = [(r[0], h / b) for r in rows if (b := _p50(base.get(r[0]))) and (h := _p50(r[4].get(where)))]
        if http:
            worst = max(http, key=lambda item: item[1])
            within = sum(1 for _, ratio in http if ratio <= TARGETS["http"])
            out.append((f"each named query through HTTP ≤ {TARGETS['http']}× raw Oxigraph ({held})",
                        f"{within} of {len(http)} within; worst {worst[0]} {worst[1]:.2f}×", within == len(http)))
    served_http = [(name, h / b) for name, _, _, server, o, _ in rows
                   if (b := _p50(server)) and (h := _p50(o.get("http")))]
    if served_http:
        worst = max(served_http, key=lambda item: item[1])
        within = sum(1 for _, ratio in served_http if ratio <= TARGETS["http"])
        out.append((f"for reference: each named query through HTTP ≤ {TARGETS['http']}× Oxigraph's own HTTP server "
                    "(from disk)", f"{within} of {len(served_http)} within; worst {worst[0]} {worst[1]:.2f}×",
                    within == len(served_http)))
    for served in SERVED:
        where, held = served.key, served.label
        speedups = []
        for name, _, _, _, o, n in rows:
            if not o.get(where) or not n or not n.get("aggregate", False):
                continue
            naive_ms, ours_ms = _p50(n), _p50(o.get(where))
            if n.get("timed_out"):
                speedups.append((name, float("inf")))
            elif naive_ms and ours_ms:
                speedups.append((name, naive_ms / ours_ms))
        if speedups:
            least = min(speedups, key=lambda item: item[1])
            faster = sum(1 for _, ratio in speedups if ratio >= TARGETS["rdflib"])
            out.append((f"aggregate queries through HTTP ≥ {TARGETS['rdflib']:.0f}× faster than rdflib Memory ({held})",
                        f"{faster} of {len(speedups)} aggregate queries; least {least[0]} {least[1]:.0f}×",
                        least[1] >= TARGETS["rdflib"]))
    lookups = ours.get("lookups_http", {})
    if lookups:
        others = {"`--in-memory`": ours.get("lookups_http_memory", {}),
                  "`--workers 2`": ours.get("lookups_http_workers", {})}
        best = max([*lookups.values(), *(v for rates in others.values() for v in rates.values())])
        measured = ", ".join(f"{n} clients {v:,.0f}/s" for n, v in lookups.items())
        for label, rates in others.items():
            if rates:
                measured += f"; {label}: " + ", ".join(f"{n} clients {v:,.0f}/s" for n, v in rates.items())
        out.append((f"≥ {TARGETS['lookups']:,.0f} point lookups/s over HTTP", measured, best >= TARGETS["lookups"]))
    for served in SERVED:
        key, held = served.rss_key, served.label
        if ours.get(key):
            rss = ours[key]
            out.append((f"{int(size):,} triples served within 1 GB RSS ({held})",
                        f"{rss:,.0f} MB peak (server, after every query and lookup)", rss <= TARGETS["rss"]))
    return out


def write_report(results: dict[str, Any], path: Path, chart: Path) -> None:
    """Write the Markdown report."""
    sizes = sorted(results["sizes"], key=int)
    lines = [
        "# mgkg benchmarks",
        "",
        f"Written by `make bench` ({results['started']}) on {_machine()}. A system's figures come from the run "
        "that measured it (`--merge` keeps earlier ones): see the `measured` column of the load table.",
        "",
        "Data: `mgkg synth --seed 0` with the ontology appended, as N-Quads; the same file for every system. "
        "Systems: **raw pyoxigraph** (the limit of the engine mgkg is built on: on-disk store, bulk loader, "
        "Oxigraph's own JSON serializer; and the same with its in-memory store), **Oxigraph's own HTTP server** "
        "(`oxigraph load`, then `oxigraph serve-read-only`: the same engine behind a Rust HTTP layer, the limit "
        "for mgkg's HTTP figures), **mgkg** (`mgkg load`, "
        "`mgkg validate`, named queries through the store as `mgkg query` runs them and through HTTP from "
        "`mgkg serve`, answering from the on-disk store and from its copy in memory, `--in-memory`), "
        "**rdflib** (its Memory store and SPARQL engine, pySHACL). Each system runs in a process of its own. "
        "A query time is evaluation plus serialization of every row as SPARQL JSON; p50 / p95 over up to 20 runs "
        "after a warm-up (fewer once 10 s are spent on one query; a single slow run is its own p50 and p95). "
        "Nothing here is asserted by tests.",
        "",
        f"![cost versus size]({chart.name})",
        "",
        f"## Targets at {int(sizes[-1]):,} triples",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    lines += [f"| {t} | {m} | {'yes' if ok else 'no'} |" for t, m, ok in targets(results)]
    lines += ["", "## Load, validation, memory", "",
              "| triples | system | load s | load ÷ raw | validate s | peak RSS MB | measured |",
              "|---:|---|---:|---:|---:|---:|---|"]
    for size in sizes:
        entry = results["sizes"][size]
        raw_load = entry.get("oxigraph", {}).get("load_s")
        for system in ROW_SYSTEMS:
            figures = entry.get(system)
            if not figures:
                continue
            validate = f"{figures['validate_s']:.2f}" if "validate_s" in figures else "—"
            rss = figures.get("served_rss_mb") or figures.get("rss_mb", 0)
            load = figures["load_s"]
            cells = [f"{int(size):,}", system, f"{load:.2f}", _ratio(load, raw_load), validate, f"{rss:,.0f}",
                     figures.get("started", "—")]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Peak RSS is each process's VmHWM (its own high-water mark, read while it runs). "
              "mgkg's RSS is the server's (`mgkg serve` from disk after all queries and lookups; "
              "`--in-memory` in the lookups table's notes); `mgkg load` and `mgkg validate` run as commands of their "
              "own. pySHACL runs up to the --pyshacl-max size only. oxigraph-memory is raw pyoxigraph's in-memory "
              "store loading the file; oxigraph-server's load is `oxigraph load`, its RSS the server's.", ""]
    lines += ["## Point lookups per second", "",
              "`SELECT ?p ?o WHERE { <project> ?p ?o }` over 1,000 projects in turn. Direct: one thread on the "
              "store in-process. HTTP: GET /sparql from 1, 4 and 16 client processes (kept-alive connections) "
              "sharing the machine's cores with the server; `mgkg serve` as one process from disk, as one process "
              "`--in-memory`, then as two processes from disk (`--workers 2`); Oxigraph's own server: GET /query.", "",
              "| triples | raw pyoxigraph direct | rdflib direct | mgkg HTTP 1 | 4 | 16 | `--in-memory` 1 | 4 | 16 "
              "| `--workers 2` 1 | 4 | 16 | Oxigraph server 1 | 4 | 16 |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size in sizes:
        entry = results["sizes"][size]
        mgkg = entry.get("mgkg", {})
        cells = [entry.get("oxigraph", {}).get("lookups_direct"), entry.get("rdflib", {}).get("lookups_direct")]
        for key in ("lookups_http", "lookups_http_memory", "lookups_http_workers"):
            cells += [mgkg.get(key, {}).get(n) for n in ("1", "4", "16")]
        cells += [entry.get("oxigraph-server", {}).get("lookups_http", {}).get(n) for n in ("1", "4", "16")]
        lines.append(f"| {int(size):,} | " + " | ".join("—" if c is None else f"{c:,.0f}" for c in cells) + " |")
    served = [(int(size), results["sizes"][size].get("mgkg", {}).get("served_memory_rss_mb")) for size in sizes]
    if any(rss for _, rss in served):
        lines += ["", "Peak RSS of `mgkg serve --in-memory`: "
                  + ", ".join(f"{rss:,.0f} MB at {size:,} triples" for size, rss in served if rss) + "."]
    for size in sizes:
        lines += ["", f"## Named queries at {int(size):,} triples (p50 / p95 ms)", "",
                  "| query | rows | raw pyoxigraph | mgkg store | mgkg HTTP | raw in memory | mgkg HTTP `--in-memory` "
                  "| Oxigraph server HTTP | rdflib | HTTP ÷ raw | in memory: HTTP ÷ raw | HTTP ÷ Oxigraph server "
                  "| rdflib ÷ HTTP | rdflib ÷ HTTP `--in-memory` |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for name, raw, raw_memory, server, ours, naive in query_rows(results["sizes"][size]):
            label = f"{name} (agg.)" if raw.get("aggregate") or naive.get("aggregate") else name
            http, http_memory = _p50(ours.get("http")), _p50(ours.get("http_memory"))
            lines.append(
                f"| {label} | {raw.get('rows', '—')} | {_ms(raw)} | {_ms(ours.get('store'))} | {_ms(ours.get('http'))} "
                f"| {_ms(raw_memory)} | {_ms(ours.get('http_memory'))} | {_ms(server)} | {_ms(naive)} "
                f"| {_ratio(http, _p50(raw))} | {_ratio(http_memory, _p50(raw_memory))} | {_ratio(http, _p50(server))} "
                f"| {_ratio(_p50(naive), http, 0)} | {_ratio(_p50(naive), http_memory, 0)} |"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_chart(results: dict[str, Any], path: Path) -> None:
    """Write the PNG: load, validation, named queries (sum of p50) and peak RSS against size, log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(results["sizes"], key=int)
    x = [int(s) for s in sizes]
    entries = [results["sizes"][s] for s in sizes]

    def series(pick: Any) -> list[float | None]:
        out = []
        for entry in entries:
            try:
                value = pick(entry)
            except (KeyError, TypeError):
                value = None
            out.append(value if value else None)
        return out

    def total(system: str, where: str | None = None) -> Any:
        def pick(entry: dict[str, Any]) -> float | None:
            values = [(q[where] if where else q) for q in entry[system]["queries"].values()]
            if any("p50" not in v for v in values):
                return None
            return float(sum(v["p50"] for v in values)) / 1000

        return pick

    panels = [
        ("load (s)", {"raw pyoxigraph": series(lambda e: e["oxigraph"]["load_s"]),
                      "mgkg load": series(lambda e: e["mgkg"]["load_s"]),
                      "rdflib Memory": series(lambda e: e["rdflib"]["load_s"])}),
        ("SHACL validation (s)", {"mgkg (Oxigraph engine)": series(lambda e: e["mgkg"]["validate_s"]),
                                  "pySHACL on rdflib": series(lambda e: e["rdflib"]["validate_s"])}),
        ("all named queries, sum of p50 (s)", {"raw pyoxigraph": series(total("oxigraph")),
                                               "raw pyoxigraph in memory": series(total("oxigraph-memory")),
                                               "mgkg store": series(total("mgkg", "store")),
                                               "mgkg HTTP": series(total("mgkg", "http")),
                                               "mgkg HTTP --in-memory": series(total("mgkg", "http_memory")),
                                               "Oxigraph server HTTP": series(total("oxigraph-server")),
                                               "rdflib Memory": series(total("rdflib"))}),
        ("peak RSS (MB)", {"raw pyoxigraph": series(lambda e: e["oxigraph"]["rss_mb"]),
                           "mgkg serve": series(lambda e: e["mgkg"]["served_rss_mb"]),
                           "mgkg serve --in-memory": series(lambda e: e["mgkg"]["served_memory_rss_mb"]),
                           "Oxigraph server": series(lambda e: e["oxigraph-server"]["served_rss_mb"]),
                           "rdflib Memory": series(lambda e: e["rdflib"]["rss_mb"])}),
    ]
    figure, axes = plt.subplots(2, 2, figsize=(11, 8))
    for axis, (title, lines) in zip(axes.flat, panels, strict=True):
        for label, values in lines.items():
            points = [(a, b) for a, b in zip(x, values, strict=True) if b is not None]
            if points:
                axis.plot(*zip(*points, strict=True), marker="o", label=label)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_title(title)
        axis.set_xlabel("triples")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle("mgkg: cost versus size (log-log; lower is better)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
