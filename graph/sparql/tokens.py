"""SPARQL text as tokens: the one lexer the server's checks and the text rewriting of graph/ read queries with.

Comments, strings, IRIs, prefixed names, variables, blank nodes, language tags and numbers are tokens of
their own, so a keyword or a brace inside them is not one. `<` is both an IRI start and an operator: a
`<` followed by IRI characters up to `>` is read as an IRI (as SPARQL's own grammar reads it). The lexer
never fails: a character it does not know is a one-character `punct` token.

It is linear in the text: a run of name characters (letters, digits, `_ - . ·`) that no `:` follows is
matched once, as a whole, and split into words, numbers and punctuation afterwards (a prefixed-name pattern
tried at each word of such a run would rescan the rest of it: `a-a-a-…` of 40 KB took seconds). Results
for short texts are cached (`cached_for_short_texts`); a long text is never kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, NamedTuple, TypeVar

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
"""The keywords of the four query forms, upper-case (a token's `keyword`)."""

_IRI_PLAIN = r'[^<>"{}|^`\\\x00-\x20]'
_IRI_ESCAPE = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_PREFIX = r"(?:[^\W\d_](?:[\w.\-\u00B7]*[\w\-\u00B7])?)"
_PN_LOCAL = rf"(?:(?:[\w:]|{_PLX})(?:(?:[\w.:\-\u00B7]|{_PLX})*(?:[\w:\-\u00B7]|{_PLX}))?)"
_TOKEN = re.compile(
    rf"""
      (?P<space>[\x20\t\r\n]+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
    | (?P<iri><(?:{_IRI_PLAIN}++|{_IRI_ESCAPE})*+>)
    | (?P<var>[?$][\w\u00B7]+)
    | (?P<bnode>_:\w(?:[\w.\-\u00B7]*[\w\-\u00B7])?)
    | (?P<run>[^\W\d_][\w.\-\u00B7]*+(?!:))
    | (?P<pname>{_PN_PREFIX}?:{_PN_LOCAL}?)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    | (?P<word>[^\W\d]\w*)
    | (?P<punct>\^\^|&&|\|\||<=|>=|!=|<<|>>|.)
    """,
    re.VERBOSE | re.DOTALL,
)


_IN_RUN = re.compile(
    r"""(?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    | (?P<word>[^\W\d]\w*)
    | (?P<punct>.)""",
    re.VERBOSE | re.DOTALL,
)
"""The tokens inside a run of name characters with no `:` after it (no IRI, string, name or variable fits there)."""

_INSIGNIFICANT = frozenset({"space", "comment"})

SHORT_TEXT = 4096
"""Longest text whose reading is cached: named queries and typical hand-written queries fit; a 10 MB body does not."""

Result = TypeVar("Result")


def cached_for_short_texts(maxsize: int) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """An LRU cache (`maxsize` entries) on a function of (text, …) that only texts of ≤ SHORT_TEXT characters enter.

    The cache keeps its keys: caching every text would keep up to `maxsize` request bodies alive."""

    def decorate(function: Callable[..., Result]) -> Callable[..., Result]:
        cached = lru_cache(maxsize=maxsize)(function)

        @wraps(function)
        def call(text: str, *args: Any) -> Result:
            return cached(text, *args) if len(text) <= SHORT_TEXT else function(text, *args)

        call.cache_info = cached.cache_info  # type: ignore[attr-defined]
        return call

    return decorate


def _tokens(text: str) -> list[Token]:
    """The significant tokens of `text` (no spaces, no comments), in order."""
    out: list[Token] = []
    append = out.append
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        if kind in _INSIGNIFICANT:
            continue
        if kind != "run":
            append(Token(kind, match.group(), match.start()))
            continue
        start, run = match.start(), match.group()
        if "." not in run and "-" not in run and "\u00b7" not in run:  # a letter, then letters, digits or _: a word
            append(Token("word", run, start))
            continue
        for part in _IN_RUN.finditer(run):
            append(Token(part.lastgroup or "punct", part.group(), start + part.start()))
    return out


class Token(NamedTuple):
    """One SPARQL token: kind (group name of _TOKEN), text and offset in the request text (a tuple: built by the
    thousand per request, read-only)."""

    kind: str
    text: str
    start: int

    @property
    def keyword(self) -> str:
        """The upper-cased word for word tokens, else ''."""
        return self.text.upper() if self.kind == "word" else ""


@cached_for_short_texts(maxsize=256)
def tokenize(text: str) -> tuple[Token, ...]:
    """The significant tokens of a SPARQL text (no spaces, no comments).

    Cached for short texts: a request's text is read by the guard and then again to add a LIMIT."""
    return tuple(_tokens(text))


@cached_for_short_texts(maxsize=256)
def outline(text: str) -> tuple[Token, ...]:
    """The tokens of `text` at brace depth 0, with the braces that open and close each depth-1 group.

    Cached for short texts: the server reads the same ones again and again (named queries, repeated queries);
    the tokens come from tokenize(), which has usually read this text already (the guard does)."""
    depth, out = 0, []
    for token in tokenize(text):
        if token.text == "}":
            depth -= 1
        if depth == 0:
            out.append(token)
        if token.text == "{":
            depth += 1
    return tuple(out)


UNREPEATABLE = frozenset({"SERVICE", "NOW", "RAND", "UUID", "STRUUID"})
"""Keywords whose query may answer differently from one run to the next over the same store: a remote
endpoint's data (SERVICE), the clock, random numbers and fresh identifiers."""


@cached_for_short_texts(maxsize=256)
def repeatable(text: str) -> bool:
    """Whether the same store answers `text` alike each time: no SERVICE, NOW(), RAND(), UUID() or STRUUID()
    (as words: in a string, IRI or comment they do not count)."""
    return not any(token.keyword in UNREPEATABLE for token in tokenize(text))
