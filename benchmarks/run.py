"""`make bench`: mgkg beside raw pyoxigraph, Oxigraph's server, rdflib and the peers, at several sizes, in one run.

    .venv/bin/python -m benchmarks.run [--sizes 10000,100000,1000000] [--systems oxigraph,…] [--runs 20]
                                       [--budget 10] [--limit 120] [--peer-budget 1800] [--skip PART,…] [--merge]
                                       [--out benchmarks/results.md] [--chart benchmarks/results.png]

For each size: synthetic data (`mgkg synth`, plus the ontology), then each system measured in a fresh
process (benchmarks/systems.py, benchmarks/peers.py) — load, validation, every named query's p50/p95,
point lookups per second, peak RSS. The report (benchmarks/report.py) puts them side by side with the
targets (benchmarks/targets.py) and how each cost grows (benchmarks/growth.py). `make bench-large` runs
10,000,000 triples for the systems that hold them, with --merge: the report then covers both runs.
Timings are wall-clock on this machine; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.chart import write_chart
from benchmarks.report import write_report
from benchmarks.workload import synthetic, wait_with_peak

SYSTEMS = ("oxigraph", "oxigraph-memory", "oxigraph-server", "mgkg", "rdflib", "virtuoso", "rdflib-endpoint")


def measure(system: str, data: Path, triples: int, options: list[str]) -> dict[str, Any]:
    """Run one system in its own process; its figures with the process's peak RSS (MB) and wall time."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        started, start = time.strftime("%Y-%m-%d %H:%M %Z"), time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.systems", system, str(data), out.name, "--triples", str(triples),
             *options]
        )
        code, peak = wait_with_peak(process)
        if code != 0:
            raise SystemExit(f"benchmark of {system} at {triples:,} triples failed (exit {code})")
        figures: dict[str, Any] = json.loads(Path(out.name).read_text(encoding="utf-8"))
    figures["rss_mb"] = peak
    figures["wall_s"] = time.perf_counter() - start
    figures["started"] = started
    return figures


def main() -> None:
    """Measure every system at every size, then write the report and the chart."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="Triples, comma-separated.")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="Systems, comma-separated.")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results.md"))
    parser.add_argument("--chart", type=Path, default=Path("benchmarks/results.png"))
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results.json"), help="Raw figures.")
    parser.add_argument("--data", type=Path, help="Keep the synthetic files here (default: a temporary folder).")
    parser.add_argument("--runs", default="20")
    parser.add_argument("--budget", default="10")
    parser.add_argument("--seconds", default="3")
    parser.add_argument("--pyshacl-max", default="100000")
    parser.add_argument("--limit", default="120", help="Seconds before a query run is cut off (not raw pyoxigraph).")
    parser.add_argument("--peer-budget", default="1800",
                        help="Seconds rdflib-endpoint may spend on named queries before the rest are not run.")
    parser.add_argument("--skip", default="", help="Parts of mgkg's run to leave out: validate,store,memory,workers.")
    parser.add_argument("--merge", action="store_true",
                        help="Keep the figures of --json for systems and sizes not measured in this run.")
    parser.add_argument("--report-only", action="store_true",
                        help="Measure nothing: write the report and chart again from --json.")
    args = parser.parse_args()
    if args.report_only:
        saved: dict[str, Any] = json.loads(args.json.read_text(encoding="utf-8"))
        write_report(saved, args.out, args.chart)
        write_chart(saved, args.chart)
        return
    options = ["--runs", args.runs, "--budget", args.budget, "--seconds", args.seconds,
               "--pyshacl-max", args.pyshacl_max, "--limit", args.limit, "--peer-budget", args.peer_budget,
               "--skip", args.skip]
    sizes = [int(s) for s in args.sizes.split(",")]
    systems = args.systems.split(",")
    results: dict[str, Any] = {"sizes": {}}
    if args.merge and args.json.exists():
        results = json.loads(args.json.read_text(encoding="utf-8"))
    results["started"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mgkg-bench-") as scratch:
        folder = args.data or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            data, synth_s = synthetic(folder, size)
            entry: dict[str, Any] = results["sizes"].get(str(size), {})
            entry.update({"bytes": data.stat().st_size}, **({"synth_s": synth_s} if synth_s else {}))
            for system in systems:
                print(f"bench: {system} at {size:,} triples …", file=sys.stderr, flush=True)
                try:
                    entry[system] = measure(system, data, size, options)
                except SystemExit as failure:  # the others are still measured; the run ends in this failure
                    print(f"bench: {failure}", file=sys.stderr, flush=True)
                    failures.append(str(failure))
                    continue
                results["sizes"][str(size)] = entry
                args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")  # partial results survive
    write_report(results, args.out, args.chart)
    write_chart(results, args.chart)
    print(f"bench: wrote {args.out}, {args.chart} and {args.json}", file=sys.stderr)
    if failures:
        raise SystemExit("; ".join(failures))


if __name__ == "__main__":
    main()
