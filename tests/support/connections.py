"""Clients that hold connections open against a server: idle, half-open, slow-loris; and a new client's ASK."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress

import requests

ANSWER = 10.0
"""Seconds a new client waits for its answer: generous, the tests assert it is answered at all."""

PARTIAL_HEADERS = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: text/"
"""A request whose headers never end."""

PARTIAL_BODY = (
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 1000\r\n\r\nASK"
)
"""A request whose body never completes (1000 bytes announced, 3 sent)."""


def address(url: str) -> tuple[str, int]:
    """The host and port of a base URL."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


@contextmanager
def held_open(url: str, count: int, first: bytes = b"") -> Iterator[list[socket.socket]]:
    """`count` connections to `url`, each having sent `first` (nothing: idle), closed at the end."""
    with ExitStack() as stack:
        sockets = []
        for _ in range(count):
            client = stack.enter_context(socket.create_connection(address(url), timeout=ANSWER))
            if first:
                client.sendall(first)
            sockets.append(client)
        yield sockets


@contextmanager
def dribbling(sockets: list[socket.socket], interval: float = 0.2) -> Iterator[None]:
    """Send one more header byte on each socket every `interval` seconds (a slow-loris client) while the block runs."""
    stop = threading.Event()

    def dribble() -> None:
        while not stop.wait(interval):
            for client in sockets:
                with suppress(OSError):  # the server closed it
                    client.send(b"x")

    thread = threading.Thread(target=dribble, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def ask(url: str) -> int:
    """The status a new client gets for `ASK {}`."""
    return requests.get(url + "/sparql", params={"query": "ASK {}"}, timeout=ANSWER).status_code
