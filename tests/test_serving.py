"""`support.serving.serving` (granian in the test process, as `mgkg serve` runs it) answers and stops cleanly:
requests in progress are answered, no thread and no listener is left behind, and a client stalled in its
body is reported rather than waited for without end.
"""

from __future__ import annotations

import ctypes
import logging
import os
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from typing import Any

import pytest
import requests
from support.connections import PARTIAL_BODY, held_open
from support.serving import serving

from graph.core.config import Settings
from server.http import CHUNKED
from server.http_server import THREAD_STACK
from server.serve import StopError

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


def get_at_once(url: str, clients: int) -> list[bytes]:
    """The bodies `clients` clients got, each asking for `url` at the same time."""
    answers: list[bytes] = []
    threads = [threading.Thread(target=lambda: answers.append(get(url))) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def os_threads() -> int:
    """The threads of this process, Python's and granian's (Linux /proc)."""
    return len(os.listdir("/proc/self/task"))


def threads_settle_at(count: int) -> bool:
    """Whether this process is back to `count` threads (or fewer) within 10 s (granian ends its threads just
    after the stop)."""
    deadline = time.monotonic() + 10
    while os_threads() > count and time.monotonic() < deadline:
        time.sleep(0.05)
    return os_threads() <= count


def test_a_request_in_flight_at_the_stop_is_answered_and_nothing_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    entered, release = threading.Event(), threading.Event()
    answers: list[bytes] = []

    def slow(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        entered.set()
        release.wait(30)
        return hello(environ, start_response)

    caplog.set_level(logging.WARNING)
    with serving(slow, LOOPBACK) as url:
        client = threading.Thread(target=lambda: answers.append(get(url + "/")))
        client.start()
        assert entered.wait(30)
        threading.Timer(0.2, release.set).start()  # the answer comes after the stop has begun
    client.join(30)
    assert answers == [b"hello"]
    assert [r.getMessage() for r in caplog.records if r.name != "mgkg.requests"] == []


def test_the_stop_leaves_no_thread_and_no_listener() -> None:
    before = os_threads()
    for _ in range(5):
        with serving(hello, LOOPBACK) as url:
            assert get_at_once(url + "/", 8) == [b"hello"] * 8
        assert refused(url)
    assert threads_settle_at(before)


def test_answers_arrive_whole_streamed_or_not() -> None:
    body = bytes(range(256)) * (24 * 1024)  # 6 MB: far more than a socket buffer (and than WHOLE_ANSWER)
    length = [("Content-Length", str(len(body)))]

    def chunks(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])  # called on the first step
        for i in range(0, len(body), 65536):
            yield body[i : i + 65536]

    def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "application/octet-stream"), *length])
        return iter([body[: len(body) // 2], body[len(body) // 2 :]])

    def small(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])  # joined in the thread
        return iter([b"hel", b"lo"])

    def whole(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [body]

    for app, expected in ((chunks, body), (counted, body), (small, b"hello"), (whole, body)):
        with serving(app, LOOPBACK) as url:
            assert get_at_once(url + "/", 4) == [expected] * 4, app.__name__


def test_a_client_stalled_in_its_body_at_the_stop_is_reported() -> None:
    reading_started = threading.Event()

    def reading(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        reading_started.set()
        environ["wsgi.input"].read()
        return hello(environ, start_response)

    with (
        ExitStack() as client,
        pytest.raises(StopError, match=r"^requests still open after 0.5 s"),
        serving(reading, replace(LOOPBACK, stop_grace=0.5)) as url,
    ):
        client.enter_context(held_open(url, 1, PARTIAL_BODY))
        assert reading_started.wait(30)
    # the client has left: its request ends, and the server's threads with it


def test_a_chunked_body_reaches_the_app_whole_with_its_length_and_is_cut_past_the_limit() -> None:
    def echo(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/plain")])
        told = f"{environ['CONTENT_LENGTH']} {len(body)} {environ.get('HTTP_TRANSFER_ENCODING')}"
        return [f"{told} {environ.get(CHUNKED, False)}".encode()]

    def chunked(size: int) -> Iterator[bytes]:
        return iter([b"x" * 300] * (size // 300) + [b"x" * (size % 300)])

    with serving(echo, Settings(host="127.0.0.1", port=0, threads=2, max_body=1000)) as url:
        answers = [requests.post(url + "/", data=chunked(size), timeout=30).text for size in (10, 1000, 5000)]
        plain = requests.post(url + "/", data=b"x" * 10, timeout=30).text
    assert answers == ["10 10 None True", "1000 1000 None True", "1001 1001 None True"]  # past max_body: a 413
    assert plain == "10 10 None False"


def test_an_app_that_never_starts_its_answer_gets_a_500_and_the_server_lives_on() -> None:
    """granian aborts the process on a status outside 100–999: an app that never calls start_response (status 0)
    must be a 500 of that request, and an app whose body fails before its first byte has its body closed."""
    closed: list[str] = []

    class Failing:
        def __iter__(self) -> Iterator[bytes]:
            raise RuntimeError("broken body")

        def close(self) -> None:
            closed.append("failing")

    def silent(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/silent":
            return iter([b"never started"])
        if environ["PATH_INFO"] == "/failing":
            return Failing()
        return hello(environ, start_response)

    with serving(silent, LOOPBACK) as url:
        assert requests.get(url + "/silent", timeout=30).status_code == 500
        assert requests.get(url + "/failing", timeout=30).status_code == 500
        assert get(url + "/")  # the same process answers the next request
    assert closed == ["failing"]


def test_app_threads_have_the_stack_the_depth_limits_were_measured_for() -> None:
    libc = ctypes.CDLL(None)
    libc.pthread_self.restype = ctypes.c_ulong
    libc.pthread_getattr_np.argtypes = [ctypes.c_ulong, ctypes.c_void_p]

    def stack(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        attributes = ctypes.create_string_buffer(256)
        size, where = ctypes.c_size_t(), ctypes.c_void_p()
        assert libc.pthread_getattr_np(libc.pthread_self(), attributes) == 0
        assert libc.pthread_attr_getstack(attributes, ctypes.byref(where), ctypes.byref(size)) == 0
        libc.pthread_attr_destroy(attributes)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(size.value).encode()]

    with serving(stack, LOOPBACK) as url:
        assert int(get(url + "/")) >= THREAD_STACK
