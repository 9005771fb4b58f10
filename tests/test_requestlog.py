"""The request log (server.requestlog): one line per request, with the status the client got — 500 when the app or
its body fails before the first byte, STATUS-cut when the body fails after it."""

from __future__ import annotations

import io
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from server.requestlog import REQUEST_LOG, BatchedLines, RequestLog, flush_request_log

ENVIRON = {"REMOTE_ADDR": "10.0.0.1", "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/sparql"}


class Kept(logging.Handler):
    """The request log's lines, without the duration (on the logger itself: it may not propagate)."""

    def __init__(self) -> None:
        """No lines yet."""
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the line."""
        self.lines.append(record.getMessage().rsplit(" ", 1)[0])


@pytest.fixture
def kept() -> Iterator[Kept]:
    """The lines the request log writes during the test."""
    handler, level = Kept(), REQUEST_LOG.level
    REQUEST_LOG.addHandler(handler)
    REQUEST_LOG.setLevel(logging.INFO)
    yield handler
    REQUEST_LOG.removeHandler(handler)
    REQUEST_LOG.setLevel(level)


def answering(chunks: list[bytes], fail_after: int | None = None) -> Callable[..., Any]:
    """An app starting a 200 and sending `chunks`, raising after `fail_after` of them."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [])
        for at, chunk in enumerate(chunks):
            if at == fail_after:
                raise RuntimeError("the body failed")
            yield chunk
        if fail_after == len(chunks):
            raise RuntimeError("the body failed")

    return app


def run(app: Callable[..., Any]) -> None:
    """Send a request through RequestLog(app) as a server would: iterate the body, close it."""
    body = RequestLog(app)(dict(ENVIRON), lambda status, headers, exc_info=None: None)
    try:
        for _ in body:
            pass
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


@pytest.mark.parametrize(("fail_after", "logged"), [
    (None, "10.0.0.1 GET /sparql 200 6"),
    (0, "10.0.0.1 GET /sparql 500 0"),
    (1, "10.0.0.1 GET /sparql 200-cut 3"),
])
def test_the_status_logged_is_the_one_sent(kept: Kept, fail_after: int | None, logged: str) -> None:
    if fail_after is None:
        run(answering([b"abc", b"def"]))
    else:
        with pytest.raises(RuntimeError):
            run(answering([b"abc", b"def"], fail_after))
    assert kept.lines == [logged]


def test_an_app_that_raises_is_logged_as_500(kept: Kept) -> None:

    def broken(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        raise RuntimeError("the app failed")

    with pytest.raises(RuntimeError):
        run(broken)
    assert kept.lines == ["10.0.0.1 GET /sparql 500 0"]


@pytest.fixture
def batched() -> Iterator[tuple[BatchedLines, io.StringIO]]:
    """The request log writing to a string through BatchedLines alone, as `mgkg serve` sets it up."""
    stream = io.StringIO()
    handler = BatchedLines(stream, every=0.01)
    saved = REQUEST_LOG.handlers[:], REQUEST_LOG.level, REQUEST_LOG.propagate
    REQUEST_LOG.handlers[:] = [handler]
    REQUEST_LOG.setLevel(logging.INFO)
    REQUEST_LOG.propagate = False
    yield handler, stream
    handler.close()
    REQUEST_LOG.handlers[:], level, REQUEST_LOG.propagate = saved
    REQUEST_LOG.setLevel(level)


def wait_for_lines(stream: io.StringIO, count: int, seconds: float = 10.0) -> list[str]:
    """The stream's lines once it has `count` of them (or after `seconds`)."""
    deadline = time.monotonic() + seconds
    while stream.getvalue().count("\n") < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return stream.getvalue().splitlines()


def test_lines_reach_the_stream_in_order_without_a_flush(batched: tuple[BatchedLines, io.StringIO]) -> None:
    _, stream = batched
    run(answering([b"abc"]))
    with pytest.raises(RuntimeError):
        run(answering([b"abc", b"def"], 1))
    lines = wait_for_lines(stream, 2)
    assert [line.split(" ", 1)[1].rsplit(" ", 1)[0] for line in lines] == [
        "10.0.0.1 GET /sparql 200 3", "10.0.0.1 GET /sparql 200-cut 3"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d \S+ GET /sparql \S+ 3 [\d.]+ms", line) for line in lines)


def test_flushing_writes_the_kept_lines_at_once(batched: tuple[BatchedLines, io.StringIO]) -> None:
    handler, stream = batched
    handler.every = 3600.0  # the thread would not write them in this test's time
    handler.keep(0.0, "first")
    handler.keep(1.0, "second")
    assert stream.getvalue() == ""
    flush_request_log()
    stamps = [time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(second)) for second in (0, 1)]
    assert stream.getvalue() == f"{stamps[0]} first\n{stamps[1]} second\n"


def test_a_list_body_is_logged_with_its_size_and_passed_on_as_it_is(kept: Kept) -> None:
    body = [b"ab", b"cde"]
    sent = RequestLog(lambda environ, start_response: (start_response("200 OK", []), body)[1])(
        dict(ENVIRON), lambda status, headers, exc_info=None: None)
    assert sent is body and kept.lines == ["10.0.0.1 GET /sparql 200 5"]


def test_a_stream_that_fails_loses_its_lines_quietly(batched: tuple[BatchedLines, io.StringIO]) -> None:
    handler, stream = batched
    handler.keep(time.time(), "lost")
    stream.close()
    flush_request_log()  # no exception: stderr gone (a closed terminal) must not break the server
    assert handler.kept == []
    handler.keep(time.time(), "lost too")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_process_writes_its_own_lines(tmp_path: Path) -> None:
    """A `--workers` process is forked after the handler was made: its lines are written by a thread of its own."""
    with (tmp_path / "log").open("w", encoding="utf-8") as stream:
        handler = BatchedLines(stream, every=0.01)
        handler.keep(time.time(), "parent")
        handler.flush()
        handler.keep(time.time(), "parent, not written yet")
        child = os.fork()
        if child == 0:  # pragma: no cover  # the child's coverage is not collected
            handler.flush()  # nothing of its own yet: the parent's line is not its to write
            handler.keep(time.time(), "child")
            time.sleep(0.5)  # no flush: only the writer thread can write the line
            os._exit(0)
        os.waitpid(child, 0)
        handler.close()
    lines = (tmp_path / "log").read_text(encoding="utf-8").splitlines()
    written = [line.split(" ", 1)[1] for line in lines]  # the parent's thread and the child's race for the file
    assert written[0] == "parent" and sorted(written[1:]) == ["child", "parent, not written yet"]  # each once


class Stalled(io.StringIO):
    """A stream whose writes wait until `release` is set (a pipe nobody reads)."""

    def __init__(self) -> None:
        """Writes wait."""
        super().__init__()
        self.writing = threading.Event()
        self.release = threading.Event()

    def write(self, text: str) -> int:
        """Wait for `release`, then write."""
        self.writing.set()
        self.release.wait(30)
        return super().write(text)


def test_a_stream_that_stalls_does_not_hold_up_the_requests() -> None:
    stream = Stalled()
    handler = BatchedLines(stream, every=3600.0)
    handler.keep(time.time(), "first")
    writer = threading.Thread(target=handler.flush)
    writer.start()
    assert stream.writing.wait(10)  # the writer is stuck in write()
    kept = threading.Thread(target=handler.keep, args=(time.time(), "second"))
    kept.start()
    kept.join(10)
    answered = not kept.is_alive()  # a request logging now is not held up by the stuck write
    stream.release.set()
    writer.join(10)
    handler.close()
    assert answered and [line.split(" ", 1)[1] for line in stream.getvalue().splitlines()] == ["first", "second"]
