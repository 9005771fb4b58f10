"""What `make bench` runs: the synthetic data of each size, the named-query cases and the point lookups.

The data of a size is `mgkg synth` output (N-Quads) with the ontology appended in its own named graph, so
every system loads the same bytes and mgkg can validate them. Parameter values for the named queries that
need one (a project, its Projects ID, a year) are read from the file itself: the synthesizer is seeded, so
the same size always gives the same data and the same cases.
"""

from __future__ import annotations

import math
import re
import statistics
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.core.namespaces import DEFAULT_BASE, graph_iri
from graph.named_queries import NamedQuery, load_queries
from graph.shacl.validate import load_ontology
from graph.synth.generate import Synthesizer
from graph.synth.write import write

TRIPLES_PER_PROJECT = 29.8
"""About how many triples `mgkg synth` makes per project (1,001,398 for 33,600 projects)."""
M = "https://w3id.org/mgkg/ontology#"
AGGREGATE = re.compile(r"\b(GROUP\s+BY|COUNT|SUM|MIN|MAX|AVG|GROUP_CONCAT|SAMPLE)\b", re.IGNORECASE)
LOOKUP = "SELECT ?p ?o WHERE {{ <{}> ?p ?o }}"
"""The point lookup: every property of one entity."""
REPEATED = "total-budget-by-funder"
"""The named query whose answer the bench asks for again and again (a dashboard's figure: cacheable)."""


@dataclass(frozen=True)
class Case:
    """One named query with its parameter values."""

    name: str
    values: dict[str, str] = field(default_factory=dict)

    @property
    def aggregate(self) -> bool:
        """Whether the query groups or aggregates (the target that asks ≥ 20× over rdflib is about these)."""
        return bool(AGGREGATE.search(queries()[self.name].text))


_QUERIES: dict[str, NamedQuery] = {}


def queries() -> dict[str, NamedQuery]:
    """The shipped named queries (read once)."""
    if not _QUERIES:
        _QUERIES.update(load_queries())
    return _QUERIES


def synthetic(folder: Path, triples: int) -> tuple[Path, float]:
    """An N-Quads file of about `triples` synthetic triples plus the ontology (made once), and seconds taken."""
    path = folder / f"synth-{triples}.nq"
    if path.exists():
        return path, 0.0
    start = time.perf_counter()
    write(Synthesizer(max(1, round(triples / TRIPLES_PER_PROJECT)), 0), path)
    ontology = load_ontology()
    with path.open("a", encoding="utf-8") as handle:
        for line in ontology.serialize(format="nt").splitlines():
            if line.strip():
                handle.write(f"{line[:-1].rstrip()} <{graph_iri('ontology', DEFAULT_BASE)}> .\n")
    return path, time.perf_counter() - start


def _first(path: Path, predicate: str, limit: int) -> list[tuple[str, str]]:
    """(subject IRI, object text) of the first `limit` quads with `predicate`, read from the N-Quads file."""
    found: list[tuple[str, str]] = []
    needle = f"<{predicate}>"
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            subject, _, rest = line.partition(" ")
            if rest.startswith(needle) and subject.startswith("<"):
                found.append((subject[1:-1], rest[len(needle) :].strip()))
                if len(found) == limit:
                    break
    return found


def cases(path: Path) -> list[Case]:
    """Every non-federated named query, with values taken from the data for its required parameters."""
    project, projects_id = _first(path, M + "projectsId", 1)[0]
    year = re.search(r'"(\d{4})', _first(path, M + "startDate", 1)[0][1])
    values = {"id": projects_id.split('"')[1], "year": year[1] if year else "2015", "subject": project}
    out = []
    for name, query in queries().items():
        if name.startswith("federated-"):
            continue
        out.append(Case(name, {p.name: values[p.name] for p in query.parameters if not p.optional}))
    return out


def lookup_subjects(path: Path, count: int = 1000) -> list[str]:
    """IRIs of `count` projects, for point lookups."""
    return sorted({s for s, _ in _first(path, M + "projectsId", count)})


@dataclass
class Timing:
    """The run times of one measurement, in seconds."""

    samples: list[float]
    timed_out: bool = False

    def summary(self) -> dict[str, Any]:
        """p50 / p95 in milliseconds and the number of runs (JSON-ready)."""
        if not self.samples:
            return {"runs": 0, "timed_out": self.timed_out}
        ordered = sorted(self.samples)
        p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
        return {"p50": statistics.median(ordered) * 1000, "p95": p95 * 1000, "runs": len(ordered),
                "timed_out": self.timed_out}


def repeat(action: Callable[[], object], runs: int, budget: float) -> Timing:
    """Time `action` after one warm-up run: up to `runs` times, fewer once `budget` seconds are spent.

    A warm-up run that alone exceeds the budget is the only sample (the slow baseline at large sizes).
    """
    start = time.perf_counter()
    action()
    first = time.perf_counter() - start
    if first >= budget:
        return Timing([first])
    samples: list[float] = []
    spent = first
    while len(samples) < runs and (spent < budget or len(samples) < 3):
        start = time.perf_counter()
        action()
        took = time.perf_counter() - start
        samples.append(took)
        spent += took
    return Timing(samples)


@dataclass(frozen=True)
class Served:
    """One way the bench serves mgkg over HTTP, named once for the run and the report."""

    key: str
    """Key of its query timings (and of `lookups_<key>`) in mgkg's figures."""
    raw: str
    """The raw pyoxigraph system it is judged against."""
    rss_key: str
    """Key of the server's peak RSS in mgkg's figures."""
    options: tuple[str, ...]
    """Extra `mgkg serve` options."""
    label: str
    """How the report names it."""


SERVED = (
    Served("http", "oxigraph", "served_rss_mb", (), "from disk"),
    Served("http_memory", "oxigraph-memory", "served_memory_rss_mb", ("--in-memory",), "`--in-memory`"),
)


def peak_rss_mb(pid: int) -> float | None:
    """Peak resident memory (VmHWM) of a live process in MB; None once it has exited.

    Not a waited-for child's ru_maxrss: Linux carries the parent's high-water mark into the child's at exec, so
    a server started by a process that had grown to 1 GB reported 1 GB whatever it used itself."""
    try:
        found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(encoding="ascii"))
    except OSError:
        return None
    return int(found[1]) / 1024 if found else None


def tree_pss_mb(pid: int) -> float:
    """Memory of a process and all its descendants now, in MB (0 once it has exited): their proportional set
    sizes (PSS: a page shared by n processes counts 1/n in each), so the query processes a server forks
    (server.isolation), which share the pages their fork server loaded, are not counted n times over."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            found = re.search(r"Pss:\s+(\d+) kB", Path(f"/proc/{current}/smaps_rollup").read_text(encoding="ascii"))
        except OSError:
            continue
        total += int(found[1]) / 1024 if found else 0.0
        todo += children.get(current, [])
    return total


def wait_with_peak(process: subprocess.Popen[bytes], every: float = 0.02) -> tuple[int, float]:
    """Wait for a child, reading its peak RSS every `every` s; its exit code and the last peak read (MB)."""
    peak = 0.0
    while process.poll() is None:
        peak = peak_rss_mb(process.pid) or peak
        time.sleep(every)
    return process.returncode, peak


def chunked(items: list[str], parts: int) -> Iterable[list[str]]:
    """`items` dealt round-robin into `parts` lists (one per client)."""
    return [items[i::parts] or items for i in range(parts)]
