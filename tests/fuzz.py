"""`make fuzz`: schemathesis holds `mgkg serve` to its OpenAPI document, without a token and with one.

Each run builds the graph into a temporary data directory, starts `mgkg serve` on it (a copy for the run with a
token, whose fuzzed writes the server must refuse or keep valid) and runs `schemathesis run --checks all` against
its /openapi.json, every phase (coverage, fuzzing, stateful), seeded. tests/support/fuzz_hooks.py gives it SPARQL
queries and updates and RDF bodies. Printed per run: operations, requests the server logged, seconds, 5xx answers
and mismatches by check; after the run with a token, `mgkg validate` must pass on the store the fuzzer wrote to.
tests/test_openapi_fuzz.py runs the same with a few examples per operation.

    PYTHONPATH=. python -m tests.fuzz [--max-examples 100] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from graph.build import build_dataset, write_store

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "fuzz-token"
CONFIG = ROOT / "tests" / "support" / "schemathesis.toml"
"""schemathesis' settings: every check, but one it cannot judge on /rdf-graphs (the file says why)."""
SERVER_ERROR = "Server error"
START_TIMEOUT = 60
REQUEST_LINE = re.compile(r"^\S+ \S+ [A-Z]+ \S+ \d{3} ")
"""A request line of `mgkg serve`'s log (time, client, method, path, status …)."""


@dataclass
class Run:
    """What one schemathesis run found: counts from its JSON report and the server's log."""

    name: str
    operations: int = 0
    requests: int = 0
    seconds: float = 0.0
    server_errors: int = 0
    mismatches: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    complete: bool = False
    store_valid: bool | None = None
    output: str = ""

    @property
    def failures(self) -> int:
        """Every failure and error: 5xx, mismatches, schemathesis' own errors, an incomplete run, an invalid store."""
        return (self.server_errors + sum(self.mismatches.values()) + sum(self.errors.values())
                + (not self.complete) + (self.store_valid is False))  # fmt: skip

    def line(self) -> str:
        """One line of the table `main` prints."""
        found = ", ".join(f"{title} ×{count}" for title, count in {**self.mismatches, **self.errors}.items())
        valid = "" if self.store_valid is None else f" | store {'valid' if self.store_valid else 'INVALID'}"
        return (f"{self.name:<10} | {self.operations} operations | {self.requests} requests | {self.seconds:.0f} s | "
                f"{self.server_errors} × 5xx | mismatches: {found or 'none'}{valid}")  # fmt: skip


def build(data_dir: Path) -> None:
    """The graph of the curated sources in an on-disk store under `data_dir`, as `mgkg build` writes it."""
    dataset, _ = build_dataset()
    write_store(dataset, f"oxigraph:{data_dir / 'store'}")


def mgkg(*args: str, token: str = "") -> subprocess.Popen[str]:
    """`mgkg ARGS` in a process of its own, stderr piped; writes on when `token` is given."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MGKG_")}
    environ["PYTHONPATH"] = str(ROOT)
    if token:
        environ["MGKG_UPDATE_TOKEN"] = token
    return subprocess.Popen([sys.executable, "-m", "server.cli", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=environ, cwd=ROOT)  # fmt: skip


@contextmanager
def serving(data_dir: Path, token: str, log: list[str]) -> Iterator[str]:
    """`mgkg serve` on `data_dir` (any free port) while the block runs: yields its base URL; `log` gets stderr."""
    process = mgkg("--data-dir", str(data_dir), "serve", "--host", "127.0.0.1", "--port", "0", token=token)
    announced = threading.Event()
    url: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)
            found = re.match(r"mgkg: serving (http://\S+)/sparql$", line.strip())
            if found:
                url.append(found[1])
                announced.set()
        announced.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not announced.wait(START_TIMEOUT) or not url:
            raise RuntimeError("mgkg serve did not start: " + "".join(log))
        yield url[0]
    finally:
        process.terminate()
        process.wait(timeout=30)
        reader.join(timeout=10)


def schemathesis(url: str, token: str, max_examples: int, seed: int, report: Path) -> subprocess.CompletedProcess[str]:
    """`schemathesis run` with every check against the service at `url` (the token in every request if given)."""
    environ = dict(os.environ, SCHEMATHESIS_HOOKS="support.fuzz_hooks", NO_COLOR="1",
                   PYTHONPATH=os.pathsep.join((str(ROOT), str(ROOT / "tests"))))  # fmt: skip
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", f"{url}/openapi.json",
        "--max-examples", str(max_examples), "--seed", str(seed), "--workers", "1", "--suppress-health-check", "all",
        "--report", "json", "--report-json-path", str(report),
    ]  # fmt: skip
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    return subprocess.run(command, capture_output=True, text=True, env=environ, cwd=report.parent, check=False)


def fuzz(name: str, data_dir: Path, token: str, max_examples: int, seed: int) -> Run:
    """One run against `mgkg serve` on `data_dir`; with a token, `mgkg validate` checks the store afterwards."""
    log: list[str] = []
    report = data_dir.parent / f"{name}.json"
    with serving(data_dir, token, log) as url:
        done = schemathesis(url, token, max_examples, seed, report)
    run = Run(name, output=done.stdout + done.stderr)
    if not report.is_file():
        run.errors["no report"] = 1
        return run
    found = json.loads(report.read_text())
    run.operations = found["operations"]["tested"]
    run.seconds = found["running_time"]
    run.complete = found["complete"]
    run.requests = sum(1 for line in log if REQUEST_LINE.match(line))
    for failure in found["failures"]:
        if failure["title"] == SERVER_ERROR:
            run.server_errors += failure["count"]
        else:
            run.mismatches[failure["title"]] = run.mismatches.get(failure["title"], 0) + failure["count"]
    for error in found["errors"]:
        run.errors[error["title"]] = error["count"]
    if token:
        run.store_valid = mgkg("--data-dir", str(data_dir), "validate").wait(timeout=300) == 0
    return run


def fuzz_both(max_examples: int, seed: int) -> list[Run]:
    """The run without a token (writes off), then the one with a token on a copy of the data."""
    with tempfile.TemporaryDirectory(prefix="mgkg-fuzz-") as folder:
        read_only, writable = Path(folder) / "data", Path(folder) / "writable"
        build(read_only)
        shutil.copytree(read_only, writable)
        return [fuzz("no token", read_only, "", max_examples, seed),
                fuzz("token", writable, TOKEN, max_examples, seed)]  # fmt: skip


def main() -> None:
    """Run both, print one line each (and schemathesis' report of any failure); exit 1 when anything failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=100, help="test cases per operation and phase [100]")
    parser.add_argument("--seed", type=int, default=1, help="schemathesis' seed [1]")
    options = parser.parse_args()
    runs = fuzz_both(options.max_examples, options.seed)
    for run in runs:
        if run.failures:
            print(run.output)
    for run in runs:
        print(run.line())
    sys.exit(1 if any(run.failures for run in runs) else 0)


if __name__ == "__main__":
    main()
