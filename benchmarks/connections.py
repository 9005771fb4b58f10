"""Connections held against `mgkg serve`: how long a new client waits with idle, half-open, slow-loris and
stalled-body connections open, and lookups/s over kept-alive connections (wrk when installed, else Python clients).

    python -m benchmarks.connections --store oxigraph:data/store [--idle 100,500,1500] [--stalled 500]
                                     [-- SERVE OPTIONS…]

The server is `mgkg serve` (the `mgkg` on PATH, or --mgkg) in a process of its own; this process holds the
connections (its open-file limit is raised to the hard limit first). Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import http.client
import re
import resource
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress

from benchmarks.clients import JSON, MgkgServer, lookups_per_second
from benchmarks.workload import LOOKUP, tree_pss_mb

WAIT = 60.0
"""Seconds a new client waits before it counts as locked out."""

PARTIAL_HEADERS = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: text/"
PARTIAL_BODY = (
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 1000\r\n\r\nASK"
)
"""A request whose body stalls: granian hands it to an app thread, which waits for the rest."""
SUBJECT = "https://w3id.org/mgkg/id/project/tc-0287"


def address(url: str) -> tuple[str, int]:
    """The host and port of a base URL."""
    parts = urllib.parse.urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


@contextmanager
def held(url: str, count: int, first: bytes = b"") -> Iterator[list[socket.socket]]:
    """`count` connections to `url` that sent `first` and nothing more; those the server refused are left out."""
    with ExitStack() as stack:
        sockets = []
        for _ in range(count):
            try:
                client = stack.enter_context(socket.create_connection(address(url), timeout=WAIT))
                client.sendall(first)
            except OSError:
                continue
            sockets.append(client)
        time.sleep(1.0)  # let the server accept (or refuse) them before the new client comes
        yield sockets


@contextmanager
def dribbling(sockets: list[socket.socket]) -> Iterator[None]:
    """One more header byte on each socket every second while the block runs."""
    stop = threading.Event()

    def dribble() -> None:
        while not stop.wait(1.0):
            for client in sockets:
                with suppress(OSError):
                    client.send(b"x")

    thread = threading.Thread(target=dribble, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def new_client(url: str) -> str:
    """A new client's `ASK {}`: its latency in ms, or why it got no answer within WAIT seconds."""
    host, port = address(url)
    start = time.perf_counter()
    connection = http.client.HTTPConnection(host, port, timeout=WAIT)
    try:
        connection.request("GET", "/sparql?query=ASK%7B%7D", headers={"Accept": JSON})
        response = connection.getresponse()
        response.read()
    except TimeoutError:
        return f"no answer within {WAIT:.0f} s"
    except OSError as error:
        return f"failed after {(time.perf_counter() - start) * 1000:.0f} ms: {error}"
    finally:
        connection.close()
    return f"{response.status} in {(time.perf_counter() - start) * 1000:.1f} ms"


def wrk(url: str, clients: int, seconds: int) -> float:
    """Requests/s of `wrk` with `clients` kept-alive connections GETting one point lookup."""
    query = urllib.parse.urlencode({"query": LOOKUP.format(SUBJECT)})
    argv = ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{seconds}s", "-H", f"Accept: {JSON}",
            f"{url}/sparql?{query}"]
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    found = re.search(r"Requests/sec:\s*([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", output)
    if errors:
        print(f"  wrk -c {clients}: {errors[0]}")
    return float(found[1]) if found else 0.0


def lookups(url: str, clients: int, seconds: int) -> float:
    """Point lookups/s with `clients` kept-alive clients (wrk if installed, else Python client processes)."""
    if shutil.which("wrk"):
        return wrk(url, clients, seconds)
    return lookups_per_second(url, [SUBJECT], clients, seconds)


def main() -> None:
    """Start the server, run every measurement, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mgkg", default="mgkg", help="the mgkg command [mgkg]")
    parser.add_argument("--store", required=True, help="store spec to serve")
    parser.add_argument("--idle", default="100,500,1500", help="idle connection counts, comma-separated")
    parser.add_argument("--stalled", default="500", help="counts of connections stalled in their bodies")
    parser.add_argument("--seconds", type=int, default=10, help="seconds per lookups/s run")
    parser.add_argument("serve", nargs="*", help="more `mgkg serve` options (after --)")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with MgkgServer(args.mgkg, args.store, *args.serve) as server:
        url = server.url
        print(f"server: mgkg serve {' '.join(args.serve)} at {url}")
        print(f"no connection held: {new_client(url)}")
        for clients in (1, 4):
            print(f"lookups/s, {clients} kept-alive client(s): {lookups(url, clients, args.seconds):.0f}")
        for count in (int(n) for n in args.idle.split(",")):
            with held(url, count) as sockets:
                print(f"{len(sockets)} idle connections held: new client {new_client(url)}")
        with held(url, 500) as sockets:
            print(f"lookups/s, 1 client, {len(sockets)} idle connections held: {lookups(url, 1, args.seconds):.0f}")
        with held(url, 500, PARTIAL_HEADERS) as sockets:
            print(f"{len(sockets)} connections with headers never ending: new client {new_client(url)}")
        with held(url, 50, PARTIAL_HEADERS) as sockets, dribbling(sockets):
            print(f"{len(sockets)} slow-loris connections (one byte/s): new client {new_client(url)}")
        print(f"after them: new client {new_client(url)}")
        for count in (int(n) for n in args.stalled.split(",")):
            before = tree_pss_mb(server.process.pid)
            with held(url, count, PARTIAL_BODY) as sockets:
                print(f"{len(sockets)} connections stalled in their bodies: new client {new_client(url)}, "
                      f"server memory {before:.0f} → {tree_pss_mb(server.process.pid):.0f} MB")
            print(f"after them: new client {new_client(url)}")


if __name__ == "__main__":
    main()
