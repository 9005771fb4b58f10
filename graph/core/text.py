"""Messages on one line: what every error answer and log line is made of."""

from __future__ import annotations


def one_line(message: str) -> str:
    """The message on a single line (newlines and runs of spaces collapsed)."""
    return " ".join(message.split())


def one_line_error(error: BaseException) -> str:
    """An exception message on one line, at most 200 characters (the exception's type when it has none)."""
    return (one_line(str(error)) or type(error).__name__)[:200]
