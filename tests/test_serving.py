"""`support.serving.serving`: the waitress server run in a background thread of the tests stops cleanly.

The stop must not race the server's own threads: a worker finishing a request wakes the loop through the
trigger pipe at any moment, and the loop may run before the stopping thread has finished pulling.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from support.serving import serving
from waitress import trigger

from graph.core.config import Settings

LOOPBACK = Settings(host="127.0.0.1", port=0, threads=2)


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A WSGI app answering 'hello'."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


def get(url: str) -> bytes:
    """The body of a GET of `url`."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return bytes(response.read())


def refused(url: str) -> bool:
    """Whether nothing listens at the host and port of `url` any more."""
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as probe:
        return probe.connect_ex((host, int(port))) != 0


def server_threads() -> list[str]:
    """Names of the threads a waitress server started (its loop and its workers)."""
    return [t.name for t in threading.enumerate() if t.name == "mgkg-server" or t.name.startswith("waitress-")]


def test_the_stop_survives_the_loop_waking_before_the_stopping_thread_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    # The interleaving seen under load: a thunk is queued, then the loop wakes for another reason (a worker's
    # byte in the pipe) and runs it before the stopping thread has written its own byte.
    original = trigger.trigger.pull_trigger

    def late(self: Any, thunk: Callable[[], None] | None = None) -> None:
        if thunk is None or threading.current_thread() is not threading.main_thread():
            original(self, thunk)
            return
        with self.lock:
            self.thunks.append(thunk)
        os.write(self.trigger, b"x")  # the worker's wake-up
        deadline = time.monotonic() + 10
        while self.thunks and time.monotonic() < deadline:
            time.sleep(0.01)
        self._physical_pull()

    monkeypatch.setattr(trigger.trigger, "pull_trigger", late)
    with serving(hello, LOOPBACK) as url:
        assert get(url + "/") == b"hello"
    assert refused(url)


def test_a_request_in_flight_at_the_stop_is_answered_and_nothing_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    entered, release = threading.Event(), threading.Event()
    answers: list[bytes] = []

    def slow(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        entered.set()
        release.wait(30)
        return hello(environ, start_response)

    caplog.set_level(logging.WARNING, logger="waitress")
    with serving(slow, LOOPBACK) as url:
        client = threading.Thread(target=lambda: answers.append(get(url + "/")))
        client.start()
        assert entered.wait(30)
        release.set()  # the worker finishes while (or before) the block's end stops the server
    client.join(30)
    assert answers == [b"hello"]
    assert [r.getMessage() for r in caplog.records] == []


def test_the_stop_leaves_no_thread_and_no_listener() -> None:
    before = server_threads()
    for _ in range(5):
        with serving(hello, LOOPBACK) as url:
            assert get(url + "/") == b"hello"
        assert refused(url)
    assert server_threads() == before
