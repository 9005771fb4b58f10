"""Messages on one line: what every error answer, error line and log line is made of.

Two ways to make one line of a message: `first_line` keeps its first line (an error said in a sentence, before
any detail or traceback a library adds below it); `joined_lines` keeps every line, joined with single spaces
(a parser's message whose position or reason is on a later line).
"""

from __future__ import annotations


def joined_lines(message: str) -> str:
    """The message on a single line: its lines joined, every run of white space made one space."""
    return " ".join(message.split())


def joined_error(error: BaseException, limit: int = 200) -> str:
    """An exception's message with its lines joined (its type's name when it has none), at most `limit` characters."""
    return (joined_lines(str(error)) or type(error).__name__)[:limit]


def first_line(error: BaseException, limit: int | None = None) -> str:
    """The first line of an exception's message (its type's name when it has none); longer than `limit`
    characters, cut to `limit` with a final `…`."""
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line if limit is None or len(line) <= limit else line[: limit - 1] + "…"


BOM = "\ufeff"
"""The byte-order mark: accepted at the start of a text, a body or a file and dropped (UTF-8 needs none)."""


BOM_BYTES = BOM.encode("utf-8")
"""The byte-order mark in UTF-8: EF BB BF."""


def without_bom(data: bytes) -> bytes:
    """`data` without a leading UTF-8 byte-order mark."""
    return data.removeprefix(BOM_BYTES)


def utf8_error(data: bytes) -> str | None:
    """Why `data` is not UTF-8 ("invalid start byte at byte 3"), or None when it is (lone surrogates, encoded
    as ED A0 80 …, are not UTF-8 either)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"{error.reason} at byte {error.start}"
    return None
