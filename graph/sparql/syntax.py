"""Syntax errors as people read them: `error at LINE:COLUMN: …` in one short line.

Oxigraph's parser says where it stopped and what it expected there; for a prefixed name whose prefix is not
declared it lists the characters a name may hold (~500 characters of Unicode ranges). `syntax_message` names the
prefix instead, at the column where the name starts, and cuts any other long list of expectations.
"""

from __future__ import annotations

import re

from graph.sparql.tokens import tokenize

MAX_LENGTH = 200
"""Longest message kept whole; a longer one is cut after its last complete item."""
_POSITION = re.compile(r"^error at (\d+):(\d+): ")


def _offset(text: str, line: int, column: int) -> int:
    """The offset in `text` of 1-based `line` and `column`."""
    lines = text.split("\n")
    return sum(len(part) + 1 for part in lines[: line - 1]) + column - 1


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of `offset` in `text`."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _undeclared(text: str, line: int, column: int) -> str | None:
    """The message for the undeclared prefix of the prefixed name before `line`:`column` (the parser's position),
    pointing at its first use; None when no prefixed name is there."""
    end = _offset(text, line, column)
    names = [t for t in tokenize(text) if t.kind == "pname"]
    before = [t for t in names if t.start < end]
    if not before:
        return None
    prefix = before[-1].text.partition(":")[0]
    first = next(t for t in names if t.text.partition(":")[0] == prefix)  # where the prefix is first used
    at_line, at_column = _position(text, first.start)
    return f"error at {at_line}:{at_column}: the prefix {prefix}: is not declared (PREFIX {prefix}: <…>)"


def syntax_message(error: SyntaxError | str, text: str) -> str:
    """A parser's error about `text` in one line of at most ~MAX_LENGTH characters, starting `error at L:C:`."""
    message = " ".join(str(error).split())
    found = _POSITION.match(message)
    if found and "Prefix not found" in message:
        named = _undeclared(text, int(found[1]), int(found[2]))
        if named is not None:
            return named
    if len(message) <= MAX_LENGTH:
        return message
    cut = message[:MAX_LENGTH]
    return cut[: cut.rfind(", ")] + ", …" if ", " in cut else cut + " …"
