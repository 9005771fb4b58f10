"""A private Virtuoso Open Source (Debian's `virtuoso-t`, package virtuoso-opensource-7) on loopback ports.

`running_virtuoso(folder, sql, http)` writes a virtuoso.ini with its database in `folder`, starts `virtuoso-t`
in the foreground on the two given loopback ports (SQL and HTTP), waits until this very process logged that
it is online and its /sparql answers (an answer alone may come from another server on the port), and stops it
when the block ends. `Virtuoso.isql` runs SQL statements through `isql-vt` as the DBA (a fresh database's
password), `bulk_load` loads an RDF file with Virtuoso's own bulk loader (ld_dir, rdf_loader_run, checkpoint).

Used by the remote-store tests (tests/support/virtuoso.py picks reserved ports, grants SPARQL updates and
turns VirtuosoUnavailable into a skip) and by `make bench` (benchmarks/peers.py: a larger buffer pool, no
row cap, a per-query cut-off). Where Virtuoso cannot run, VirtuosoUnavailable says why in one line.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = {connections}
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
AllowOSCalls = 0
DirsAllowed = ., {dir}{dirs}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {dir}
MaxClientConnections = {connections}
ServerThreads = {connections}
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = {execution}
MaxQueryCostEstimationTime = {estimation}
"""


@dataclass(frozen=True)
class Tuning:
    """What differs between the tests' Virtuoso and the bench's: limits, buffer pool and connections."""

    max_rows: int = 1000
    """ResultSetMaxRows: the most rows one answer carries (the tests keep it low to exercise paging)."""
    execution_s: int = 120
    """MaxQueryExecutionTime: Virtuoso stops a query then and answers what it has (an "anytime" answer)."""
    estimation_s: int = 400
    """MaxQueryCostEstimationTime: a query estimated to take longer is refused before it runs."""
    buffers: int = 10000
    """NumberOfBuffers (8 KB pages held in memory; MaxDirtyBuffers is 3/4 of it)."""
    connections: int = 10
    """SQL and HTTP client connections, and HTTP server threads."""
    dirs: tuple[Path, ...] = ()
    """Folders beside the database folder that the bulk loader may read (DirsAllowed)."""


class VirtuosoUnavailable(Exception):
    """Virtuoso is not installed, exited, did not answer in time, or refused a statement: one line."""


@dataclass
class Virtuoso:
    """A running Virtuoso: its SPARQL endpoint URL, log file, process, SQL port and isql program."""

    url: str
    log: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    sql: int = 0
    isql_program: str = "isql-vt"

    def isql(self, statements: str, timeout: float = 600.0) -> str:
        """Run `statements` (SQL, `;`-separated) as the DBA; their output, or VirtuosoUnavailable on an error."""
        done = subprocess.run(
            [self.isql_program, f"127.0.0.1:{self.sql}", "dba", "dba", f"EXEC={statements}"],
            capture_output=True, timeout=timeout, check=False,
        )
        output = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
        if done.returncode != 0 or "*** Error" in output:
            raise VirtuosoUnavailable(" ".join(output.split())[-300:] or f"isql exited with code {done.returncode}")
        return output

    def bulk_load(self, path: Path, graph: str, timeout: float = 7200.0) -> None:
        """Load `path` with Virtuoso's bulk loader (N-Quads keep their graphs; triples go to `graph`), then
        checkpoint; VirtuosoUnavailable with the loader's error if the file was not loaded."""
        folder, name = str(path.resolve().parent).replace("'", "''"), path.name.replace("'", "''")
        self.isql(f"ld_dir('{folder}', '{name}', '{graph}');", timeout=60)
        self.isql("rdf_loader_run();", timeout=timeout)
        self.isql("checkpoint;", timeout=timeout)
        failed = self.isql("SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;", timeout=60)
        if "\n0 Rows." not in failed:
            raise VirtuosoUnavailable(f"the bulk loader did not load {path.name}: {' '.join(failed.split())[-300:]}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}?{urlencode({'query': 'ASK {}'})}", timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _tail(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return " | ".join(lines[-3:]) or "(empty log)"


def _online(log: Path, sql: int, pid: int) -> bool:
    """Whether this Virtuoso (pid) wrote that it listens on its SQL port (it does so after its HTTP port)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return f"Server online at 127.0.0.1:{sql} (pid {pid})" in text


@contextmanager
def running_virtuoso(folder: Path, sql: int, http: int, tuning: Tuning = Tuning(), startup: float = 180.0
                     ) -> Iterator[Virtuoso]:
    """Run Virtuoso on loopback ports `sql` and `http` with its database in `folder` while the block runs."""
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt") or shutil.which("isql")
    if server is None or isql is None:
        raise VirtuosoUnavailable(
            "Virtuoso is not installed (Debian: apt-get install virtuoso-opensource-7; `make virtuoso-deps`)")
    ini = folder / "virtuoso.ini"
    ini.write_text(INI.format(
        dir=folder, sql=sql, http=http, max_rows=tuning.max_rows, execution=tuning.execution_s,
        estimation=tuning.estimation_s, buffers=tuning.buffers, dirty=tuning.buffers * 3 // 4,
        connections=tuning.connections, dirs="".join(f", {d.resolve()}" for d in tuning.dirs),
    ))
    log = folder / "virtuoso.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [server, "+foreground", "+configfile", str(ini)], cwd=folder, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{http}/sparql"
    try:
        deadline = time.monotonic() + startup
        while not (_online(log, sql, process.pid) and _answers(url)):
            if process.poll() is not None:
                raise VirtuosoUnavailable(f"virtuoso-t exited with code {process.returncode}: {_tail(log)}")
            if time.monotonic() > deadline:
                raise VirtuosoUnavailable(f"Virtuoso did not answer within {startup:.0f} s: {_tail(log)}")
            time.sleep(0.3)  # the pace of the polling, not a wait for readiness
        yield Virtuoso(url, log, process, sql, isql)
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
