"""How `make bench` measures one named query or a lookup rate, shared by benchmarks/systems.py and peers.py.

A query measurement is benchmarks.workload.repeat's p50 / p95, plus the rows of the last answer, plus how it
ended when it did not end with numbers: `timed_out` (cut off after --limit seconds, by the client or by the
server's own timeout), `unsupported` (the server refused the text: a peer's dialect), `failed` (the server
gave up with an error of its own) or `skipped` (the peer's total budget was spent before this query's turn).
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import time
from collections.abc import Callable
from typing import Any

from benchmarks.clients import Refused, lookups_per_second
from benchmarks.workload import Timing, repeat

CUT_OFF = re.compile(rb"time ?out|timed out|S1T00|S1TAT|deadline|cancelled", re.IGNORECASE)
"""What a server says when its own timeout stopped a query: mgkg 503 "timed out"; Virtuoso S1T00 / S1TAT;
Oxigraph's server "The SPARQL operation has been cancelled" at the end of the answer it had begun (200)."""


def timed(action: Callable[[], object]) -> float:
    """Seconds `action()` took."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def rate(action: Callable[[str], object], subjects: list[str], seconds: float) -> float:
    """Point lookups per second made by this thread for about `seconds` (over the time they took: the last one
    may end well past `seconds` when each takes long)."""
    count, start = 0, time.monotonic()
    stop = start + seconds
    while time.monotonic() < stop:
        action(subjects[count % len(subjects)])
        count += 1
    return count / (time.monotonic() - start)


def count_rows(body: object) -> int:
    """The rows of a SPARQL JSON answer (0 for anything else)."""
    return len(json.loads(body)["results"]["bindings"]) if isinstance(body, bytes) else 0


def http_lookups(url: str, subjects: list[str], args: argparse.Namespace, endpoint: str = "/sparql"
                 ) -> dict[str, float]:
    """Point lookups per second over HTTP from 1, 4 and 16 client processes."""
    return {str(n): lookups_per_second(url, subjects, n, args.seconds, endpoint) for n in (1, 4, 16)}


def query_figures(ask: Callable[[], bytes], runs: int, budget: float, refusals: bool = False) -> dict[str, Any]:
    """p50 / p95 of `ask` (repeat), the rows of its last answer, or how it was cut off or refused.

    TimeoutError (the client's cut-off), an answer broken off by a cut-off while it streamed (Oxigraph's
    server cancels a query after its 200 began) and a refusal that names a timeout count as timed out; any other
    refusal is `unsupported` (4xx: the text is not in the peer's dialect) or `failed` (5xx: it gave up, e.g.
    Virtuoso's "SR319: Max row length is exceeded") when `refusals`, else it stops the bench (Refused)."""
    last: list[bytes] = []

    def kept() -> bytes:
        body = ask()
        if not body.rstrip().endswith(b"}") and CUT_OFF.search(body[-200:]):
            raise TimeoutError(body[-200:].decode(errors="replace"))
        last[:] = [body]
        return body

    try:
        timing = repeat(kept, runs, budget)
    except (TimeoutError, http.client.IncompleteRead):
        return Timing([], timed_out=True).summary()
    except Refused as refused:
        if refused.status >= 500 and CUT_OFF.search(refused.body):
            return Timing([], timed_out=True).summary()
        if not refusals:
            raise
        message = f"HTTP {refused.status}: {' '.join(refused.body.decode(errors='replace').split())[:200]}"
        return {**Timing([]).summary(), ("unsupported" if refused.status < 500 else "failed"): message}
    return {**timing.summary(), "rows": count_rows(last[0]) if last else 0}
