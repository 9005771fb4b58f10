"""The request log (server.requestlog): one line per request, with the status the client got — 500 when the app or
its body fails before the first byte, STATUS-cut when the body fails after it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from server.requestlog import REQUEST_LOG, RequestLog

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
